/**
 * Performance findings from window aggregates: one detector per (service, template, metric), fed in window order,
 * for latency p95, throughput (events per window) and error rate. Emits one `Finding` per anomaly episode onset
 * (and one more if a spike turns out to be a lasting level shift).
 *
 * The detector asks whether a series has been here before; a window's value is also a sample (a p95 of 60
 * requests, a count of 6 events), so an onset is reported only when the window's own events make chance an
 * unlikely explanation, by exact tails (see `worthReporting`).
 */
import { DDSketch } from '@datadog/sketches-js';
import type { Finding, WindowAggregate } from '@self-healing/schemas';
import { findingId } from '../incidents/stable-id.js';
import type {
  AnomalyDetail,
  SeriesDetector,
  SeriesDetectorOptions,
  SeriesDetectorState,
} from './detector.js';
import { createSeriesDetector, restoreSeriesDetector } from './detector.js';

export type PerformanceMetric = 'latency.p95' | 'throughput' | 'error-rate';

export interface PerformanceMonitorOptions {
  detector: Partial<SeriesDetectorOptions>;
  /** Windows missing between two aggregates of a series are filled with count 0 (traffic stopped), up to this many. */
  maxZeroFillWindows: number;
  /** Latency p95 needs at least this many timed events in the window to be meaningful. */
  minLatencyCount: number;
  /**
   * Windows are samples: an onset is reported only if chance would give its window's events less often than once
   * in this long for one series, i.e. with a probability below `windowMs / chanceAlarmEveryMs` per window (a series
   * of 1-minute windows is tested 10 080 times a week: a per-window "3 sigma" would alarm about once a week per
   * series by itself, times every template and metric). Exact tails: Poisson for throughput (a quiet template
   * going from 5 to 12 events a minute is chance), binomial for the error rate, and binomial for latency: how many
   * of the window's requests are slower than the baseline p95, where chance puts 5% of them. 0 disables (latency
   * then only needs `minLatencyRiseMs`). Default one week.
   */
  chanceAlarmEveryMs: number;
  /** The Poisson mean a count is compared with is at least this (a template going from 0 to 3 is chance). */
  countVarianceFloor: number;
  /**
   * Only for aggregates without a latency sketch (the slow-request count needs one): a p95 must rise by at least
   * this share of its baseline.
   */
  minLatencyRise: number;
  /** Latency findings are degradations only, of at least this many ms: a 2 ms change is not worth an incident. */
  minLatencyRiseMs: number;
}

export const DEFAULT_PERFORMANCE_MONITOR_OPTIONS: Readonly<PerformanceMonitorOptions> = {
  detector: {},
  maxZeroFillWindows: 1440,
  minLatencyCount: 5,
  chanceAlarmEveryMs: 7 * 24 * 3600_000,
  countVarianceFloor: 4,
  minLatencyRise: 0.2,
  minLatencyRiseMs: 5,
};

export interface PerformanceMonitorState {
  version: 1;
  series: Record<
    string,
    {
      service: string;
      templateId: string;
      template: string;
      metric: PerformanceMetric;
      lastWindowStart: number;
      windowMs: number;
      detector: SeriesDetectorState;
    }
  >;
}

interface SeriesEntry {
  service: string;
  templateId: string;
  template: string;
  metric: PerformanceMetric;
  lastWindowStart: number;
  windowMs: number;
  detector: SeriesDetector;
}

const CHANNEL_WORDS: Record<AnomalyDetail['scaleName'], string> = {
  point: 'the value is',
  level: 'its half-hour median is',
  volatility: 'its step-to-step volatility is',
  activity: 'its three-hour mean is',
};

const UNITS: Record<PerformanceMetric, string> = {
  'latency.p95': 'ms',
  throughput: 'events/window',
  'error-rate': '',
};

export class PerformanceMonitor {
  private series = new Map<string, SeriesEntry>();
  private readonly opts: PerformanceMonitorOptions;

  constructor(options: Partial<PerformanceMonitorOptions> = {}, state?: PerformanceMonitorState) {
    this.opts = { ...DEFAULT_PERFORMANCE_MONITOR_OPTIONS, ...options };
    if (state) {
      for (const [key, e] of Object.entries(state.series)) {
        this.series.set(key, { ...e, detector: restoreSeriesDetector(e.detector) });
      }
    }
  }

