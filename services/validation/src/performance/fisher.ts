/**
 * Fisher's exact test on a 2x2 table of errors and successes per side: error counts during a replay are small
 * (often 0 on one side), where a chi-squared or z approximation is unreliable.
 */

export interface ErrorCounts {
  errors: number;
  requests: number;
}

export interface FisherResult {
  /** p for "the second side's error rate is higher than the first's". */
  pGreater: number;
  /** p for "the second side's error rate is lower than the first's". */
  pLess: number;
  pTwoSided: number;
}

/**
 * Table [[a, b], [c, d]] = [[first.errors, first successes], [second.errors, second successes]]; with the margins
 * fixed, the second side's error count is hypergeometric. One-sided p-values are its tails, the two-sided p the sum
 * of all tables no more likely than the observed one (scipy.stats.fisher_exact's definition).
 */
export function fisherExact(first: ErrorCounts, second: ErrorCounts): FisherResult {
  for (const side of [first, second])
    if (
      !Number.isInteger(side.errors) ||
      !Number.isInteger(side.requests) ||
      side.errors < 0 ||
      side.errors > side.requests
    )
      throw new Error(
        `fisherExact needs 0 <= errors <= requests as integers, got ${side.errors}/${side.requests}`,
      );
  const errors = first.errors + second.errors;
  const n = first.requests + second.requests;
  const logFact = logFactorials(n);
  const logChoose = (x: number, k: number) => logFact[x]! - logFact[k]! - logFact[x - k]!;
  const lo = Math.max(0, errors - first.requests);
  const hi = Math.min(errors, second.requests);
  const logTotal = logChoose(n, errors);
  const prob = (x: number) =>
    Math.exp(logChoose(second.requests, x) + logChoose(first.requests, errors - x) - logTotal);
  const observed = prob(second.errors);
  let pGreater = 0;
  let pLess = 0;
  let pTwoSided = 0;
  for (let x = lo; x <= hi; x++) {
    const p = prob(x);
    if (x >= second.errors) pGreater += p;
    if (x <= second.errors) pLess += p;
    // The same relative tolerance as scipy, so that tables of equal probability are not split by rounding.
    if (p <= observed * (1 + 1e-7)) pTwoSided += p;
  }
  const clip = (p: number) => Math.min(1, p);
  return { pGreater: clip(pGreater), pLess: clip(pLess), pTwoSided: clip(pTwoSided) };
}

function logFactorials(n: number): Float64Array {
  const out = new Float64Array(n + 1);
  for (let i = 2; i <= n; i++) out[i] = out[i - 1]! + Math.log(i);
  return out;
}
