/** One bug's outcome in the repair benchmark. */
export interface BugRow {
  id: string;
  /** Candidates the strategies produced (after ranking, dedup and the patch policy). */
  generated: number;
  /** Candidates whose tests ran, best first, until one was plausible or a bound was hit. */
  tried: number;
  /** 1-based rank among the candidates tried of the first plausible one; null: none. */
  firstPlausibleRank: number | null;
  /** The first plausible candidate has the human fix's syntax tree. */
  correct: boolean;
  /** Rank among all generated candidates of one with the human fix's syntax tree (tests or not); null: none. */
  sameTreeRank: number | null;
  /** Best localization rank of a line the human fix changes (ties averaged), as bench:localize reports it. */
  localizationRank: number;
  strategy: string | null;
  /** With --oracle: whether the human fix passes the same checks here. */
  humanFixPlausible?: boolean;
  /** The first plausible candidate as a unified diff (truncated), to be read by a person. */
  patch?: string;
  seconds: number;
  install: { uncachedMs: number | null; cachedMs: number[] };
  /** Why the bug stopped: 'plausible', 'candidates' (none left or the cap), 'budget' (time), or an error. */
  stop: string;
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const pct = (n: number, of: number) => (of === 0 ? 0 : Math.round((1000 * n) / of) / 10);

/**
 * The benchmark's totals over the bugs tried: plausible (a candidate passed the checks), correct (the first plausible
 * candidate is the human fix's syntax tree), time per bug, and what the shared install cache saved: every suite run
 * of a bug after its first install found the dependencies installed instead of installing them again.
 */
export function totals(rows: readonly BugRow[]) {
  const plausible = rows.filter((r) => r.firstPlausibleRank !== null).length;
  const correct = rows.filter((r) => r.correct).length;
  const uncached = rows.flatMap((r) => (r.install.uncachedMs === null ? [] : [r.install.uncachedMs]));
  const cached = rows.flatMap((r) => r.install.cachedMs);
  const perBugUncached = median(uncached);
  const savedMs = rows.reduce(
    (sum, r) =>
      sum +
      r.install.cachedMs.reduce(
        (s, ms) => s + Math.max(0, (r.install.uncachedMs ?? perBugUncached ?? 0) - ms),
        0,
      ),
    0,
  );
  return {
    bugs: rows.length,
    plausible,
    correct,
    plausiblePct: pct(plausible, rows.length),
    correctPct: pct(correct, rows.length),
    sameTreeGenerated: rows.filter((r) => r.sameTreeRank !== null).length,
    humanFixPlausible: rows.some((r) => r.humanFixPlausible !== undefined)
      ? rows.filter((r) => r.humanFixPlausible).length
      : null,
    candidatesTried: rows.reduce((s, r) => s + r.tried, 0),
    medianSecondsPerBug: median(rows.map((r) => r.seconds)),
    install: {
      medianUncachedMs: perBugUncached,
      medianCachedMs: median(cached),
      cachedInstalls: cached.length,
      savedSeconds: Math.round(savedMs / 1000),
    },
  };
}