  /** Feed aggregates (any order across series; per series, windows must come in time order). */
  observe(aggregates: readonly WindowAggregate[]): Finding[] {
    const sorted = [...aggregates].sort((a, b) => a.windowStart - b.windowStart);
    const findings: Finding[] = [];
    for (const a of sorted) {
      this.feed(a, 'throughput', a.count, findings, true);
      if (a.count > 0) this.feed(a, 'error-rate', a.errorCount / a.count, findings, false);
      if (a.latency && a.latency.count >= this.opts.minLatencyCount)
        this.feed(a, 'latency.p95', a.latency.p95, findings, false);
    }
    return findings;
  }

  state(): PerformanceMonitorState {
    const series: PerformanceMonitorState['series'] = {};
    for (const [key, e] of this.series) {
      series[key] = {
        service: e.service,
        templateId: e.templateId,
        template: e.template,
        metric: e.metric,
        lastWindowStart: e.lastWindowStart,
        windowMs: e.windowMs,
        detector: e.detector.state(),
      };
    }
    return { version: 1, series };
  }

  private feed(
    a: WindowAggregate,
    metric: PerformanceMetric,
    value: number,
    out: Finding[],
    zeroFill: boolean,
  ): void {
    const key = `${a.service}\u0000${a.templateId}\u0000${metric}`;
    let e = this.series.get(key);
    if (!e) {
      e = {
        service: a.service,
        templateId: a.templateId,
        template: a.template,
        metric,
        lastWindowStart: -Infinity,
        windowMs: a.windowMs,
        detector: createSeriesDetector(this.opts.detector),
      };
      this.series.set(key, e);
    }
    if (a.windowStart <= e.lastWindowStart) return; // redelivered or late window: already accounted for
    if (zeroFill && Number.isFinite(e.lastWindowStart)) {
      const missing = Math.round((a.windowStart - e.lastWindowStart) / e.windowMs) - 1;
      for (let k = 1; k <= Math.min(missing, this.opts.maxZeroFillWindows); k++) {
        const t = e.lastWindowStart + k * e.windowMs;
        const r = e.detector.update(t, 0);
        if (r.finding?.onset && this.worthReporting(metric, r.finding, { ...a, count: 0 }))
          out.push(toFinding(e, r.finding));
      }
    }
    e.lastWindowStart = a.windowStart;
    const r = e.detector.update(a.windowStart, value);
    if (r.finding?.onset && this.worthReporting(metric, r.finding, a)) out.push(toFinding(e, r.finding));
  }

  /**
   * Whether the window behind an onset is more than chance. The detector judges the series of window values;
   * each value is itself a statistic of a few events, whose sampling noise a stationary series shows as new
   * highs now and then (a p95 of 60 requests moves by about 10% from window to window by itself). So the test
   * is on the window's events, against the baseline the detector reports.
   */
  private worthReporting(metric: PerformanceMetric, d: AnomalyDetail, a: WindowAggregate): boolean {
    const test = this.opts.chanceAlarmEveryMs > 0;
    const alpha = Math.min(1, a.windowMs / this.opts.chanceAlarmEveryMs);
    const up = d.direction === 'up';
    if (metric === 'latency.p95') {
      if (!up || d.observed - d.baseline < this.opts.minLatencyRiseMs) return false;
      const slow = a.latencySketch ? countAbove(a.latencySketch, d.baseline) : null;
      if (slow === null) return d.observed - d.baseline >= this.opts.minLatencyRise * Math.abs(d.baseline);
      return !test || binomialTail(slow.above, slow.total, shareAboveP95(slow.total), 'upper') <= alpha;
    }
    if (!test) return true;
    if (metric === 'throughput') {
      const mean = Math.max(d.baseline, this.opts.countVarianceFloor);
      const k = Math.round(d.observed);
      return poissonTail(k, mean, up ? 'upper' : 'lower') <= alpha;
    }
    const n = Math.max(a.count, 1);
    const p = Math.min(Math.max(d.baseline, 1 / n), 1 - 1e-9);
    return binomialTail(a.errorCount, n, p, up ? 'upper' : 'lower') <= alpha;
  }
}

