import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { machine } from './capabilities.js';
import { sweepStaleCgroups } from './cgroup.js';
import { prepareSandboxRoot, runSandboxed, sandboxCapabilities, type SandboxLimits } from './index.js';

// Real processes, real namespaces and cgroups. Limits are small so each case ends in a few seconds; a marker (a
// fractional sleep length, unique per case) finds any process a case might have left behind in /proc.

const limits: SandboxLimits = {
  timeoutMs: 5_000,
  memoryMb: 256,
  maxProcesses: 64,
  maxDiskMb: 64,
  maxOutputBytes: 8_192,
};

const node = process.execPath;
let base: string;
let root: string;

function marker(): string {
  return `${100 + Math.floor(Math.random() * 800)}.${randomBytes(3).readUIntBE(0, 3)}`;
}

async function processesWith(mark: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(mark)) found.push(`${pid}: ${cmdline.replaceAll('\0', ' ')}`);
  }
  return found;
}

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'sandbox-spec-'));
  root = join(base, 'worktree');
  await mkdir(root);
  await prepareSandboxRoot(root);
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('runSandboxed', () => {
  it('reports the exit code and both outputs, runs the program without a shell', async () => {
    const r = await runSandboxed({
      argv: ['sh', '-c', 'echo out; echo err >&2; echo "$1"; exit 7', 'sh', '$(touch pwned); `id`'],
      root,
      limits,
      network: false,
    });
    expect(r).toMatchObject({ exitCode: 7, signal: null, killedFor: null });
    expect(r.stdout).toBe('out\n$(touch pwned); `id`\n');
    expect(r.stderr).toBe('err\n');
    expect(existsSync(join(root, 'pwned'))).toBe(false);
  });

  it('builds the environment from scratch: none of the platform’s secrets, HOME and TMPDIR in the root', async () => {
    process.env.FORGE_TOKEN = 'forge-secret-in-the-platform';
    process.env.MONGODB_URI = 'mongodb://user:secret@db';
    try {
      const r = await runSandboxed({
        argv: ['env'],
        root,
        env: { npm_config_cache: '/nowhere', NODE_OPTIONS: '--no-warnings' },
        limits,
        network: false,
      });
      expect(r.exitCode).toBe(0);
      expect(r.stdout).not.toContain('secret');
      expect(r.stdout).not.toMatch(/^(FORGE_|MONGODB|KAFKA)/m);
      expect(r.stdout).toMatch(new RegExp(`^HOME=${root}$`, 'm'));
      expect(r.stdout).toMatch(new RegExp(`^TMPDIR=${root}/\\.sandbox-tmp$`, 'm'));
      expect(r.stdout).toMatch(/^npm_config_cache=\/nowhere$/m);
      expect(r.stdout).toMatch(/^NODE_OPTIONS=--no-warnings --max-old-space-size=192$/m);
    } finally {
      delete process.env.FORGE_TOKEN;
      delete process.env.MONGODB_URI;
    }
  });

  it('runs on the Node.js whose bin folder it is given: first on PATH, readable, not writable', async () => {
    const bin = join(base, 'runtime', 'bin');
    await mkdir(bin, { recursive: true });
    await writeFile(join(bin, 'node'), '#!/bin/sh\necho "runtime node $*"\n', { mode: 0o755 });
    const r = await runSandboxed({
      argv: [
        'sh',
        '-c',
        'node --version; echo "$PATH"; touch "$0/x" 2>/dev/null && echo wrote || echo refused',
        bin,
      ],
      root,
      nodeBinDir: bin,
      limits,
      network: false,
    });
    expect(r.exitCode).toBe(0);
    const [version, path, write] = r.stdout.split('\n');
    expect(version).toBe('runtime node --version');
    expect(path!.startsWith(`${bin}:`)).toBe(true);
    expect(write).toBe('refused');
  });

  describe('network', () => {
    let server: Server;
    let port: number;
    beforeAll(async () => {
      server = createServer((s) => s.end('host\n'));
      await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
      port = (server.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

    const connect = (p: number) =>
      `const s=require('net').connect(${p},'127.0.0.1');s.on('data',d=>{console.log('got '+d);process.exit(0)});` +
      `s.on('error',e=>{console.log(e.code);process.exit(3)})`;

    it('without network: the host’s 127.0.0.1 is out of reach, the run’s own loopback works', async () => {
      const caps = await sandboxCapabilities();
      const out = await runSandboxed({ argv: [node, '-e', connect(port)], root, limits, network: false });
      expect(out.enforced.network).toBe(caps.network);
      if (caps.network) expect(out).toMatchObject({ exitCode: 3, stdout: 'ECONNREFUSED\n' });

      const loop = await runSandboxed({
        argv: [
          node,
          '-e',
          "const n=require('net');const s=n.createServer(c=>c.end('pong')).listen(0,'127.0.0.1',()=>{" +
            "n.connect(s.address().port,'127.0.0.1').on('data',d=>{console.log(String(d));process.exit(0)})})",
        ],
        root,
        limits,
        network: false,
      });
      expect(loop).toMatchObject({ exitCode: 0, stdout: 'pong\n' });
    });

    it('with network: the host is reachable', async () => {
      const r = await runSandboxed({ argv: [node, '-e', connect(port)], root, limits, network: true });
      expect(r).toMatchObject({ exitCode: 0, stdout: 'got host\n\n' });
      expect(r.enforced.network).toBe(false);
    });
  });

  it('kills a run past its time limit with every descendant, one that left the group by setsid included', async () => {
    const mark = marker();
    const t0 = Date.now();
    const r = await runSandboxed({
      argv: ['sh', '-c', `setsid sleep ${mark} & (sleep ${mark} &) ; sleep ${mark}`],
      root,
      limits: { ...limits, timeoutMs: 1_000 },
      network: false,
    });
    expect(r.killedFor).toBe('timeout');
    expect(r.signal).toBe('SIGKILL');
    expect(Date.now() - t0).toBeLessThan(4_000);
    expect(await processesWith(mark)).toEqual([]);
  });

  it('kills a busy loop past its time limit', async () => {
    const r = await runSandboxed({
      argv: [node, '-e', 'for(;;){}'],
      root,
      limits: { ...limits, timeoutMs: 1_000 },
      network: false,
    });
    expect(r.killedFor).toBe('timeout');
    expect(r.durationMs).toBeLessThan(3_000);
  });

  it('ends a fork bomb on the process limit and leaves nothing', async () => {
    const mark = marker();
    const r = await runSandboxed({
      argv: ['sh', '-c', `while :; do sleep ${mark} & done`],
      root,
      limits: { ...limits, maxProcesses: 32 },
      network: false,
    });
    if (r.enforced.processes === 'cgroup') expect(r.killedFor).toBe('processes');
    else expect(r.killedFor).not.toBeNull();
    expect(r.durationMs).toBeLessThan(4_000);
    expect(await processesWith(mark)).toEqual([]);
  });

  it('ends a node script that spawns children without end', async () => {
    const mark = marker();
    const r = await runSandboxed({
      argv: [
        node,
        '-e',
        `const {spawn}=require('child_process');setInterval(()=>{for(let i=0;i<20;i++)` +
          `spawn('sleep',['${mark}']).on('error',()=>{})},1)`,
      ],
      root,
      limits: { ...limits, maxProcesses: 64 },
      network: false,
    });
    expect(r.killedFor).toBe(r.enforced.processes === 'cgroup' ? 'processes' : 'timeout');
    expect(await processesWith(mark)).toEqual([]);
  });

  it('ends a memory hog on the memory limit', async () => {
    const r = await runSandboxed({
      // Buffers live outside V8's heap, so --max-old-space-size does not stop them; only the limit does.
      argv: [node, '-e', 'const a=[];for(;;)a.push(Buffer.alloc(1<<24,1))'],
      root,
      limits: { ...limits, memoryMb: 128 },
      network: false,
    });
    if (r.enforced.memory === 'cgroup') expect(r.killedFor).toBe('memory');
    else expect(r.exitCode).not.toBe(0);
    expect(r.durationMs).toBeLessThan(4_000);
  });

  it('ends a disk filler on the disk limit', async () => {
    const r = await runSandboxed({
      argv: ['sh', '-c', 'i=0; while :; do head -c 1048576 /dev/zero > fill$i; i=$((i+1)); done'],
      root,
      limits: { ...limits, maxDiskMb: 20 },
      network: false,
    });
    expect(r.killedFor).toBe('disk');
    await rm(join(root, 'fill0'), { force: true });
    for (const f of await readdir(root)) if (f.startsWith('fill')) await rm(join(root, f));
  });

  it('bounds a single file by the disk limit (RLIMIT_FSIZE)', async () => {
    const r = await runSandboxed({
      argv: ['sh', '-c', 'head -c 30000000 /dev/zero > big'],
      root,
      limits: { ...limits, maxDiskMb: 16 },
      network: false,
    });
    expect(r.killedFor).toBe('disk');
    await rm(join(root, 'big'), { force: true });
  });

  it('keeps the head and the tail of a long output, and kills output without end', async () => {
    const long = await runSandboxed({
      argv: [node, '-e', "console.log('first');console.log('x'.repeat(20000));console.log('last')"],
      root,
      limits: { ...limits, maxOutputBytes: 1_000 },
      network: false,
    });
    expect(long.killedFor).toBeNull();
    expect(long.stdout.startsWith('first\n')).toBe(true);
    expect(long.stdout.endsWith('last\n')).toBe(true);
    expect(long.stdout.length).toBeLessThan(1_100);

    const endless = await runSandboxed({
      argv: ['yes'],
      root,
      limits: { ...limits, maxOutputBytes: 1_000 },
      network: false,
    });
    expect(endless.killedFor).toBe('output');
    expect(endless.stdout.length).toBeLessThan(1_100);
  });

  it('cannot write outside its root; /tmp is its own; read-only paths stay read-only', async () => {
    const outside = join(base, 'outside');
    await mkdir(outside);
    const hostTmpFile = join(tmpdir(), `sandbox-escape-${randomBytes(4).toString('hex')}`);
    await mkdir(join(root, 'tests'), { recursive: true });
    await writeFile(join(root, 'tests', 'a.test.js'), 'original');
    await prepareSandboxRoot(root);
    const r = await runSandboxed({
      argv: [
        'sh',
        '-c',
        'for f in "$@"; do (echo x > "$f") 2>/dev/null && echo "wrote $f" || echo "refused $f"; done',
        'sh',
        join(outside, 'x'),
        '/root/x',
        '/etc/x',
        hostTmpFile,
        join(root, 'tests', 'a.test.js'),
        join(root, 'ok'),
      ],
      root,
      readOnlyPaths: [join(root, 'tests')],
      limits,
      network: false,
    });
    const caps = await sandboxCapabilities();
    expect(r.stdout).toContain(`refused ${join(outside, 'x')}`);
    expect(r.stdout).toContain('refused /root/x');
    expect(r.stdout).toContain('refused /etc/x');
    expect(r.stdout).toContain(`wrote ${join(root, 'ok')}`);
    // With a mount namespace /tmp is a private tmpfs: writing there works and leaves nothing on the host.
    expect(existsSync(hostTmpFile)).toBe(!caps.pidNamespace);
    if (caps.pidNamespace) expect(r.stdout).toContain(`refused ${join(root, 'tests', 'a.test.js')}`);
    expect(await readFile(join(root, 'tests', 'a.test.js'), 'utf8')).toBe(
      caps.pidNamespace ? 'original' : 'x\n',
    );
    await rm(hostTmpFile, { force: true });
  });

  it('leaves no process behind when the platform is SIGKILLed mid-run', async () => {
    const mark = marker();
    const script = join(base, 'platform.mts');
    const sandbox = resolve(import.meta.dirname, 'index.ts');
    await writeFile(
      script,
      `import { runSandboxed } from ${JSON.stringify(sandbox)};\n` +
        `await runSandboxed({ argv: ['sh', '-c', 'setsid sleep ${mark} & sleep ${mark}'], root: ${JSON.stringify(root)},` +
        ` limits: ${JSON.stringify({ ...limits, timeoutMs: 60_000 })}, network: false });\n`,
    );
    const platform = spawn(node, ['--import', 'tsx', script], { cwd: import.meta.dirname, stdio: 'ignore' });
    try {
      for (let i = 0; i < 100 && (await processesWith(mark)).length < 2; i++) await sleep(100);
      expect((await processesWith(mark)).length).toBeGreaterThanOrEqual(2);
      const m = await machine();
      const groupsOf = async (pid: number | undefined) => {
        const found: string[] = [];
        for (const parent of [m.memoryCgroup, m.pidsCgroup]) {
          if (!parent) continue;
          for (const entry of await readdir(parent))
            if (entry.startsWith(`sandbox-${pid}-`)) found.push(entry);
        }
        return found;
      };
      expect((await groupsOf(platform.pid)).length).toBe(Number(!!m.memoryCgroup) + Number(!!m.pidsCgroup));
      platform.kill('SIGKILL');
      let left = await processesWith(mark);
      for (let i = 0; i < 30 && left.length > 0; i++) {
        await sleep(100);
        left = await processesWith(mark);
      }
      expect(left).toEqual([]);
      // Its empty cgroups are what the dead platform leaves; the next one to start removes them. Test files run in
      // parallel, so another file's sandbox may be that next one: what matters is that none are left after a sweep.
      // Until its parent reaps it, the killed platform is a zombie whose /proc entry says it is alive.
      if (platform.exitCode === null && platform.signalCode === null) await once(platform, 'exit');
      await sweepStaleCgroups(m);
      expect(await groupsOf(platform.pid)).toEqual([]);
    } finally {
      platform.kill('SIGKILL');
    }
  });
});
