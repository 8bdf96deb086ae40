/**
 * Rank of an element among scored elements, ties averaged (the expected position when ties are broken at random):
 * rank = #better + (#tied + 1) / 2, where #tied counts the element itself. Higher scores are better.
 */
export function tiedRank(score: number, all: readonly number[]): number {
  let better = 0;
  let tied = 0;
  for (const s of all) {
    if (s > score) better++;
    else if (s === score) tied++;
  }
  return better + (tied + 1) / 2;
}

/** The best (lowest) tied rank of any target; Infinity when no target was scored. */
export function bestRank<T>(
  targets: readonly T[],
  scoreOf: (t: T) => number | undefined,
  all: readonly number[],
): number {
  let best = Infinity;
  for (const t of targets) {
    const s = scoreOf(t);
    if (s === undefined) continue;
    best = Math.min(best, tiedRank(s, all));
  }
  return best;
}
