/**
 * Performance findings from window aggregates: one detector per (service, template, metric), fed in window order,
 * for latency p95, throughput (events per window) and error rate. Emits one `Finding` per anomaly episode onset
 * (and one more if a spike turns out to be a lasting level shift).
 */
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
   * Counts are noisy: a throughput change within this many Poisson standard deviations of the baseline, or an
   * error-rate change within this many binomial ones, is not reported (a quiet template going from 5 to 11 events
   * a minute is chance, not an incident). 0 disables.
   */
  countNoiseZ: number;
  /** Below this many events a window's count variance is taken as this (a template going from 0 to 3 is chance). */
  countVarianceFloor: number;
  /**
   * Latency findings are degradations only: a p95 that rises by at least this share of its baseline and by at least
   * `minLatencyRiseMs`. Latency falling is good news, and a 2 ms change is not worth an incident.
   */
  minLatencyRise: number;
  minLatencyRiseMs: number;
}

export const DEFAULT_PERFORMANCE_MONITOR_OPTIONS: Readonly<PerformanceMonitorOptions> = {
  detector: {},
  maxZeroFillWindows: 1440,
  minLatencyCount: 5,
  countNoiseZ: 3,
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

  private worthReporting(metric: PerformanceMetric, d: AnomalyDetail, a: WindowAggregate): boolean {
    const delta = Math.abs(d.observed - d.baseline);
    if (metric === 'latency.p95') {
      const rise = d.observed - d.baseline;
      return (
        d.direction === 'up' &&
        rise >= this.opts.minLatencyRiseMs &&
        rise >= this.opts.minLatencyRise * Math.abs(d.baseline)
      );
    }
    const z = this.opts.countNoiseZ;
    if (z <= 0) return true;
    if (metric === 'throughput')
      return delta >= z * Math.sqrt(Math.max(d.baseline, this.opts.countVarianceFloor));
    const p = Math.min(Math.max(d.baseline, 1 / Math.max(a.count, 1)), 1 - 1e-9);
    return delta >= z * Math.sqrt((p * (1 - p)) / Math.max(a.count, 1));
  }
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
