import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, normalize } from 'node:path';
import { promisify } from 'node:util';
import type { RepoView, Scratch } from '../types.js';

/**
 * A RepoView and Scratch over a local git repository, for the strategies' tests (the stage has its own, with its
 * caps and clean-up): git runs with an argument list, never through a shell.
 */

const run = promisify(execFile);

export async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await run('git', args, { cwd, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' });
  return stdout;
}

/** A repository-relative path that stays inside the repository, else undefined. */
function inside(path: string): string | undefined {
  const p = normalize(path);
  return isAbsolute(p) || p.startsWith('..') ? undefined : p;
}

export async function gitRepoView(repo: string, baseCommit: string): Promise<RepoView> {
  const files = new Set(
    (await git(repo, ['ls-tree', '-r', '--name-only', baseCommit])).split('\n').filter(Boolean),
  );
  return {
    baseCommit,
    files,
    async read(path) {
      const p = inside(path);
      if (!p || !files.has(p)) return undefined;
      return git(repo, ['show', `${baseCommit}:${p}`]);
    },
    commitDiff: (sha) =>
      git(repo, [
        'show',
        '--format=',
        '-U0',
        '-w',
        '--ignore-blank-lines',
        '--no-renames',
        '--no-color',
        sha,
      ]),
    async log(limit) {
      const out = await git(repo, ['log', `-n${limit}`, '--format=%H%x00%s%x00%ct', baseCommit]);
      return out
        .split('\n')
        .filter(Boolean)
        .map((l) => {
          const [sha = '', subject = '', time = '0'] = l.split('\0');
          return { sha, subject, time: Number(time) * 1000 };
        });
    },
  };
}

/** A detached worktree of `repo` at `baseCommit`; `dispose` removes it. */
export async function gitScratch(
  repo: string,
  baseCommit: string,
): Promise<Scratch & { dispose(): Promise<void> }> {
  const dir = join(await mkdtemp(join(tmpdir(), 'scratch-')), 'wt');
  await git(repo, ['worktree', 'add', '--detach', '-q', dir, baseCommit]);
  const scratch = {
    dir,
    baseCommit,
    git: (args: string[]) => git(dir, args),
    async read(path: string) {
      const p = inside(path);
      if (!p) return undefined;
      return readFile(join(dir, p), 'utf8').catch(() => undefined);
    },
    async changes() {
      const out = new Map<string, string | null>();
      // Tracked changes against the base commit plus new untracked files.
      const changed = (await git(dir, ['diff', '--name-only', '--no-renames', baseCommit])).split('\n');
      const added = (await git(dir, ['ls-files', '--others', '--exclude-standard'])).split('\n');
      for (const p of [...changed, ...added].filter(Boolean))
        out.set(p, await readFile(join(dir, p), 'utf8').catch(() => null));
      return out;
    },
    async reset() {
      await git(dir, ['reset', '-q', '--hard', baseCommit]);
      await git(dir, ['clean', '-qfdx']);
    },
    async dispose() {
      await git(repo, ['worktree', 'remove', '--force', dir]);
      await rm(join(dir, '..'), { recursive: true, force: true });
    },
  };
  return scratch;
}
