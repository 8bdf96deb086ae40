import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { GitRepo } from '@self-healing/diagnosis';
import { WorkTree } from '@self-healing/fix-generate';

const run = promisify(execFile);

/** The two trees of a run: `base` (the base commit plus the patch's new tests) and `patched` (the whole patch). */
export type Side = 'base' | 'patched';
export const SIDES: readonly Side[] = ['base', 'patched'];

export interface ApplyOutcome {
  clean: boolean;
  conflicts: string[];
  headCommit: string | null;
  /** git's own words when it refused. */
  message: string | null;
}

/**
 * git in one of the run's worktrees, with a fixed identity, no hooks and no configured pager: nothing of the
 * repository runs here (its code runs in the sandbox only).
 */
export async function treeGit(dir: string, args: string[]): Promise<string> {
  const { stdout } = await run(
    'git',
    ['-C', dir, '-c', 'core.hooksPath=/dev/null', '-c', 'core.fsmonitor=false', ...args],
    {
      maxBuffer: 64 << 20,
      encoding: 'utf8',
      timeout: 120_000,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: dir,
        GIT_AUTHOR_NAME: 'self-healing validation',
        GIT_AUTHOR_EMAIL: 'validation@self-healing.invalid',
        GIT_COMMITTER_NAME: 'self-healing validation',
        GIT_COMMITTER_EMAIL: 'validation@self-healing.invalid',
        GIT_TERMINAL_PROMPT: '0',
      },
    },
  );
  return stdout;
}

/** A fresh detached worktree of the mirror at `commit`; one left by a crashed attempt is removed first. */
export async function freshWorktree(repo: GitRepo, commit: string, dir: string): Promise<void> {
  await WorkTree.create(repo, commit, dir);
}

/**
 * Applies the diff three-way (so a patch made on a slightly different text still lands where git can tell it
 * belongs) and commits it, which gives the validated tree a commit id. `only` restricts it to some of the patch's
 * files (the base tree gets the new tests and nothing else). A refusal is an outcome, not an error.
 */
export async function applyDiff(
  dir: string,
  diff: string,
  patchFile: string,
  only: string[] | null,
  message: string,
): Promise<ApplyOutcome> {
  await writeFile(patchFile, diff);
  const include = only ? only.map((p) => `--include=${p}`) : [];
  try {
    await treeGit(dir, ['apply', '--3way', '--whitespace=nowarn', ...include, patchFile]);
  } catch (error) {
    const text = String((error as { stderr?: string }).stderr ?? error);
    const conflicts = [
      ...text.matchAll(/(?:^|\n)(?:error: patch failed: |U |error: )([^:\n]+?)(?::\d+)?(?::|\n|$)/g),
    ]
      .map((m) => m[1]!.trim())
      .filter((p) => p && !p.startsWith('could not') && !/\s/.test(p));
    await treeGit(dir, ['reset', '-q', '--hard']).catch(() => undefined);
    return {
      clean: false,
      conflicts: [...new Set(conflicts)].slice(0, 50),
      headCommit: null,
      message: text.slice(0, 2000),
    };
  }
  await treeGit(dir, ['add', '-A']);
  await treeGit(dir, ['commit', '-q', '--no-verify', '--allow-empty', '-m', message]);
  const head = (await treeGit(dir, ['rev-parse', 'HEAD'])).trim();
  return { clean: true, conflicts: [], headCommit: head, message: null };
}
