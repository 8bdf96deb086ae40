/**
 * How large a difference is, apart from whether it is significant: with hundreds of samples a 1 % shift is
 * "significant", so the judge also asks that the shift be larger than a tolerance (Kayenta's effect-size bounds).
 */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Cliff's delta: P(b > a) - P(b < a), from -1 (b always smaller) to 1 (b always larger). */
export function cliffsDelta(a: readonly number[], b: readonly number[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  const sortedA = Float64Array.from(a).sort();
  let greater = 0;
  let less = 0;
  // For each b, count the a values below and above it by binary search: O((n1 + n2) log n1).
  for (const y of b) {
    greater += lowerBound(sortedA, y);
    less += sortedA.length - upperBound(sortedA, y);
  }
  return (greater - less) / (a.length * b.length);
}

/**
 * Hodges-Lehmann estimate of the shift from a to b: the median of all pairwise differences b_j - a_i. The estimator
 * that goes with the Mann-Whitney test (Kayenta's classifier bounds it). Above `maxPairs` pairs the samples are
 * thinned evenly (deterministically) so that memory stays bounded.
 */
export function hodgesLehmann(a: readonly number[], b: readonly number[], maxPairs = 1_000_000): number {
  if (a.length === 0 || b.length === 0) return Number.NaN;
  const thin = (xs: readonly number[], keep: number) =>
    xs.length <= keep ? xs : Array.from({ length: keep }, (_, i) => xs[Math.floor((i * xs.length) / keep)]!);
  const factor = Math.sqrt((a.length * b.length) / maxPairs);
  const as = factor > 1 ? thin(a, Math.max(1, Math.floor(a.length / factor))) : a;
  const bs = factor > 1 ? thin(b, Math.max(1, Math.floor(b.length / factor))) : b;
  const diffs = new Float64Array(as.length * bs.length);
  let k = 0;
  for (const y of bs) for (const x of as) diffs[k++] = y - x;
  diffs.sort();
  const mid = diffs.length >> 1;
  return diffs.length % 2 === 1 ? diffs[mid]! : (diffs[mid - 1]! + diffs[mid]!) / 2;
}

/** First index whose value is >= x. */
function lowerBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose value is > x. */
function upperBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
