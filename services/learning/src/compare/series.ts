/**
 * One series of an incident (a template's events in a service) in three windows: before the incident (baseline),
 * while it lasted (during), and after the fix was deployed (after). Judged with the detectors' own statistics:
 * event counts as Poisson rates compared exactly (given the total, one window's count is binomial in its share of
 * the time), latencies as the windows' p95 values compared with Mann-Whitney. A change counts only when significant
 * at `alpha`; "back to baseline" means the after window is not significantly worse than the baseline.
 */
import { binomialTail } from '@self-healing/anomaly-detect';
import { mannWhitney, median } from '@self-healing/validation';

export interface WindowPoint {
  windowStart: number;
  count: number;
  errorCount: number;
  /** The window's p95 latency (ms), null when no event carried a duration. */
  p95: number | null;
}

/** A window of the series: its aggregates and how long it lasted (the Poisson exposure). */
export interface SeriesWindow {
  points: WindowPoint[];
  spanMs: number;
}

/**
 * What is measured of a finding's series: error events (fewer is better), latency (lower is better), the plain
 * event rate of a step that vanished or appeared (closer to the baseline is better), or the sessions whose flow broke
 * the way the finding says (a step out of order, missing, unexpected: fewer is better), counted from the behavioural
 * detector's own findings since a template's rate does not change when only the order of steps does, or the lines
 * that carry the values a parameter never took before the incident (fewer is better: a template's rate does not
 * change when only what its lines say does), or the sessions that log a line without the one that always came with
 * it (fewer is better: the missing line's rate falls by a few percent at most).
 */
export type SeriesMetric = 'errors' | 'latency.p95' | 'rate' | 'violations' | 'values' | 'companions';

export interface SeriesComparison {
  metric: SeriesMetric;
  unit: 'per_min' | 'ms';
  baseline: number | null;
  during: number | null;
  observed: number | null;
  /** Relative change after against during. */
  change: number | null;
  verdict: 'improved' | 'unchanged' | 'regressed';
  backToBaseline: boolean;
  /** p of the test behind the verdict (after against during). */
  p: number;
  sufficient: boolean;
  reason: string;
}

const MINUTE = 60_000;
/** A p95 within this share of the baseline's median p95 is back to it, whatever the test says. */
const LATENCY_TOLERANCE = 0.2;

export function compareSeries(
  metric: SeriesMetric,
  w: { baseline: SeriesWindow; during: SeriesWindow; after: SeriesWindow },
  alpha = 0.01,
): SeriesComparison {
  return metric === 'latency.p95' ? compareLatency(w, alpha) : compareRates(metric, w, alpha);
}

