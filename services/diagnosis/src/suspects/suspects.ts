import type { Localization } from '../locate/localize.js';
import { blame, history } from './git.js';
import { rankCommits, sentrySuspect, type BlamedLine, type CommitInfo, type Suspect } from './rank.js';

export interface SuspectReport {
  /** Fonte-style ranking (suspiciousness x recency, style-only commits ignored). */
  readonly commits: Suspect[];
  /** Sentry's rule on the innermost in-app frame, for comparison. */
  readonly sentry: CommitInfo | undefined;
}

/**
 * Suspect commits of a localized incident at `ref`: blames the most suspicious lines (the top `topLines`) and ranks
 * the commits that last touched them. `innermostFrame` is the first in-repository frame of the failing test's stack.
 */
export async function suspectCommits(
  repo: string,
  ref: string,
  localization: Localization,
  options: {
    topLines?: number;
    decay?: number;
    incidentTime?: number;
    innermostFrame?: { path: string; line: number };
  } = {},
): Promise<SuspectReport> {
  const commits = await history(repo, ref);
  const styleOnly = commits.filter((c) => c.styleOnly).map((c) => c.sha);
  const top = localization.lines.filter((l) => l.score > 0).slice(0, options.topLines ?? 200);
  const byFile = new Map<string, Map<number, string>>();
  const blamed: BlamedLine[] = [];
  const blameOf = async (path: string): Promise<Map<number, string>> => {
    let b = byFile.get(path);
    if (!b) byFile.set(path, (b = await blame(repo, ref, path, styleOnly)));
    return b;
  };
  for (const l of top) {
    const commit = (await blameOf(l.path)).get(l.line);
    if (commit) blamed.push({ path: l.path, line: l.line, score: l.score, commit });
  }
  const info = new Map(commits.map((c) => [c.sha, c]));
  let sentry: CommitInfo | undefined;
  if (options.innermostFrame) {
    const sha = (await blameOf(options.innermostFrame.path)).get(options.innermostFrame.line);
    sentry = sentrySuspect(sha ? info.get(sha) : undefined, options.incidentTime ?? Date.now());
  }
  return { commits: rankCommits(blamed, commits, { decay: options.decay ?? 0.1 }), sentry };
}
