/**
 * Performance findings from window aggregates: one detector per (service, template, metric), fed in window order,
 * for latency p95, throughput (events per window) and error rate. Emits one `Finding` per anomaly episode onset
 * (and one more if a spike turns out to be a lasting level shift).
 *
 * The detector asks whether a series has been here before; a window's value is also a sample (a p95 of 60
 * requests, a count of 6 events), so an onset is reported only when the window's own events make chance an
 * unlikely explanation, by exact tails (see `worthReporting`).
 *
 * A regression too small for one window (a tenth of the requests twice as slow: about 7 of 60 requests above the
 * baseline p95 where chance puts 4) is plain over ten windows, so latency evidence is also pooled over the last
 * windows of the series (`LatencyPool`, `PerformanceMonitor.feedLatency`), within the same false-alarm budget:
 * requests above the baseline p95, and above a baseline p99 (the median of the window p99s), where a slow share of
 * the requests stands out more against chance.
 */
import type { Finding, WindowAggregate } from '@self-healing/schemas';
import { findingId } from '../incidents/stable-id.js';
import type {
  AnomalyDetail,
  PointResult,
  SeriesDetector,
  SeriesDetectorOptions,
  SeriesDetectorState,
} from './detector.js';
import { DEFAULT_SERIES_DETECTOR_OPTIONS, createSeriesDetector, restoreSeriesDetector } from './detector.js';
import { RollingSortedWindow } from './robust.js';
import { binomialTail, poissonTail, uncertainBinomialTail } from './tails.js';
import {
  LatencyStepMonitor,
  sketchOf,
  type LatencyStepOptions,
  type LatencyStepState,
} from './stepChange.js';

export { binomialTail, poissonTail, uncertainBinomialTail } from './tails.js';

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
  /**
   * Latency evidence is pooled over the last 2, 4, 8, ... windows of a series, up to this many (0 or 1 disables
   * pooling). Memory per latency series: this many entries of eleven numbers, and the window p99s of the detector's
   * `baselineMs` (at most its `maxWindowPoints`) for the baseline p99.
   */
  maxPooledWindows: number;
  /**
   * A slowness episode (opened by a latency finding) ends once the last this-many windows together have no more
   * requests above their baselines' p95 than chance gives; then pooling starts afresh.
   */
  episodeEndWindows: number;
  /**
   * Also test each latency series for an abrupt step against the minutes before it, request by request
   * (`LatencyStepMonitor`): seen minutes after a release, whatever the series detector's warm-up.
   */
  latencySteps: boolean;
  /** Its options; the smallest rise is the monitor's own unless given here. */
  latencyStep: Partial<LatencyStepOptions>;
}

export const DEFAULT_PERFORMANCE_MONITOR_OPTIONS: Readonly<PerformanceMonitorOptions> = {
  detector: {},
  maxZeroFillWindows: 1440,
  minLatencyCount: 5,
  chanceAlarmEveryMs: 7 * 24 * 3600_000,
  countVarianceFloor: 4,
  minLatencyRise: 0.2,
  minLatencyRiseMs: 5,
  maxPooledWindows: 32,
  episodeEndWindows: 8,
  latencySteps: true,
  latencyStep: {},
};

/**
 * One window of a latency series as pooling needs it: its start; requests above the baseline p95 (in buckets wholly
 * above it, see `countAbove`); requests timed; its p95; the baseline p95 it was compared with, the p95's robust z
 * against it, and how many window p95s that baseline is the median of. Then the same for the baseline p99 (the
 * median of the last window p99s, see `LatencyPoolState.p99s`): requests above it, the window's p99, the baseline
 * p99 and how many window p99s it is the median of; absent for windows judged before the p99 baseline existed (and
 * in states saved before it did).
 */
export type PooledWindow = [
  windowStart: number,
  above: number,
  total: number,
  p95: number,
  baseline: number,
  z: number,
  baselineWindows: number,
  above99?: number,
  p99?: number,
  baseline99?: number,
  baseline99Windows?: number,
];

/** Per latency series: the last windows' slow-request counts and the open slowness episode, if any. */
export interface LatencyPool {
  /** Oldest first, at most `maxPooledWindows`, only windows judged after the detector's warm-up. */
  windows: PooledWindow[];
  /** Start of the slowness episode already reported (by one window or by pooled windows); null when none is open. */
  openSince: number | null;
  /** First window of the series (the detector's warm-up is counted from it). */
  firstWindowStart: number;
}

