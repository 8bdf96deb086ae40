import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GitRepo } from '@self-healing/diagnosis';
import { CHANGELOG_NAMES } from '@self-healing/fix-generate';
import { git, plumbing } from './git.js';
import { platformEnv, temporaryIndex } from './fixCommit.js';

/**
 * A fix commit replayed on the default branch's newer head, for a pull request the forge will not merge because the
 * branch moved on under it. Fixes of one service made at the same time each add an entry at the top of its
 * changelog, so the second to merge always conflicts there, while its code merges cleanly: the changelog is merged
 * line by line (both entries kept, as git's `union` merge driver does), and any other conflict is left to people.
 * The result is a new commit on the new head (plumbing only, in the bare mirror: nothing checked out, no hook), which
 * must go through CI again before it is merged: its tree is not the one validation or CI saw.
 */
export type Replayed =
  | { kind: 'replayed'; commit: string; tree: string; unioned: string[] }
  | { kind: 'conflict'; files: string[] }
  | { kind: 'diverged'; reason: string };

/** Files whose concurrent edits are independent entries, merged by keeping both sides' lines. */
export function mergedLineByLine(path: string): boolean {
  return CHANGELOG_NAMES.includes(path);
}

export async function replayOnto(
  repo: GitRepo,
  p: { commit: string; onto: string; at: number; note: string },
): Promise<Replayed> {
  const dir = repo.path;
  const base = (await git(dir, ['rev-parse', '--verify', `${p.commit}^1`])).trim();
  const descends = await plumbing(dir, ['merge-base', '--is-ancestor', base, p.onto], { ok: [0, 1] });
  if (descends.code !== 0)
    return {
      kind: 'diverged',
      reason: `the default branch's head ${p.onto.slice(0, 12)} no longer descends from the fix's base ${base.slice(0, 12)}`,
    };
  // The merge base of the new head and the fix commit is the fix's base (its only parent, an ancestor of the
  // head): a three-way merge of the two is the fix's change applied on the head.
  const merged = await plumbing(
    dir,
    ['merge-tree', '--write-tree', '--name-only', '--no-messages', '-z', p.onto, p.commit],
    {
      ok: [0, 1],
    },
  );
  const [tree, ...rest] = merged.out.split('\0');
  const conflicted = [...new Set(rest.filter(Boolean))];
  if (!tree || !/^[0-9a-f]{40,64}$/.test(tree))
    throw new Error(`git merge-tree gave no tree: ${merged.out.slice(0, 200)}`);
  const unresolvable = conflicted.filter((f) => !mergedLineByLine(f));
  if (unresolvable.length > 0) return { kind: 'conflict', files: unresolvable };

  const index = temporaryIndex();
  const env = platformEnv(index, p.at);
  const scratch = await mkdtemp(join(tmpdir(), 'deploy-union-'));
  try {
    await git(dir, ['read-tree', tree], env);
    for (const path of conflicted) {
      const ours = await blobAt(dir, p.onto, path);
      const theirs = await blobAt(dir, p.commit, path);
      // Deleted on one side and edited on the other: no lines to keep from both.
      if (!ours || !theirs) return { kind: 'conflict', files: [path] };
      const ancestor = await blobAt(dir, base, path);
      const files = ['ours', 'base', 'theirs'].map((n) => join(scratch, n));
      const texts = await Promise.all(
        [ours.oid, ancestor?.oid ?? null, theirs.oid].map((oid) =>
          oid ? git(dir, ['cat-file', 'blob', oid]) : '',
        ),
      );
      await Promise.all(files.map((f, i) => writeFile(f, texts[i]!)));
      const union = await git(dir, ['merge-file', '-p', '--union', ...files]);
      const blob = (await git(dir, ['hash-object', '-w', '--stdin'], {}, union)).trim();
      await git(dir, ['update-index', '--cacheinfo', `${ours.mode},${blob},${path}`], env);
    }
    const resolved = (await git(dir, ['write-tree'], env)).trim();
    const message = (await git(dir, ['log', '-1', '--format=%B', p.commit])).trimEnd();
    const commit = (
      await git(dir, ['commit-tree', resolved, '-p', p.onto, '-F', '-'], env, `${message}\n\n${p.note}\n`)
    ).trim();
    return { kind: 'replayed', commit, tree: resolved, unioned: conflicted };
  } finally {
    await rm(index, { force: true });
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The blob at `path` in `commit` (its object id and mode), or null when the commit has no such file. */
async function blobAt(
  dir: string,
  commit: string,
  path: string,
): Promise<{ oid: string; mode: string } | null> {
  const out = await git(dir, ['ls-tree', '-z', commit, '--', path]);
  for (const entry of out.split('\0')) {
    const m = /^(\d{6}) blob ([0-9a-f]{40,64})\t(.*)$/s.exec(entry);
    if (m && m[3] === path) return { mode: m[1]!, oid: m[2]! };
  }
  return null;
}
