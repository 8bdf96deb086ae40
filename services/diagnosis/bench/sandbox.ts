import { spawn } from 'node:child_process';
import { dirname } from 'node:path';

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderrTail: string;
}

/** The child's PATH unless the manifest's env sets one: the platform's Node.js, then the system's folders. */
export const DEFAULT_PATH = `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`;

/**
 * Runs the project's own command (untrusted code) as a child: argv without a shell, cwd its checkout, an environment
 * scrubbed down to PATH/HOME/LANG plus what the manifest declares, its own process group, and a time limit after
 * which the whole group is killed.
 */
export function runSandboxed(
  argv: readonly string[],
  options: { cwd: string; home: string; env?: Readonly<Record<string, string>>; timeoutMs: number },
): Promise<RunResult> {
  const [command, ...args] = argv;
  if (!command) throw new Error('empty command');
  const env: Record<string, string> = {
    PATH: DEFAULT_PATH,
    HOME: options.home,
    LANG: 'C.UTF-8',
    CI: 'true',
    ...options.env,
  };
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let err = '';
    let timedOut = false;
    const killGroup = (): void => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, options.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      err = (err + chunk.toString('utf8')).slice(-4000);
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      killGroup(); // leftovers (servers the tests started) die with the group
      resolvePromise({
        code,
        signal,
        timedOut,
        stdout: Buffer.concat(out).toString('utf8'),
        stderrTail: err,
      });
    });
  });
}