/**
 * Share of requests expected above the baseline p95 when nothing changed, for windows of n requests. The baseline
 * is a median of window p95s, and a window's p95 (the sketch's value at rank 0.95 (n - 1)) is its j-th smallest
 * request with j = floor(0.95 (n - 1)) + 1, which leaves on average 1 - j / (n + 1) of the distribution above it:
 * 6.6% for 60 requests, not 5%. Taking 5% would make every small window look slightly slow.
 */
export function shareAboveP95(n: number): number {
  if (n < 1) return 0.05;
  const j = Math.floor(0.95 * (n - 1)) + 1;
  return Math.max(0.05, 1 - j / (n + 1));
}

/**
 * How many of the sketch's values lie above `threshold`, counting only buckets entirely above it (the sketch's
 * relative accuracy blurs the one holding it): a conservative count. Null for an empty or unreadable sketch.
 */
export function countAbove(
  sketchBytes: Uint8Array,
  threshold: number,
): { above: number; total: number } | null {
  let s: DDSketch;
  try {
    s = DDSketch.fromProto(sketchBytes);
  } catch {
    return null;
  }
  const store = s.store;
  let total = s.zeroCount;
  let above = 0;
  const from = threshold > 0 ? s.mapping.key(threshold) + 1 : -Infinity;
  for (let key = store.minKey; key <= store.maxKey; key++) {
    const n = store.bins[key - store.offset] ?? 0;
    total += n;
    if (key >= from) above += n;
  }
  for (let key = s.negativeStore.minKey; key <= s.negativeStore.maxKey; key++)
    total += s.negativeStore.bins[key - s.negativeStore.offset] ?? 0;
  return total > 0 ? { above, total } : null;
}

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

/** One-shot: run fresh detectors over a batch of aggregates and return the findings. */
export function detectPerformanceAnomalies(
  aggregates: readonly WindowAggregate[],
  options: Partial<PerformanceMonitorOptions> = {},
): Finding[] {
  return new PerformanceMonitor(options).observe(aggregates);
}

/** Latency going up for a lasting period is a latency shift; everything else keeps the detector's rule. */
export function ruleFor(metric: PerformanceMetric, d: AnomalyDetail): string {
  if (metric === 'latency.p95' && d.rule === 'level-shift' && d.direction === 'up') return 'latency-shift';
  return d.rule;
}

function toFinding(
  e: Pick<SeriesEntry, 'service' | 'templateId' | 'template' | 'metric'>,
  d: AnomalyDetail,
): Finding {
  const rule = ruleFor(e.metric, d);
  const unit = UNITS[e.metric];
  const fmt = (x: number) =>
    e.metric === 'error-rate'
      ? `${(x * 100).toPrecision(3)}%`
      : `${x.toPrecision(4)}${unit ? ' ' + unit : ''}`;
  const against =
    d.baselineKind === 'level'
      ? 'the last day'
      : d.baselineKind === 'daily'
        ? 'this hour of the day'
        : 'this hour of the week';
  const explanation =
    `${e.metric} of ${e.service} "${e.template}" ${d.direction === 'up' ? 'rose' : 'fell'} to ${fmt(d.observed)} ` +
    `against a median of ${fmt(d.baseline)} for ${against} (robust z ${d.deviation.toFixed(1)}), ` +
    `${CHANNEL_WORDS[d.scaleName]} beyond anything in the past week by ${(d.excess * 100).toFixed(0)}% of its range, ` +
    `since ${new Date(d.since).toISOString()} (${rule}).`;
  return {
    id: findingId('performance', rule, e.service, `${e.templateId}:${e.metric}`, d.since),
    kind: 'performance',
    rule,
    service: e.service,
    subject: `${e.templateId}:${e.metric}`,
    templateIds: [e.templateId],
    since: d.since,
    at: d.at,
    magnitude: Math.abs(d.deviation),
    explanation,
    evidence: {
      metric: e.metric,
      baseline: d.baseline,
      baselineKind: d.baselineKind,
      observed: d.observed,
      deviation: d.deviation,
      scale: d.scale,
      direction: d.direction,
      previousExtreme: d.previousExtreme,
      excessOfRange: d.excess,
      detectedOn: d.scaleName,
    },
  };
}
