import { execFile, spawn } from 'node:child_process';
import { lstat, mkdir, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, sep } from 'node:path';
import { promisify } from 'node:util';
import { RunCgroups } from './cgroup.js';
import { enforcementOf, machine, type Machine } from './capabilities.js';
import {
  buildInvocation,
  programStatus,
  SETUP_FAILED,
  SHARED_TEMP_DIRS,
  TMP_DIR_NAME,
} from './invocation.js';
import { HeadAndTail } from './output.js';
import type { KilledFor, SandboxRequest, SandboxResult } from './types.js';

const exec = promisify(execFile);

/**
 * A run whose output exceeds this many times what is kept is writing without end: everything between head and tail
 * would be thrown away anyway, so it is killed ('output') instead of burning the machine until its timeout.
 */
export const OUTPUT_KILL_FACTOR = 64;

/** How often the cgroup counters (OOM kills, refused forks) are read: a few file reads. */
const COUNTER_PERIOD_MS = 100;

const isInside = (path: string, dir: string): boolean =>
  path === dir || path.startsWith(dir === sep ? dir : dir + sep);

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** The topmost ancestor of `path` that other users may not traverse (e.g. /root, mode 700), if any. */
async function unreachableAncestor(path: string, uid: number): Promise<string | null> {
  const parts = path.split(sep).filter(Boolean);
  for (let i = 1; i < parts.length; i++) {
    const dir = sep + parts.slice(0, i).join(sep);
    const s = await stat(dir);
    if (s.uid !== uid && (s.mode & 0o001) === 0) return dir;
  }
  return null;
}

/** The run's TMPDIR, inside root, created for the sandbox user when prepareSandboxRoot did not. */
async function ensureTmpDir(root: string, m: Machine): Promise<void> {
  const dir = join(root, TMP_DIR_NAME);
  const s = await lstat(dir).catch(() => null);
  if (s?.isDirectory()) return;
  if (s) throw new Error(`sandbox: ${dir} exists and is not a folder`);
  await mkdir(dir, { mode: 0o700 });
  if (m.user) await exec('chown', ['-h', `${m.user.uid}:${m.user.gid}`, dir]);
}

function checkRequest(req: SandboxRequest): void {
  if (req.argv.length === 0 || req.argv.some((a) => typeof a !== 'string' || a.includes('\0')))
    throw new Error('sandbox: argv must be a non-empty list of strings without NUL');
  if (!isAbsolute(req.root)) throw new Error(`sandbox: root must be absolute, got ${req.root}`);
  if (req.nodeBinDir !== undefined && !isAbsolute(req.nodeBinDir))
    throw new Error(`sandbox: nodeBinDir must be absolute, got ${req.nodeBinDir}`);
  const l = req.limits;
  for (const [name, value] of Object.entries(l))
    if (!(typeof value === 'number' && value > 0 && Number.isFinite(value)))
      throw new Error(`sandbox: limit ${name} must be a positive number, got ${String(value)}`);
}

/**
 * Runs code the platform did not write, with a time limit, a memory limit, a bounded number of processes, a watched
 * disk, bounded captured output, a scrubbed environment, no write access outside its root (and its writable paths)
 * and no network unless asked. Never throws for what the program does; throws only for a malformed request or a
 * machine where nothing can be spawned. When it returns, no process of the run is left.
 */
