import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GitRepo } from '@self-healing/diagnosis';
import { git } from './git.js';

/** Who the platform's commits are by. */
export const PLATFORM_AUTHOR = { name: 'self-healing platform', email: 'self-healing@localhost' };

/** `heal/<run>`: one branch per deployment run (`heal/<incident>`, then `heal/<incident>-2` for the next candidate). */
export function branchNameOf(incidentId: string): string {
  return `heal/${
    incidentId
      .replace(/[^A-Za-z0-9._-]/g, '-')
      .replace(/^[.-]+/, '')
      .slice(0, 100) || 'incident'
  }`;
}

/** `revert/<run>`: the branch of a revert (a rolled-back fix taken out of the default branch again). */
export function revertBranchOf(runId: string): string {
  return `revert/${branchNameOf(runId).slice('heal/'.length)}`;
}

/** A path for a temporary index of the platform's own (removed by the caller), so no checkout's index is touched. */
export function temporaryIndex(): string {
  return join(tmpdir(), `deploy-index-${randomUUID()}`);
}

/** git's environment for a commit by the platform at a given time, built in the temporary index `index`. */
export function platformEnv(index: string, at: number): Record<string, string> {
  const date = `${Math.floor(at / 1000)} +0000`;
  return {
    GIT_INDEX_FILE: index,
    GIT_AUTHOR_NAME: PLATFORM_AUTHOR.name,
    GIT_AUTHOR_EMAIL: PLATFORM_AUTHOR.email,
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_NAME: PLATFORM_AUTHOR.name,
    GIT_COMMITTER_EMAIL: PLATFORM_AUTHOR.email,
    GIT_COMMITTER_DATE: date,
  };
}

/**
 * The fix as one commit on its base, made in the repository's bare mirror with git's plumbing alone (a temporary
 * index, `apply --cached`, `write-tree`, `commit-tree`): nothing of the patch or the repository is checked out, and
 * no hook or filter of the repository runs. The author is the platform; the date is given, so the same request
 * makes the same commit.
 */
export async function makeFixCommit(
  repo: GitRepo,
  p: { baseCommit: string; diff: string; message: string; at: number },
): Promise<{ commit: string; tree: string; filesChanged: number }> {
  const index = temporaryIndex();
  const env = platformEnv(index, p.at);
  try {
    await git(repo.path, ['read-tree', p.baseCommit], env);
    await git(repo.path, ['apply', '--cached', '--whitespace=nowarn', '-'], env, p.diff);
    const tree = (await git(repo.path, ['write-tree'], env)).trim();
    const commit = (
      await git(repo.path, ['commit-tree', tree, '-p', p.baseCommit, '-F', '-'], env, p.message)
    ).trim();
    const files = (
      await git(repo.path, ['diff-tree', '-r', '--name-only', '--no-commit-id', p.baseCommit, commit], env)
    )
      .split('\n')
      .filter(Boolean);
    return { commit, tree, filesChanged: files.length };
  } finally {
    await rm(index, { force: true });
  }
}

/** The tree a commit records, or null when the mirror does not have the commit. */
export async function treeOf(repo: GitRepo, commit: string): Promise<string | null> {
  if (!(await repo.hasCommit(commit))) return null;
  return (await repo.git(['rev-parse', `${commit}^{tree}`])).trim();
}
