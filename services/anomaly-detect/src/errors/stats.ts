/** ln Γ(x) for x > 0 (Lanczos, g = 7), accurate to ~1e-13 — enough for tail probabilities. */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** P(X >= k) for X ~ Poisson(lambda). Summed from k upwards in log space, so tiny tails do not underflow to 0 early. */
export function poissonUpperTail(k: number, lambda: number): number {
  if (k <= 0) return 1;
  if (lambda <= 0) return 0;
  if (k <= lambda) {
    // Below the mean the upper tail is large; 1 - lower tail is accurate there.
    let term = Math.exp(-lambda);
    let lower = term;
    for (let i = 1; i < k; i++) {
      term *= lambda / i;
      lower += term;
    }
    return Math.max(0, Math.min(1, 1 - lower));
  }
  let logTerm = -lambda + k * Math.log(lambda) - logGamma(k + 1);
  let sum = 0;
  let term = 1;
  for (let i = k; i < k + 10_000; i++) {
    sum += term;
    term *= lambda / (i + 1);
    if (term < 1e-16 * sum) break;
  }
  logTerm += Math.log(sum);
  return Math.min(1, Math.exp(logTerm));
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Median absolute deviation scaled to estimate a normal standard deviation. */
export function mad(values: readonly number[]): number {
  const m = median(values);
  return 1.4826 * median(values.map((v) => Math.abs(v - m)));
}