export async function runSandboxed(req: SandboxRequest): Promise<SandboxResult> {
  checkRequest(req);
  const m = await machine();
  const root = await realpath(req.root);
  const cwd = await realpath(req.cwd ?? req.root);
  if (!isInside(cwd, root)) throw new Error(`sandbox: cwd ${req.cwd} is outside root ${req.root}`);
  const writable = await Promise.all((req.writablePaths ?? []).map((p) => realpath(p)));
  const nodeBinDir = req.nodeBinDir ? await realpath(req.nodeBinDir) : dirname(process.execPath);
  const readOnly = [
    ...(await Promise.all((req.readOnlyPaths ?? []).map((p) => realpath(p)))),
    ...(req.nodeBinDir ? [nodeBinDir] : []),
  ];
  await ensureTmpDir(root, m);

  const visible = [root, ...writable, ...readOnly];
  const unreachable = m.user
    ? (await Promise.all(visible.map((p) => unreachableAncestor(p, m.user!.uid)))).filter(
        (d): d is string => !!d,
      )
    : [];
  if (unreachable.length > 0 && !m.pidNamespace)
    throw new Error(
      `sandbox: ${unreachable.join(', ')} cannot be traversed by ${m.user?.name}, and without a mount namespace ` +
        'the run cannot be given a view past it; place the work folder elsewhere',
    );
  const sharedTemp = (
    await Promise.all(SHARED_TEMP_DIRS.map(async (d) => ((await exists(d)) ? d : null)))
  ).filter((d): d is string => !!d);

  const cgroups = await RunCgroups.create(m, req.limits.memoryMb, req.limits.maxProcesses).catch(() => null);
  const enforced = {
    ...enforcementOf(m, !req.network),
    ...(cgroups?.memory ? {} : { memory: m.tools.prlimit ? ('rlimit' as const) : ('none' as const) }),
    ...(cgroups?.pids
      ? {}
      : { processes: m.tools.prlimit && m.user ? ('rlimit' as const) : ('none' as const) }),
  };

  const invocation = buildInvocation({
    argv: req.argv,
    root,
    cwd,
    env: req.env,
    limits: req.limits,
    network: req.network,
    machine: m,
    cgroupProcs: cgroups?.procsFiles() ?? [],
    memoryCgroup: !!cgroups?.memory,
    processCgroup: !!cgroups?.pids,
    visible,
    readOnly,
    unreachable,
    sharedTemp,
    nodeBinDir,
  });

  try {
    const stdout = new HeadAndTail(req.limits.maxOutputBytes);
    const stderr = new HeadAndTail(req.limits.maxOutputBytes);
    const started = Date.now();
    const child = spawn(invocation.file, invocation.args, {
      cwd,
      env: invocation.env,
      // Its own process group (and session): the whole group is killed at the end, whatever the program started.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });

    let killedFor: KilledFor | null = null;
    const stopGroup = (): void => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group is already gone.
      }
      void cgroups?.killAll();
    };
    const kill = (reason: KilledFor): void => {
      killedFor ??= reason;
      stopGroup();
    };

    const outputCeiling = req.limits.maxOutputBytes * OUTPUT_KILL_FACTOR;
    const collect = (into: HeadAndTail) => (chunk: Buffer) => {
      into.push(chunk);
      if (stdout.total + stderr.total > outputCeiling) kill('output');
    };
    child.stdout!.on('data', collect(stdout));
    child.stderr!.on('data', collect(stderr));

    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));

    const timeout = setTimeout(() => kill('timeout'), req.limits.timeoutMs);
    const counters = setInterval(() => {
      void (async () => {
        if (!cgroups || killedFor) return;
        // The kernel killed a process of the run for memory, or refused it a fork: the run is over either way.
        if ((await cgroups.oomKills()) > 0) kill('memory');
        else if ((await cgroups.processLimitHits()) > 0) kill('processes');
      })();
    }, COUNTER_PERIOD_MS);
    const disk = watchDisk(m.tools.du, root, req.limits.maxDiskMb, () => kill('disk'));

    let status: { code: number | null; signal: NodeJS.Signals | null };
    try {
      status = await exited;
    } finally {
      clearTimeout(timeout);
      clearInterval(counters);
      disk.stop();
    }
    const durationMs = Date.now() - started;
    // Whatever is left of the group (possible only without a pid namespace) goes now; then the pipes close.
    stopGroup();
    await Promise.race([closed, new Promise((r) => setTimeout(r, 1000))]);
    child.stdout!.destroy();
    child.stderr!.destroy();

    const { exitCode, signal } = programStatus(status.code, status.signal);
    if (!killedFor && cgroups && (await cgroups.oomKills()) > 0) killedFor = 'memory';
    if (!killedFor && signal === 'SIGXFSZ') killedFor = 'disk';
    // A run that failed after being refused a fork failed for its process limit, even before the watchdog looked.
    const failed = exitCode !== 0;
    if (!killedFor && failed && cgroups && (await cgroups.processLimitHits()) > 0) killedFor = 'processes';
    let err = stderr.text();
    if (status.code === SETUP_FAILED && !killedFor)
      err = `${err}\n[the sandbox could not set the run up; see above]`;
    return { exitCode, signal, durationMs, killedFor, stdout: stdout.text(), stderr: err, enforced };
  } finally {
    if (cgroups) {
      await cgroups.killAll();
      await cgroups.remove().catch(() => undefined);
    }
  }
}

/**
 * Measures the size of root with `du` and calls `exceeded` when it passes the limit. A walk of a large
 * node_modules takes a while, so the next one waits ten times as long as the last took (at least 250 ms): the
 * watchdog never takes more than a tenth of a core. Between two walks a fast writer can overshoot; RLIMIT_FSIZE
 * bounds each single file to the limit.
 */
function watchDisk(
  du: string | null,
  root: string,
  maxDiskMb: number,
  exceeded: () => void,
): { stop(): void } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const limitKb = maxDiskMb * 1024;
  const measure = async (): Promise<void> => {
    const t0 = Date.now();
    const kb = await exec(du!, ['-skx', root], { timeout: 60_000, maxBuffer: 1 << 20 }).then(
      (r) => Number(r.stdout.split('\t')[0]),
      // du exits 1 when a file vanishes under it, yet prints its total.
      (e: { stdout?: string }) => Number((e.stdout ?? '').split('\t')[0] || 0),
    );
    if (stopped) return;
    if (kb > limitKb) {
      exceeded();
      return;
    }
    timer = setTimeout(() => void measure(), Math.min(5000, Math.max(250, 10 * (Date.now() - t0))));
  };
  if (du) timer = setTimeout(() => void measure(), 200);
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
