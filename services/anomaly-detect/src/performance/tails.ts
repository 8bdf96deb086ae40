/**
 * Exact tails of the counts the detectors test (requests above a baseline quantile, events in a window), and the
 * binomial tail averaged over an uncertain share. Pure arithmetic, shared by every detector that tests a count.
 */

/**
 * P(X >= k) ('upper') or P(X <= k) ('lower') for X ~ Poisson(mean), summing the probabilities of the tail
 * outwards from k (they fall geometrically past the mode), or one minus the other tail when k is on the far side.
 */
export function poissonTail(k: number, mean: number, side: 'upper' | 'lower'): number {
  if (mean <= 0) return side === 'upper' ? (k <= 0 ? 1 : 0) : 1;
  const logPmf = (i: number) => i * Math.log(mean) - mean - logFactorial(i);
  return discreteTail(k, Math.floor(mean), 0, Infinity, logPmf, side);
}

/** P(X >= k) ('upper') or P(X <= k) ('lower') for X ~ Binomial(n, p). */
export function binomialTail(k: number, n: number, p: number, side: 'upper' | 'lower'): number {
  if (p <= 0) return side === 'upper' ? (k <= 0 ? 1 : 0) : 1;
  if (p >= 1) return side === 'upper' ? 1 : k >= n ? 1 : 0;
  const logPmf = (i: number) =>
    logFactorial(n) - logFactorial(i) - logFactorial(n - i) + i * Math.log(p) + (n - i) * Math.log(1 - p);
  return discreteTail(k, Math.floor((n + 1) * p), 0, n, logPmf, side);
}

function discreteTail(
  k: number,
  mode: number,
  lo: number,
  hi: number,
  logPmf: (i: number) => number,
  side: 'upper' | 'lower',
): number {
  if (side === 'upper' && k <= lo) return 1;
  if (side === 'lower' && k >= hi) return 1;
  if (side === 'upper' && k > hi) return 0;
  if (side === 'lower' && k < lo) return 0;
  // Sum from k away from the mode; when k is on the mode's side of the tail, take the complement instead.
  const sumFrom = (start: number, step: 1 | -1): number => {
    let sum = 0;
    for (let i = start; i >= lo && i <= hi; i += step) {
      const term = Math.exp(logPmf(i));
      sum += term;
      if ((step === 1 ? i > mode : i < mode) && term < sum * 1e-16) break;
    }
    return sum;
  };
  if (side === 'upper') return k > mode ? Math.min(1, sumFrom(k, 1)) : Math.max(0, 1 - sumFrom(k - 1, -1));
  return k < mode ? Math.min(1, sumFrom(k, -1)) : Math.max(0, 1 - sumFrom(k + 1, 1));
}

/** ln(n!) by Stirling's series beyond 20 (error below 1e-12 there), exactly below. */
function logFactorial(n: number): number {
  if (n < 2) return 0;
  if (n <= 20) {
    let f = 1;
    for (let i = 2; i <= n; i++) f *= i;
    return Math.log(f);
  }
  const x = n + 1;
  return (
    (x - 0.5) * Math.log(x) -
    x +
    0.5 * Math.log(2 * Math.PI) +
    1 / (12 * x) -
    1 / (360 * x ** 3) +
    1 / (1260 * x ** 5)
  );
}

/**
 * P(X >= k) for X ~ Binomial(n, q) with q ~ Normal(share, sd) (cut to [0, 1]): the tail averaged over the share,
 * on a grid of q from share - 6 sd to share + 6 sd. The grid is fine (sd / 20) because far out the tail changes
 * fast with q (by a factor of 4 per quarter sd for 2000 requests).
 */
export function uncertainBinomialTail(k: number, n: number, share: number, sd: number): number {
  if (!(sd > 0)) return binomialTail(k, n, share, 'upper');
  const steps = 240;
  let sum = 0;
  let weights = 0;
  for (let i = 0; i <= steps; i++) {
    const t = -6 + (12 * i) / steps;
    const q = share + sd * t;
    if (q <= 0 || q >= 1) continue;
    const w = Math.exp(-0.5 * t * t);
    sum += w * binomialTail(k, n, q, 'upper');
    weights += w;
  }
  return weights > 0 ? Math.min(1, sum / weights) : binomialTail(k, n, share, 'upper');
}
