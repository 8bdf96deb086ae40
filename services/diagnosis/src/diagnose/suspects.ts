import { touches } from './changes.js';
import type { ChangeWindow, ScoredLine } from './types.js';

/**
 * Suspect commits, in the manner of Fonte (An et al., ESEC/FSE 2023): a commit is as suspicious as the evidence
 * lines it last touched (git blame at the deployed commit), plus half the score of the lines it deleted code beside
 * (a removed guard leaves no line to blame), times (1 - decay)^depth, depth 0 being the newest commit of the window.
 * Style-only commits are never suspects. When the deployment window is known, only its commits are suspects: the
 * previous deployment ran without the symptom, so the cause arrived after it.
 */
export interface SuspectCommit {
  sha: string;
  score: number;
  /** Evidence lines it touched. */
  lines: number;
  subject: string;
  author: string;
  time: number;
  why: string;
}

export const DECAY = 0.1;
const BESIDE = 0.5;

export function rankSuspects(
  lines: readonly ScoredLine[],
  blame: ReadonlyMap<string, ReadonlyMap<number, string>>,
  window: ChangeWindow,
  decay = DECAY,
): SuspectCommit[] {
  const byCommit = new Map(window.commits.map((c) => [c.sha, c]));
  const sums = new Map<string, { score: number; lines: number; best: ScoredLine }>();
  const add = (sha: string, l: ScoredLine, weight: number) => {
    const c = byCommit.get(sha);
    if (!c || c.styleOnly) return;
    const s = sums.get(sha) ?? { score: 0, lines: 0, best: l };
    s.score += weight * l.score;
    s.lines++;
    if (l.score > s.best.score) s.best = l;
    sums.set(sha, s);
  };
  for (const l of lines) {
    const sha = blame.get(l.path)?.get(l.line);
    if (sha) add(sha, l, 1);
    for (const c of window.commits) {
      if (c.sha !== sha && touches(c.touches, l.path, l.line) === 'beside') add(c.sha, l, BESIDE);
    }
  }
  return [...sums]
    .map(([sha, s]) => {
      const c = byCommit.get(sha)!;
      return {
        sha,
        score: s.score * Math.pow(1 - decay, c.depth),
        lines: s.lines,
        subject: c.subject,
        author: c.author,
        time: c.time,
        why: `touched ${s.lines} evidence line(s), the strongest ${s.best.path}:${s.best.line} (${s.best.why})`,
      };
    })
    .sort((a, b) => b.score - a.score || b.time - a.time || a.sha.localeCompare(b.sha));
}

const YEAR_MS = 365 * 24 * 3600 * 1000;

/**
 * Sentry's suspect-commit rule, the baseline the bench compares with: the commit `git blame` gives for the
 * innermost in-app frame, if it is under a year old at the incident.
 */
export function sentryRule(
  innermost: { path: string; line: number } | undefined,
  blame: ReadonlyMap<string, ReadonlyMap<number, string>>,
  commitTime: (sha: string) => number | undefined,
  incidentTime: number,
): string | null {
  if (!innermost) return null;
  const sha = blame.get(innermost.path)?.get(innermost.line);
  if (!sha) return null;
  const t = commitTime(sha);
  return t !== undefined && incidentTime - t < YEAR_MS ? sha : null;
}
