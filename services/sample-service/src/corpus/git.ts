import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Runs git in a repository with no user or system configuration (no hooks path, signing or rewrite rules from the
 * machine), so that the same corpus gives the same commits everywhere. Arguments are passed as a list: nothing
 * goes through a shell.
 */
export async function git(
  repo: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<string> {
  try {
    const { stdout } = await run(
      'git',
      ['-C', repo, '-c', 'core.hooksPath=/dev/null', '-c', 'commit.gpgsign=false', ...args],
      {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: repo,
          GIT_CONFIG_NOSYSTEM: '1',
          GIT_CONFIG_GLOBAL: '/dev/null',
          LC_ALL: 'C',
          TZ: 'UTC',
          ...env,
        },
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(
      `git ${args.slice(0, 2).join(' ')} failed in ${repo}: ${(e.stderr || e.stdout || e.message).trim()}`,
    );
  }
}
