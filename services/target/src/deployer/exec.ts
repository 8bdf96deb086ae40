import { spawn } from 'node:child_process';

export interface Limits {
  /** Data segment per process, MB (RLIMIT_DATA: V8's large address-space reservations are not counted). */
  memoryMb: number;
  /** Processes of the user (RLIMIT_NPROC): stops a fork bomb. */
  maxProcesses: number;
}

/**
 * The argv that runs `argv` under resource limits. The service's install, build and start commands run its
 * code, which is not ours: they get a scrubbed environment, their own process group, a deadline and these limits
 * (prlimit from util-linux, set before exec). No namespace isolation: see the workspace's README.
 */
export function limited(argv: readonly string[], limits: Limits): string[] {
  return [
    'prlimit',
    `--data=${limits.memoryMb * 1024 * 1024}`,
    `--nproc=${limits.maxProcesses}`,
    '--core=0',
    '--',
    ...argv,
  ];
}

/** PATH and HOME only, plus what the caller names: secrets in the deployer's environment stay there. */
export function scrubbedEnv(extra: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    LANG: 'C.UTF-8',
    ...extra,
  };
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last 8 KB of stdout and stderr, interleaved: what an error message shows. */
  tail: string;
  timedOut: boolean;
}

/** Runs a command to completion (no shell), killing its whole process group at the deadline. */
export function run(
  argv: readonly string[],
  opts: { cwd: string; env: Record<string, string>; timeoutMs: number; onOutput?: (chunk: Buffer) => void },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const [program, ...args] = argv;
    if (!program) return reject(new Error('empty command'));
    const child = spawn(program, args, {
      cwd: opts.cwd,
      env: opts.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let tail = '';
    const take = (chunk: Buffer) => {
      opts.onOutput?.(chunk);
      tail = (tail + chunk.toString('utf8')).slice(-8192);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid, 'SIGKILL');
    }, opts.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, tail, timedOut });
    });
  });
}

/** Signals a process group (negative pid); a group that is already gone is not an error. */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
