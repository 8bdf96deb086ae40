import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** A commit id, or a branch / tag name; never something git could read as an option. */
const REVISION = /^(?!-)[A-Za-z0-9._/-]{1,200}$/;

export class RepositoryError extends Error {
  override name = 'RepositoryError';
}

/** git without prompts, config from the user or hooks: a repository URL that asks for a password fails, it does not hang. */
async function git(args: string[], opts: { cwd?: string; timeoutMs: number }): Promise<string> {
  try {
    const { stdout } = await exec('git', ['-c', 'core.hooksPath=/dev/null', ...args], {
      cwd: opts.cwd,
      timeout: opts.timeoutMs,
      killSignal: 'SIGKILL',
      maxBuffer: 16 * 1024 * 1024,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/tmp',
        GIT_TERMINAL_PROMPT: '0',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_ASKPASS: '/bin/false',
        SSH_ASKPASS: '/bin/false',
      },
    });
    return stdout.trim();
  } catch (error) {
    const e = error as { stderr?: string; killed?: boolean; message: string };
    const why = e.killed ? `no answer within ${opts.timeoutMs} ms` : e.stderr?.trim() || e.message;
    throw new RepositoryError(`git ${args[0]} failed: ${why}`);
  }
}

/**
 * Checkouts of a service's repository: one bare mirror per repository URL under the cache, fetched before each
 * deploy, and one detached worktree per commit. The project's own tree is never touched.
 */
export class Checkouts {
  constructor(
    private readonly cacheDir: string,
    private readonly timeoutMs = 60_000,
  ) {}

  private mirrorOf(url: string): string {
    return join(this.cacheDir, 'repos', `${createHash('sha256').update(url).digest('hex').slice(0, 16)}.git`);
  }

  /** Fetches every branch of `url` into the mirror; a URL that does not answer is a RepositoryError. */
  async fetch(url: string): Promise<string> {
    const mirror = this.mirrorOf(url);
    if (!existsSync(mirror)) {
      mkdirSync(join(this.cacheDir, 'repos'), { recursive: true });
      await git(['init', '--bare', '--quiet', mirror], { timeoutMs: this.timeoutMs });
    }
    try {
      await git(
        ['fetch', '--quiet', '--prune', '--', url, '+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*'],
        {
          cwd: mirror,
          timeoutMs: this.timeoutMs,
        },
      );
    } catch (error) {
      throw new RepositoryError(`repository ${url} did not answer: ${(error as Error).message}`);
    }
    return mirror;
  }

  /** The full commit id a revision names in the mirror. */
  async resolve(url: string, revision: string): Promise<string> {
    if (!REVISION.test(revision))
      throw new RepositoryError(`not a commit or branch name: ${JSON.stringify(revision)}`);
    const mirror = this.mirrorOf(url);
    try {
      return await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${revision}^{commit}`], {
        cwd: mirror,
        timeoutMs: this.timeoutMs,
      });
    } catch {
      throw new RepositoryError(`no commit ${revision} in ${url}`);
    }
  }

  /** A worktree of `commit` (a full id) under `dir`; an existing complete one is reused. */
  async worktree(url: string, commit: string, dir: string): Promise<string> {
    if (!/^[0-9a-f]{40}$/.test(commit)) throw new RepositoryError(`not a full commit id: ${commit}`);
    const mirror = this.mirrorOf(url);
    if (existsSync(join(dir, '.git'))) {
      const head = await git(['rev-parse', 'HEAD'], { cwd: dir, timeoutMs: this.timeoutMs }).catch(() => '');
      if (head === commit) return dir;
      await git(['worktree', 'remove', '--force', dir], { cwd: mirror, timeoutMs: this.timeoutMs });
    }
    await git(['worktree', 'prune'], { cwd: mirror, timeoutMs: this.timeoutMs });
    await git(['worktree', 'add', '--detach', '--force', dir, commit], {
      cwd: mirror,
      timeoutMs: this.timeoutMs,
    });
    return dir;
  }

  async removeWorktree(url: string, dir: string): Promise<void> {
    await git(['worktree', 'remove', '--force', dir], {
      cwd: this.mirrorOf(url),
      timeoutMs: this.timeoutMs,
    }).catch(() => undefined);
  }
}
