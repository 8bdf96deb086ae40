import { spawn } from 'node:child_process';

/**
 * git plumbing in the repository's bare mirror, with the platform's environment (a temporary index, a fixed author
 * and date): hooks are switched off and no prompt can wait for a terminal. `ok` lists the exit codes that are
 * answers rather than failures (`merge-tree` exits 1 for a merge with conflicts).
 */
export function plumbing(
  cwd: string,
  args: string[],
  opts: { env?: Record<string, string>; input?: string; ok?: readonly number[] } = {},
): Promise<{ code: number; out: string }> {
  const ok = opts.ok ?? [0];
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['-C', cwd, '-c', 'core.hooksPath=/dev/null', ...args], {
      env: { ...process.env, ...opts.env, GIT_TERMINAL_PROMPT: '0' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d.slice(0, 4000)));
    child.on('error', reject);
    child.on('close', (code) =>
      code !== null && ok.includes(code)
        ? resolve({ code, out })
        : reject(new Error(`git ${args[0]} failed (exit ${code}): ${err.trim()}`)),
    );
    // A command that reads no input may exit before its stdin is closed: that EPIPE is not a failure.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** `plumbing` for a command that must succeed: its output. */
export async function git(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
  input?: string,
): Promise<string> {
  return (await plumbing(cwd, args, { env, input })).out;
}
