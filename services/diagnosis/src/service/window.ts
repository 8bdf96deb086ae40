import { touchesOf } from '../diagnose/changes.js';
import type { ChangeWindow, RangeCommit } from '../diagnose/types.js';
import type { GitRepo } from '../repository/repoCache.js';
import type { Codebase } from './deps.js';

/** Most commits a bounded window reads; a longer range (a deployment after months) keeps its newest ones. */
const MAX_RANGE = 500;

/**
 * The commits that may have brought the symptom, with what each changed: those between the last good and the first
 * bad deployment when both are known, else the recent history of the deployed commit.
 */
export async function loadWindow(
  repo: GitRepo,
  codebase: Codebase,
  historyCommits: number,
): Promise<ChangeWindow> {
  const good = codebase.good && (await repo.hasCommit(codebase.good)) ? codebase.good : null;
  const metas = await repo.log(codebase.bad, good, good ? MAX_RANGE : historyCommits);
  const commits: RangeCommit[] = [];
  for (const [depth, m] of metas.entries()) {
    const diff = await repo.commitDiff(m.sha);
    const touches = touchesOf(diff);
    commits.push({
      sha: m.sha,
      time: m.time,
      author: m.author,
      subject: m.subject,
      depth,
      // Empty once whitespace and blank lines are ignored: formatting only.
      styleOnly: diff.trim() === '' && m.parents.length <= 1,
      touches,
    });
  }
  return { good, bad: codebase.bad, commits, bounded: good !== null };
}
