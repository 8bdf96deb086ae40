import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { promisify } from 'node:util';
import type { GitRepo } from '@self-healing/diagnosis';
import type { RepoView, Scratch } from '../strategies/types.js';

const run = promisify(execFile);

/** A repository-relative path that stays inside the repository, or null. Pure string work. */
export function confined(path: string): string | null {
  if (!path || path.includes('\0') || path.startsWith('/') || path.includes('\\')) return null;
  const n = posix.normalize(path);
  if (
    n === '.' ||
    n.startsWith('../') ||
    n.split('/').includes('..') ||
    n.startsWith('.git/') ||
    n === '.git'
  )
    return null;
  return n;
}

/**
 * A git worktree of a service's mirror at one commit, under the stage's work folder: where strategies revert and
 * re-apply, where the patch is computed, and (after `npm ci --ignore-scripts`) where the patched files are
 * type-checked. git runs with a fixed identity and no hooks or configured pagers; nothing of the repository runs.
 */
export class WorkTree implements Scratch {
  private constructor(
    readonly dir: string,
    readonly baseCommit: string,
  ) {}

  static async create(repo: GitRepo, commit: string, dir: string): Promise<WorkTree> {
    if (existsSync(dir)) {
      // A worktree left by an earlier attempt (a crash): removed and made again, so this attempt starts clean.
      await repo.git(['worktree', 'remove', '--force', dir]).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
      await repo.git(['worktree', 'prune']);
    }
    await mkdir(join(dir, '..'), { recursive: true });
    await repo.git(['worktree', 'add', '--force', '--detach', dir, commit]);
    return new WorkTree(dir, commit);
  }

  async git(args: string[]): Promise<string> {
    const { stdout } = await run('git', ['-C', this.dir, '-c', 'core.hooksPath=/dev/null', ...args], {
      maxBuffer: 128 << 20,
      encoding: 'utf8',
      timeout: 120_000,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: this.dir,
        GIT_AUTHOR_NAME: 'self-healing',
        GIT_AUTHOR_EMAIL: 'self-healing@localhost',
        GIT_COMMITTER_NAME: 'self-healing',
        GIT_COMMITTER_EMAIL: 'self-healing@localhost',
        GIT_TERMINAL_PROMPT: '0',
      },
    });
    return stdout;
  }

  async read(path: string): Promise<string | undefined> {
    const p = confined(path);
    if (!p) return undefined;
    try {
      return await readFile(join(this.dir, p), 'utf8');
    } catch {
      return undefined;
    }
  }

  async changes(): Promise<Map<string, string | null>> {
    await this.git(['add', '-A']);
    const names = (await this.git(['diff', '--cached', '--name-only', '-z', this.baseCommit]))
      .split('\0')
      .filter(Boolean);
    const out = new Map<string, string | null>();
    for (const name of names) out.set(name, (await this.read(name)) ?? null);
    await this.git(['reset', '-q']);
    return out;
  }

  async reset(): Promise<void> {
    await this.git(['reset', '-q', '--hard', this.baseCommit]);
    await this.git(['clean', '-q', '-fdx', '-e', 'node_modules']);
  }

  /** Writes new texts (null deletes); paths outside the repository are refused. */
  async apply(files: ReadonlyMap<string, string | null>): Promise<void> {
    for (const [path, text] of files) {
      const p = confined(path);
      if (!p)
        throw new Error(`refused to write outside the repository: ${JSON.stringify(path.slice(0, 100))}`);
      const abs = join(this.dir, p);
      if (text === null) await unlink(abs).catch(() => undefined);
      else {
        await mkdir(join(abs, '..'), { recursive: true });
        await writeFile(abs, text);
      }
    }
  }

  /** The unified diff of the tree against the base commit (binary-safe, no renames, stable). */
  async diff(): Promise<string> {
    await this.git(['add', '-A']);
    const diff = await this.git([
      'diff',
      '--cached',
      '--no-renames',
      '--no-color',
      '--full-index',
      this.baseCommit,
    ]);
    await this.git(['reset', '-q']);
    return diff;
  }
}

/** The repository at the base commit, read through git plumbing (no worktree needed). */
export function repoView(repo: GitRepo, baseCommit: string, files: ReadonlySet<string>): RepoView {
  return {
    baseCommit,
    files,
    read: async (path) => {
      const p = confined(path);
      if (!p || !files.has(p)) return undefined;
      return (await repo.readFiles(baseCommit, [p])).get(p);
    },
    commitDiff: (sha) => repo.commitDiff(sha),
    log: async (limit) =>
      (await repo.log(baseCommit, null, limit)).map((c) => ({
        sha: c.sha,
        subject: c.subject,
        time: c.time,
      })),
  };
}