/** A latency series' pool as persisted: with the window p99s its baseline p99 is the median of. */
export interface LatencyPoolState extends LatencyPool {
  /** Window p99s of the last `baselineMs` (at most `maxWindowPoints`), oldest first. */
  p99s: number[];
}

interface SeriesStateV1 {
  service: string;
  templateId: string;
  template: string;
  metric: PerformanceMetric;
  lastWindowStart: number;
  windowMs: number;
  detector: SeriesDetectorState;
}

export interface PerformanceMonitorState {
  version: 3;
  /** Latency series carry their pool (null before their first window); other metrics have none. */
  series: Record<string, SeriesStateV1 & { pool: LatencyPoolState | null }>;
  /** The latency step test's series (absent in states saved before it: it starts afresh). */
  steps?: LatencyStepState;
}

/** The state before the baseline p99: still restorable; its latency series learn their baseline p99 afresh. */
export interface PerformanceMonitorStateV2 {
  version: 2;
  series: Record<string, SeriesStateV1 & { pool: LatencyPool | null }>;
}

/** The state before latency pooling: still restorable; its latency series start pooling afresh. */
export interface PerformanceMonitorStateV1 {
  version: 1;
  series: Record<string, SeriesStateV1>;
}

/** What a series keeps as it is, in memory and persisted (picked, so that nothing else rides along). */
function plainFieldsOf(e: Omit<SeriesStateV1, 'detector'>): Omit<SeriesStateV1, 'detector'> {
  const { service, templateId, template, metric, lastWindowStart, windowMs } = e;
  return { service, templateId, template, metric, lastWindowStart, windowMs };
}

/** A series in memory: as persisted, with a live detector instead of its state. */
interface SeriesEntry extends Omit<SeriesStateV1, 'detector'> {
  detector: SeriesDetector;
  pool: LatencyPool | null;
  /** Latency series: the window p99s behind the baseline p99 (null until the first window). */
  p99s: RollingSortedWindow | null;
}

/**
 * Why the detector found it new, in the detector's own time scales (the hour-scale preset's level is a 5-minute
 * median and its history a day): beyond the history's range on a channel, or a run of unusual values that improbable.
 */