function compareRates(
  metric: 'errors' | 'rate' | 'violations' | 'values' | 'companions',
  w: { baseline: SeriesWindow; during: SeriesWindow; after: SeriesWindow },
  alpha: number,
): SeriesComparison {
  // Violations, values and companions are counted like errors: each point's errorCount is the sessions or lines it
  // stands for.
  const fewerIsBetter = metric !== 'rate';
  const count = (s: SeriesWindow) =>
    s.points.reduce((a, p) => a + (fewerIsBetter ? p.errorCount : p.count), 0);
  const perMin = (s: SeriesWindow) => (s.spanMs > 0 ? count(s) / (s.spanMs / MINUTE) : null);
  const [b, d, a] = [w.baseline, w.during, w.after];
  const base = {
    baseline: perMin(b),
    during: perMin(d),
    observed: perMin(a),
    unit: 'per_min' as const,
    metric,
  };
  if (a.spanMs <= 0 || d.spanMs <= 0)
    return {
      ...base,
      change: null,
      verdict: 'unchanged',
      backToBaseline: false,
      p: 1,
      sufficient: false,
      reason: 'no after or during window',
    };
  const higher = rateTest(count(a), a.spanMs, count(d), d.spanMs, 'upper');
  const lower = rateTest(count(a), a.spanMs, count(d), d.spanMs, 'lower');
  // Errors: fewer is better. A step's rate: the direction towards the baseline is better.
  const towardsBaselineIsDown =
    fewerIsBetter || (base.baseline !== null && base.during !== null && base.during > base.baseline);
  const better = towardsBaselineIsDown ? lower : higher;
  const worse = towardsBaselineIsDown ? higher : lower;
  const verdict = better < alpha ? 'improved' : worse < alpha ? 'regressed' : 'unchanged';
  let backToBaseline = false;
  if (b.spanMs > 0) {
    const awayUp = rateTest(count(a), a.spanMs, count(b), b.spanMs, 'upper');
    const awayDown = rateTest(count(a), a.spanMs, count(b), b.spanMs, 'lower');
    backToBaseline = fewerIsBetter ? awayUp >= alpha : Math.min(awayUp, awayDown) >= alpha / 2;
  }
  const p = verdict === 'improved' ? better : verdict === 'regressed' ? worse : Math.min(better, worse);
  const f = (x: number | null) => (x === null ? 'n/a' : x.toFixed(2));
  return {
    ...base,
    change: base.during ? (base.observed! - base.during) / base.during : null,
    verdict,
    backToBaseline,
    p,
    sufficient: true,
    reason:
      `${metric === 'rate' ? 'events' : metric} per minute: baseline ${f(base.baseline)}, during ${f(base.during)}, ` +
      `after ${f(base.observed)} (${verdict} against during, p ${p.toExponential(2)}; ` +
      `${backToBaseline ? 'back to' : 'not back to'} baseline)`,
  };
}

/**
 * Are the events of window A more (upper) or fewer (lower) than window B's rate predicts? Given the total k = a + b,
 * a is Binomial(k, tA / (tA + tB)) when both rates are equal: the exact conditional test.
 */
export function rateTest(a: number, tA: number, b: number, tB: number, side: 'upper' | 'lower'): number {
  const k = a + b;
  if (k === 0) return 1;
  return binomialTail(a, k, tA / (tA + tB), side);
}

function compareLatency(
  w: { baseline: SeriesWindow; during: SeriesWindow; after: SeriesWindow },
  alpha: number,
): SeriesComparison {
  const p95s = (s: SeriesWindow) => s.points.map((p) => p.p95).filter((x): x is number => x !== null);
  const [b, d, a] = [p95s(w.baseline), p95s(w.during), p95s(w.after)];
  const med = (xs: number[]) => (xs.length ? median(xs) : null);
  const base = {
    metric: 'latency.p95' as const,
    unit: 'ms' as const,
    baseline: med(b),
    during: med(d),
    observed: med(a),
  };
  if (a.length < 3 || d.length < 3)
    return {
      ...base,
      change: null,
      verdict: 'unchanged',
      backToBaseline: false,
      p: 1,
      sufficient: false,
      reason: `too few windows with latencies (after ${a.length}, during ${d.length}; at least 3 each)`,
    };
  const test = mannWhitney(a, d);
  const verdict = test.pLess < alpha ? 'improved' : test.pGreater < alpha ? 'regressed' : 'unchanged';
  const backToBaseline =
    b.length > 0 &&
    (base.observed! <= base.baseline! * (1 + LATENCY_TOLERANCE) ||
      (b.length >= 3 && mannWhitney(a, b).pGreater >= alpha));
  const p =
    verdict === 'improved'
      ? test.pLess
      : verdict === 'regressed'
        ? test.pGreater
        : Math.min(test.pLess, test.pGreater);
  return {
    ...base,
    change: base.during ? (base.observed! - base.during) / base.during : null,
    verdict,
    backToBaseline,
    p,
    sufficient: true,
    reason:
      `p95 per window (median): baseline ${base.baseline ?? 'n/a'} ms, during ${base.during} ms, after ${base.observed} ms ` +
      `(${verdict} against during, Mann-Whitney p ${p.toExponential(2)}; ${backToBaseline ? 'back to' : 'not back to'} baseline)`,
  };
}
