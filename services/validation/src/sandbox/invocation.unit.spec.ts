import { describe, expect, it } from 'vitest';
import { buildInvocation, mountSteps, programStatus, type InvocationInput } from './invocation.js';

const input: InvocationInput = {
  argv: ['npm', 'test', '--', '$(rm -rf /)'],
  root: '/root/.cache/work/runs/r1',
  cwd: '/root/.cache/work/runs/r1/app',
  env: { npm_config_cache: '/root/.cache/work/npm-cache' },
  limits: { timeoutMs: 1000, memoryMb: 512, maxProcesses: 100, maxDiskMb: 100, maxOutputBytes: 1000 },
  network: false,
  machine: {
    tools: {
      sh: '/bin/sh',
      setpriv: '/usr/bin/setpriv',
      unshare: '/usr/bin/unshare',
      prlimit: '/usr/bin/prlimit',
      ip: '/usr/sbin/ip',
      mount: '/usr/bin/mount',
      mkdir: '/usr/bin/mkdir',
      du: '/usr/bin/du',
      nice: '/usr/bin/nice',
    },
    pidNamespace: true,
    netNamespace: true,
    user: { name: 'nobody', uid: 65534, gid: 65534 },
  },
  cgroupProcs: ['/sys/fs/cgroup/pids/sandbox-1/cgroup.procs'],
  memoryCgroup: true,
  processCgroup: true,
  visible: ['/root/.cache/work/runs/r1', '/root/.cache/work/npm-cache', '/root/.cache/work/runs/r1/test'],
  readOnly: ['/root/.cache/work/runs/r1/test'],
  unreachable: ['/root', '/root'],
  sharedTemp: ['/tmp', '/dev/shm'],
  nodeBinDir: '/usr/local/bin',
};

describe('mountSteps', () => {
  it('covers shared temp folders and unreachable ancestors, then binds back what the run must see', () => {
    expect(mountSteps(input)).toEqual(
      [
        ['hold', '3', '/root/.cache/work/runs/r1'],
        ['hold', '4', '/root/.cache/work/npm-cache'],
        ['tmpfs', '/dev/shm', '1777', String(100 << 20)],
        ['tmpfs', '/tmp', '1777', String(100 << 20)],
        ['tmpfs', '/root', '0755', String(1 << 20)],
        ['bind', '3', '/root/.cache/work/runs/r1'],
        ['bind', '4', '/root/.cache/work/npm-cache'],
        ['ro', '/root/.cache/work/runs/r1/test'],
      ].flat(),
    );
  });

  it('never covers a folder the run must see, nor one inside it', () => {
    const steps = mountSteps({
      ...input,
      visible: ['/tmp'],
      readOnly: [],
      unreachable: [],
      sharedTemp: ['/tmp'],
    });
    expect(steps).toEqual([]);
  });
});

describe('buildInvocation', () => {
  it('nests platform death, a lower priority, namespaces, the init script, the user drop and the rlimits around the untouched argv', () => {
    const inv = buildInvocation(input);
    const all = [inv.file, ...inv.args];
    expect(all.slice(0, 6)).toEqual([
      '/usr/bin/setpriv',
      '--pdeathsig=KILL',
      '--',
      '/usr/bin/nice',
      '-n',
      '10',
    ]);
    expect(all.slice(6, 13)).toEqual([
      '/usr/bin/unshare',
      '--pid',
      '--fork',
      '--kill-child',
      '--mount-proc',
      '--net',
      '--',
    ]);
    expect(all.slice(-4)).toEqual(input.argv);
    const drop = all.indexOf('--reuid=65534');
    expect(drop).toBeGreaterThan(0);
    expect(all.indexOf('/usr/bin/prlimit')).toBeGreaterThan(drop);
    expect(all).not.toContain(`--data=${512 << 20}`);
  });

  it('falls back to rlimits for memory and processes without cgroups', () => {
    const inv = buildInvocation({ ...input, memoryCgroup: false, processCgroup: false, cgroupProcs: [] });
    expect(inv.args).toContain(`--data=${512 << 20}`);
    expect(inv.args).toContain('--nproc=100');
  });

  it('builds the environment from scratch and extends NODE_OPTIONS', () => {
    const { env } = buildInvocation({
      ...input,
      env: { NODE_OPTIONS: '--enable-source-maps', NODE_ENV: 'ci' },
    });
    expect(env).toMatchObject({
      HOME: input.root,
      TMPDIR: `${input.root}/.sandbox-tmp`,
      NODE_ENV: 'ci',
      NODE_OPTIONS: '--enable-source-maps --max-old-space-size=384',
    });
    expect(env.PATH!.split(':')[0]).toBe('/usr/local/bin');
    expect(Object.keys(env)).not.toContain('FORGE_TOKEN');
  });
});

describe('programStatus', () => {
  it('reads a shell’s 128+N as signal N', () => {
    expect(programStatus(137, null)).toEqual({ exitCode: null, signal: 'SIGKILL' });
    expect(programStatus(1, null)).toEqual({ exitCode: 1, signal: null });
    expect(programStatus(null, 'SIGKILL')).toEqual({ exitCode: null, signal: 'SIGKILL' });
  });
});