function noveltyClause(d: AnomalyDetail, det: SeriesDetectorOptions): string {
  if (d.scaleName === 'likelihood')
    return `a run of values this unusual for this long has probability ${(d.tailProbability ?? 0).toExponential(1)} against its history`;
  const channel: Record<Exclude<AnomalyDetail['scaleName'], 'likelihood'>, string> = {
    point: 'the value is',
    level: `its ${spanAdjective(det.levelMs)} median is`,
    volatility: `its step-to-step volatility over ${spanNoun(2 * det.levelMs)} is`,
    activity: `its ${spanAdjective(det.activityMs)} mean is`,
  };
  return `${channel[d.scaleName]} beyond anything in the past ${spanNoun(det.historyMs)} by ${(d.excess * 100).toFixed(0)}% of its range`;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** "week", "day", "3 hours", "30 minutes": a window as words. */
export function spanNoun(ms: number): string {
  if (ms === 7 * DAY_MS) return 'week';
  const [n, unit] = spanParts(ms);
  return n === 1 ? unit : `${n} ${unit}s`;
}

/** "30-minute", "3-hour", "1-day". */
export function spanAdjective(ms: number): string {
  const [n, unit] = spanParts(ms);
  return `${n}-${unit}`;
}

function spanParts(ms: number): [number, string] {
  if (ms >= DAY_MS && ms % DAY_MS === 0) return [ms / DAY_MS, 'day'];
  if (ms >= HOUR_MS && ms % HOUR_MS === 0) return [ms / HOUR_MS, 'hour'];
  if (ms >= MINUTE_MS && ms % MINUTE_MS === 0) return [ms / MINUTE_MS, 'minute'];
  return [Math.round(ms / 1000), 'second'];
}

const UNITS: Record<PerformanceMetric, string> = {
  'latency.p95': 'ms',
  throughput: 'events/window',
  'error-rate': '',
};

export class PerformanceMonitor {
  private series = new Map<string, SeriesEntry>();
  private readonly opts: PerformanceMonitorOptions;
  /** The series detectors' options in full: their time scales word the explanations. */
  private readonly det: SeriesDetectorOptions;
  private readonly steps: LatencyStepMonitor | null;

  constructor(
    options: Partial<PerformanceMonitorOptions> = {},
    state?: PerformanceMonitorState | PerformanceMonitorStateV2 | PerformanceMonitorStateV1,
  ) {
    this.opts = { ...DEFAULT_PERFORMANCE_MONITOR_OPTIONS, ...options };
    this.det = { ...DEFAULT_SERIES_DETECTOR_OPTIONS, ...this.opts.detector };
    this.steps = this.opts.latencySteps
      ? new LatencyStepMonitor(
          { minLatencyRiseMs: this.opts.minLatencyRiseMs, ...this.opts.latencyStep },
          state?.version === 3 ? state.steps : undefined,
        )
      : null;
    if (state) {
      if (state.version !== 1 && state.version !== 2 && state.version !== 3)
        throw new Error(
          `unsupported performance monitor state version ${String((state as { version: unknown }).version)}`,
        );
      for (const [key, e] of Object.entries(state.series)) {
        // A version 1 latency series has no pool yet; its detector is as warm as its first window says.
        const first = e.detector.firstTimestamp;
        const pool: LatencyPool | null =
          state.version !== 1
            ? (state.series[key]!.pool ?? null)
            : e.metric === 'latency.p95' && first !== null
              ? { windows: [], openSince: null, firstWindowStart: first }
              : null;
        // Before version 3 there was no baseline p99: it is learned from the next windows on.
        const p99s = state.version === 3 ? (state.series[key]!.pool?.p99s ?? null) : null;
        this.series.set(key, {
          ...plainFieldsOf(e),
          detector: restoreSeriesDetector(e.detector),
          pool: pool
            ? {
                windows: structuredClone(pool.windows),
                openSince: pool.openSince,
                firstWindowStart: pool.firstWindowStart,
              }
            : null,
          p99s: pool ? new RollingSortedWindow(this.p99Capacity(e.windowMs), p99s ?? []) : null,
        });
      }
    }
  }

  /** As many window p99s as the detector's level baseline holds window p95s: its last `baselineMs`. */
  private p99Capacity(windowMs: number): number {
    const det = this.det;
    return Math.max(1, Math.min(det.maxWindowPoints, Math.round(det.baselineMs / windowMs)));
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
      const step = this.steps?.feed(a);
      if (step) {
        findings.push(step);
        // One finding per slowness: the pooled test counts this episode as reported.
        const pool = this.series.get(`${a.service}\u0000${a.templateId}\u0000latency.p95`)?.pool;
        if (pool && pool.openSince === null) pool.openSince = step.since;
      }
    }
    return findings;
  }

  state(): PerformanceMonitorState {
    const series: PerformanceMonitorState['series'] = {};
    for (const [key, e] of this.series) {
      series[key] = {
        ...plainFieldsOf(e),
        detector: e.detector.state(),
        pool: e.pool ? { ...structuredClone(e.pool), p99s: e.p99s?.values() ?? [] } : null,
      };
    }
    return this.steps ? { version: 3, series, steps: this.steps.state() } : { version: 3, series };
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
        pool: null,
        p99s: null,
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
          out.push(toFinding(e, r.finding, this.det));
      }
    }
    e.lastWindowStart = a.windowStart;
    const r = e.detector.update(a.windowStart, value);
    if (metric === 'latency.p95') {
      this.feedLatency(e, a, r, out);
      return;
    }
    if (r.finding?.onset && this.worthReporting(metric, r.finding, a))
      out.push(toFinding(e, r.finding, this.det));
  }

  /**
   * Latency: a window's own onset (the detector's finding, tested on the window's requests) or, failing that,
   * evidence pooled over the last windows; one report per slowness episode.
   *
   * False alarms. The per-series budget is alpha = windowMs / chanceAlarmEveryMs per window. Each window makes at
   * most 1 + 2 L tests, L = log2(maxPooledWindows) pools (the last 2, 4, ..., maxPooledWindows windows), each pool
   * tested twice: its requests above the baseline p95 and its requests above the baseline p99. The window's own
   * test gets alpha / 2 (as before the p99 count), the pooled tests share the other half, alpha / (4 L) each. By the
   * union bound, a window of a series where nothing changed alarms with probability at most
   * alpha / 2 + 2 L alpha / (4 L) = alpha, so less than once per `chanceAlarmEveryMs` per series, as before pooling
   * (a bound: pools of consecutive windows overlap, and a pool's two counts share most of their requests, so the
   * tests are strongly dependent and the true rate is lower).
   *
   * Why the p99 count: a tenth of the requests twice as slow puts most of its requests above the baseline p99 and
   * above the p95 alike, but chance puts 3% of requests above a 60-request window's p99 against 6% above its p95,
   * so the same excess is further out in the p99 count's tail (for a log-normal spread of 0.35: 0.30 binomial sds
   * per sqrt(request) against 0.27). A slowdown of every request shows about as well in either count; the p95 keeps
   * its test, tried first. The pooled null is in `pooledNull`: over many windows the binomial noise shrinks
   * until the baseline's own noise matters, and the test takes it into account instead of assuming it away.
   */
  private feedLatency(e: SeriesEntry, a: WindowAggregate, r: PointResult, out: Finding[]): void {
    const pool = (e.pool ??= { windows: [], openSince: null, firstWindowStart: a.windowStart });
    const p99s = (e.p99s ??= new RollingSortedWindow(this.p99Capacity(a.windowMs)));
    const last = pool.windows.at(-1);
    if (last && a.windowStart - last[0] > this.opts.maxPooledWindows * a.windowMs) {
      // Windows that far apart are not one slowness: start afresh.
      pool.windows = [];
      pool.openSince = null;
    }
    const det = this.det;
    const slow =
      r.baseline !== null &&
      r.baselineKind !== null &&
      a.latencySketch &&
      a.windowStart - pool.firstWindowStart >= det.minHistoryMs
        ? countAbove(a.latencySketch, r.baseline)
        : null;
    if (slow !== null) {
      // Window p95s the baseline is a median of: a level over `baselineMs`, a seasonal slot over the periods it
      // must have seen before it is used (the fewest it can have).
      const perWindow = (ms: number) => Math.max(1, Math.round(ms / a.windowMs));
      const m =
        r.baselineKind === 'level'
          ? Math.min(perWindow(det.baselineMs), det.maxWindowPoints)
          : Math.min(perWindow(det.seasonalSlotMs) * det.seasonalMinPeriods, 512);
      const w: PooledWindow = [a.windowStart, slow.above, slow.total, a.latency!.p95, r.baseline!, r.z, m];
      // The baseline p99 is a level one: only where the detector's baseline is the level too (a seasonal p95
      // baseline follows a daily cycle the median of the last hour's p99s does not).
      const baseline99 = p99s.size > 0 ? p99s.median() : null;
      const slow99 =
        r.baselineKind === 'level' && baseline99 !== null ? countAbove(a.latencySketch!, baseline99) : null;
      if (slow99 !== null) w.push(slow99.above, a.latency!.p99, baseline99!, p99s.size);
      pool.windows.push(w);
      if (pool.windows.length > Math.max(1, this.opts.maxPooledWindows)) pool.windows.shift();
    }
    // After the count: the window is judged against the baseline of the windows before it.
    if (a.latency) p99s.push(a.latency.p99);
    const windowBudget = this.pooledTests() > 0 ? 2 : 1;
    const d = r.finding;
    if (pool.openSince !== null) {
      // The detector's reclassification of the reported episode (spike to level shift) is still news.
      if (d?.onset && d.since === pool.openSince && this.worthReporting('latency.p95', d, a, windowBudget))
        out.push(toFinding(e, d, this.det));
      if (this.episodeOver(pool)) {
        pool.openSince = null;
        pool.windows = [];
      }
      return;
    }
    if (d?.onset && this.worthReporting('latency.p95', d, a, windowBudget)) {
      out.push(toFinding(e, d, this.det));
      this.steps?.reportedElsewhere(e.service, e.templateId, a.windowStart);
      pool.openSince = d.since;
      return;
    }
    // Pooling confirms what the detector finds new, it does not replace it: the slow-request count is tested
    // against the baseline p95 alone, which knows nothing of what the series did before, so a daily peak the
    // detector has seen (and is not alarmed by) would otherwise count as slowness until a daily profile is learned.
    if (!(d && d.direction === 'up')) return;
    const pooled = this.pooledLatency(pool, e.windowMs, 'p95') ?? this.pooledLatency(pool, e.windowMs, 'p99');
    if (pooled === null || r.baselineKind === null) return;
    pool.openSince = pooled.since;
    out.push(pooledFinding(e, pooled, r.baselineKind, a.windowStart));
    this.steps?.reportedElsewhere(e.service, e.templateId, a.windowStart);
  }

  /** How many pooled tests a window makes: pools of 2, 4, ... up to `maxPooledWindows` windows. */
  private pooledTests(): number {
    let n = 0;
    for (let k = 2; k <= this.opts.maxPooledWindows; k *= 2) n++;
    return n;
  }

  /** The last `episodeEndWindows` windows together show no more slow requests than chance gives. */
  private episodeOver(pool: LatencyPool): boolean {
    const n = Math.max(1, this.opts.episodeEndWindows);
    if (pool.windows.length < n) return false;
    const ws = pool.windows.slice(-n);
    const { share } = pooledNull(ws);
    return sumOf(ws, 1) <= share * sumOf(ws, 2);
  }

  /**
   * The most significant pool of the last 2, 4, ... windows whose requests above the baseline `quantile` chance
   * explains with probability below alpha / (4 L) (see `feedLatency`), and whose window `quantile` rose by at least
   * `minLatencyRiseMs`; null if none. Pools with a window lacking the p99 count are not tested on it.
   */
  private pooledLatency(pool: LatencyPool, windowMs: number, quantile: SlowQuantile): PooledEvidence | null {
    const tests = this.pooledTests();
    if (tests === 0 || this.opts.chanceAlarmEveryMs <= 0) return null;
    const alpha = Math.min(1, windowMs / this.opts.chanceAlarmEveryMs) / (4 * tests);
    const f = FIELDS[quantile];
    let best: PooledEvidence | null = null;
    for (let k = 2; k <= Math.min(this.opts.maxPooledWindows, pool.windows.length); k *= 2) {
      const ws = pool.windows.slice(-k);
      if (ws.some((w) => w[f.above] === undefined)) break; // older windows lack it too
      const above = sumOf(ws, f.above);
      const total = sumOf(ws, 2);
      const { share, sd } = pooledNull(ws, quantile);
      // Cheap screen: the averaged tail is at least half the tail at the mean share (the tail grows with the share,
      // and half the weight lies above the mean), so a plain tail above 2 alpha cannot pass.
      if (binomialTail(above, total, share, 'upper') > 2 * alpha) continue;
      const tail = uncertainBinomialTail(above, total, share, sd);
      if (tail > alpha || (best !== null && tail >= best.tail)) continue;
      // The episode starts where the pool's most improbable run of last windows starts (the change point most
      // likely under a share that rose at some window and stayed): the first window above chance would put it at
      // whichever earlier window chance gave one slow request too many, which for the p99 (1.7 of 60) is often.
      const from = ws.slice(mostImprobableSuffix(ws, f.above, share));
      const rise = meanOf(from.map((w) => w[f.observed]! - w[f.baseline]!));
      if (rise < this.opts.minLatencyRiseMs) continue;
      best = {
        quantile,
        since: from[0]![0],
        windows: k,
        above,
        total,
        expectedShare: share,
        tail,
        p95: median(from.map((w) => w[3])),
        baseline: meanOf(from.map((w) => w[4])),
        z: median(from.map((w) => w[5])),
        observedAtQuantile: median(from.map((w) => w[f.observed]!)),
        baselineAtQuantile: meanOf(from.map((w) => w[f.baseline]!)),
      };
    }
    return best;
  }

  /**
   * Whether the window behind an onset is more than chance. The detector judges the series of window values;
   * each value is itself a statistic of a few events, whose sampling noise a stationary series shows as new
   * highs now and then (a p95 of 60 requests moves by about 10% from window to window by itself). So the test
   * is on the window's events, against the baseline the detector reports.
   */
  private worthReporting(
    metric: PerformanceMetric,
    d: AnomalyDetail,
    a: WindowAggregate,
    budgetShare = 1,
  ): boolean {
    const test = this.opts.chanceAlarmEveryMs > 0;
    const alpha = Math.min(1, a.windowMs / this.opts.chanceAlarmEveryMs) / budgetShare;
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
  const s = sketchOf(sketchBytes);
  if (!s) return null;
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

/** The baseline quantiles slow requests are counted above. */
export type SlowQuantile = 'p95' | 'p99';

/** Where a pooled window keeps its count, window value, baseline and baseline size for each quantile. */
const FIELDS = {
  p95: { q: 0.95, above: 1, observed: 3, baseline: 4, baselineWindows: 6 },
  p99: { q: 0.99, above: 7, observed: 8, baseline: 9, baselineWindows: 10 },
} as const satisfies Record<SlowQuantile, Record<string, number>>;

/** What a pool of windows shows: see `PerformanceMonitor.pooledLatency`. */
interface PooledEvidence {
  /** The baseline quantile the requests were counted above. */
  quantile: SlowQuantile;
  /** First window of the run of last windows least likely by chance (`mostImprobableSuffix`). */
  since: number;
  windows: number;
  above: number;
  total: number;
  /** Share of requests chance puts above the baseline p95, weighted over the pool's windows. */
  expectedShare: number;
  /** P(at least `above` of `total` requests above the baseline by chance). */
  tail: number;
  /** Median p95, mean baseline p95 and median robust z of the windows from `since` on. */
  p95: number;
  baseline: number;
  z: number;
  /** Median window value and mean baseline at `quantile`, from `since` on. */
  observedAtQuantile: number;
  baselineAtQuantile: number;
}

/** Index of the first window of the run of last windows whose count above the baseline is least likely by chance. */
function mostImprobableSuffix(ws: readonly PooledWindow[], field: 1 | 7, share: number): number {
  let best = ws.length - 1;
  let bestTail = Infinity;
  let above = 0;
  let total = 0;
  for (let i = ws.length - 1; i >= 0; i--) {
    above += ws[i]![field] ?? 0;
    total += ws[i]![2];
    const tail = binomialTail(above, total, share, 'upper');
    if (tail <= bestTail) {
      bestTail = tail;
      best = i;
    }
  }
  return best;
}

const sumOf = (windows: readonly PooledWindow[], field: 1 | 2 | 7): number =>
  windows.reduce((sum, w) => sum + (w[field] ?? 0), 0);

/**
 * What chance gives for a pool of windows: the share of their requests above the baselines' p95 (or p99), and how
 * uncertain that share is because the baseline is itself estimated.
 *
 * A baseline is the median of m window p95s, each the j-th smallest of about n requests (j as in `shareAboveP95`):
 * a window p95 sits at quantile U ~ Beta(j, n + 1 - j) of the latency distribution, and the median of m of them at
 * about the median of that Beta, with standard deviation about 1.2533 sd(U) / sqrt(m) (the median's efficiency for
 * a normal parent; these Betas are skewed, and the true spread of their median, 1 / (2 f(median) sqrt(m)), is
 * smaller: by about 5% for Beta(57, 4), the p95 of 60 requests, 10% for Beta(59, 2), their p99, so this errs on the
 * safe side). The p99 is the same with 0.99: for 60 requests the 59th smallest, with 2.8% of requests above it.
 * One window's count hides the baseline's noise (60 requests: binomial sd 3.2%, baseline sd 0.5%), a pool of 32 does
 * not (binomial 0.55%): testing it against a fixed share would alarm far more often than the budget allows, and
 * adding a margin instead would be a guess. So the share is taken as Normal(share, sd) and the tail averaged over it
 * (`uncertainBinomialTail`); one share for the whole pool is the worst case, since consecutive baselines are medians
 * of nearly the same windows. The requests in the bucket holding the baseline are not counted as above it
 * (`countAbove`), which errs on the safe side (about 0.3% of the requests for a log-normal spread of 0.35; more
 * when durations are whole milliseconds and many tie with the baseline, where no correction would be safe).
 */
export function pooledNull(
  windows: readonly PooledWindow[],
  quantile: SlowQuantile = 'p95',
): { share: number; sd: number } {
  const f = FIELDS[quantile];
  // Averaged over the windows' sizes, weighted by requests: the baselines are medians of windows of all these sizes,
  // and a share computed from the mean size alone would jump with j (6.0% for 61 requests, 7.5% for 62).
  let total = 0;
  let share = 0;
  let variance = 0;
  for (const [, , n] of windows) {
    if (n < 2) continue;
    const j = Math.floor(f.q * (n - 1)) + 1;
    const b = n + 1 - j;
    // Median of Beta(j, b) by Kerman's approximation (good for j, b >= 1), and its variance.
    share += n * (1 - (j - 1 / 3) / (j + b - 2 / 3));
    variance += (n * (j * b)) / ((j + b) ** 2 * (j + b + 1));
    total += n;
  }
  if (total === 0) return { share: 1 - f.q, sd: 0 };
  const m = Math.max(1, Math.min(...windows.map((w) => w[f.baselineWindows] ?? 1)));
  return { share: share / total, sd: (1.2533 * Math.sqrt(variance / total)) / Math.sqrt(m) };
}

const meanOf = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** A latency shift shown by pooled windows, worded like the detector's findings. */
function pooledFinding(
  e: Pick<SeriesEntry, 'service' | 'templateId' | 'template' | 'metric'>,
  p: PooledEvidence,
  baselineKind: AnomalyDetail['baselineKind'],
  at: number,
): Finding {
  const rule = 'latency-shift';
  const pct = (x: number) => `${(x * 100).toPrecision(2)}%`;
  const p99 =
    p.quantile === 'p99'
      ? ` (p99 ${p.observedAtQuantile.toPrecision(4)} ms against ${p.baselineAtQuantile.toPrecision(4)} ms)`
      : '';
  const explanation =
    `latency.p95 of ${e.service} "${e.template}" rose to a median of ${p.p95.toPrecision(4)} ms against a ` +
    `baseline of ${p.baseline.toPrecision(4)} ms (robust z ${p.z.toFixed(1)})${p99}, pooled over ${p.windows} ` +
    `windows: ${p.above} of ${p.total} requests slower than the baseline ${p.quantile} where chance gives ` +
    `${pct(p.expectedShare)} (${Math.round(p.expectedShare * p.total)}), a chance of ${p.tail.toExponential(1)}, ` +
    `since ${new Date(p.since).toISOString()} (${rule}).`;
  return performanceFinding(e, rule, p.since, at, Math.abs(p.z), explanation, {
    metric: e.metric,
    baseline: p.baseline,
    baselineKind,
    observed: p.p95,
    deviation: p.z,
    direction: 'up',
    detectedOn: 'pooled-windows',
    pooledWindows: p.windows,
    slowRequests: p.above,
    requests: p.total,
    expectedSlowShare: p.expectedShare,
    chance: p.tail,
    slowAbove: p.quantile,
    slowThresholdMs: p.baselineAtQuantile,
  });
}

/** A performance finding on one series: its id follows from the rule, the series and when the episode began. */
function performanceFinding(
  e: Pick<SeriesEntry, 'service' | 'templateId' | 'metric'>,
  rule: string,
  since: number,
  at: number,
  magnitude: number,
  explanation: string,
  evidence: Finding['evidence'],
): Finding {
  const subject = `${e.templateId}:${e.metric}`;
  return {
    id: findingId('performance', rule, e.service, subject, since),
    kind: 'performance',
    rule,
    service: e.service,
    subject,
    templateIds: [e.templateId],
    since,
    at,
    magnitude,
    explanation,
    evidence,
  };
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
  det: SeriesDetectorOptions,
): Finding {
  const rule = ruleFor(e.metric, d);
  const unit = UNITS[e.metric];
  const fmt = (x: number) =>
    e.metric === 'error-rate'
      ? `${(x * 100).toPrecision(3)}%`
      : `${x.toPrecision(4)}${unit ? ' ' + unit : ''}`;
  const against =
    d.baselineKind === 'level'
      ? `the last ${spanNoun(det.baselineMs)}`
      : d.baselineKind === 'daily'
        ? 'this hour of the day'
        : 'this hour of the week';
  const explanation =
    `${e.metric} of ${e.service} "${e.template}" ${d.direction === 'up' ? 'rose' : 'fell'} to ${fmt(d.observed)} ` +
    `against a median of ${fmt(d.baseline)} for ${against} (robust z ${d.deviation.toFixed(1)}), ` +
    `${noveltyClause(d, det)}, ` +
    `since ${new Date(d.since).toISOString()} (${rule}).`;
  return performanceFinding(e, rule, d.since, d.at, Math.abs(d.deviation), explanation, {
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
    ...(d.tailProbability !== undefined ? { tailProbability: d.tailProbability } : {}),
  });
}
