/**
 * Suspect commits, in the manner of Fonte (An et al., ESEC/FSE 2023): a commit is as suspicious as the lines it last
 * touched, discounted by how far it is from the failing version: score(c) = sum of line scores blamed on c, times
 * (1 - decay)^depth(c), depth 0 being the newest commit. Style-only commits (whitespace, formatting) are ignored:
 * their lines are blamed on the commit before them (`git blame --ignore-rev`), so they never appear here.
 */
export interface BlamedLine {
  readonly path: string;
  readonly line: number;
  readonly score: number;
  /** The commit that last touched the line. */
  readonly commit: string;
}

export interface CommitInfo {
  readonly sha: string;
  /** 0 for the newest commit of the history searched, 1 for its parent, ... */
  readonly depth: number;
  readonly time: number;
  readonly styleOnly?: boolean;
}

export interface Suspect {
  readonly sha: string;
  readonly score: number;
  readonly lines: number;
}

export function rankCommits(
  lines: readonly BlamedLine[],
  commits: readonly CommitInfo[],
  options: { decay?: number } = {},
): Suspect[] {
  const decay = options.decay ?? 0.1;
  const info = new Map(commits.map((c) => [c.sha, c]));
  const sums = new Map<string, { score: number; lines: number }>();
  for (const l of lines) {
    const c = info.get(l.commit);
    if (!c || c.styleOnly || l.score <= 0) continue;
    const s = sums.get(l.commit) ?? { score: 0, lines: 0 };
    s.score += l.score;
    s.lines++;
    sums.set(l.commit, s);
  }
  return [...sums]
    .map(([sha, s]) => ({ sha, score: s.score * Math.pow(1 - decay, info.get(sha)!.depth), lines: s.lines }))
    .sort((a, b) => b.score - a.score || info.get(a.sha)!.depth - info.get(b.sha)!.depth);
}

const YEAR_MS = 365 * 24 * 3600 * 1000;

/**
 * Sentry's suspect-commit rule (the baseline): the commit `git blame` gives for the innermost in-app frame of the
 * error, if it is under a year old at the time of the incident; otherwise no suspect.
 */
export function sentrySuspect(
  innermostFrameCommit: CommitInfo | undefined,
  incidentTime: number,
): CommitInfo | undefined {
  if (!innermostFrameCommit) return undefined;
  return incidentTime - innermostFrameCommit.time < YEAR_MS ? innermostFrameCommit : undefined;
}
