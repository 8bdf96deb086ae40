/**
 * Online, explainable anomaly detector for one numeric series (latency p95, throughput, error rate, ...).
 *
 * Per point, in bounded memory:
 * 1. Two baselines predict the value: the recent level (median and MAD of the last `baselineMs`) and a seasonal
 *    profile (median and MAD of the values seen at the same hour of the day, and of the week, over the last few
 *    periods). Median/MAD ignore up to half the window being outliers, so anomalies do not poison the baseline.
 * 2. The baseline whose recent absolute error is smallest explains the series best and is the one used; the
 *    deviation is the robust z-score `(value - baseline) / scale`.
 * 3. The NAB-style score in [0, 1] is a monotone map of |z|, reported only when it is the largest |z| of the last
 *    `refractoryMs` (the onset of an episode, not its continuation), so that one incident makes one alert.
 * 4. Consecutive deviating points form an episode; a finding names its rule (spike, drop, level-shift), baseline,
 *    observed value, deviation and start.
 */
import { RollingSortedWindow, median } from './robust.js';

export type PerformanceRule = 'spike' | 'drop' | 'level-shift' | 'latency-shift';
export type BaselineKind = 'recent' | 'daily' | 'weekly';

export interface SeriesDetectorOptions {
  /** Length of the recent-level baseline. Default one day. */
  baselineMs: number;
  /** Cap on points kept in the recent baseline, whatever the sampling step. */
  maxBaselinePoints: number;
  /** Points before any score is given. */
  minHistoryPoints: number;
  /** Seasonal profiles: slot width and how many past periods each slot remembers. */
  seasonalSlotMs: number;
  seasonalPeriods: number;
  /** Periods a slot must have seen before its profile may be used. */
  seasonalMinPeriods: number;
  /** Deviations below this fraction of the baseline level are never anomalous (flat or quantised series). */
  relativeScaleFloor: number;
  /** |z| that maps to score 0.5. */
  zHalf: number;
  /** An episode starts when |z| >= zAlert and ends after it falls below zExit. */
  zAlert: number;
  zExit: number;
  /** Episode lasting at least this many points is a level shift rather than a spike. */
  levelShiftPoints: number;
  /** Only a new maximum of |z| within this period is reported as an onset (0: report every point's |z|). */
  refractoryMs: number;
  /** Use the daily and weekly profiles as candidate baselines. */
  seasonal: boolean;
  /**
   * Scores are calibrated per series: |z| is divided by this quantile of the series' own recent |z| (over
   * `calibrationMs`), so that a noisy, heavy-tailed series and a quiet one alert at the same rate. 0 disables.
   */
  calibrationQuantile: number;
  calibrationMs: number;
}

export const DEFAULT_SERIES_DETECTOR_OPTIONS: Readonly<SeriesDetectorOptions> = {
  baselineMs: 24 * 3600_000,
  maxBaselinePoints: 2016,
  minHistoryPoints: 36,
  seasonalSlotMs: 3600_000,
  seasonalPeriods: 4,
  seasonalMinPeriods: 3,
  relativeScaleFloor: 0.01,
  zHalf: 5,
  zAlert: 6,
  zExit: 3,
  levelShiftPoints: 6,
  refractoryMs: 6 * 3600_000,
  seasonal: true,
  calibrationQuantile: 0.99,
  calibrationMs: 7 * 24 * 3600_000,
};

export interface AnomalyDetail {
  rule: Exclude<PerformanceRule, 'latency-shift'>;
  direction: 'up' | 'down';
  /** Start of the episode (epoch ms) and the current point. */
  since: number;
  at: number;
  baseline: number;
  baselineKind: BaselineKind;
  observed: number;
  /** Robust z-score of the observed value against the baseline. */
  deviation: number;
  scale: number;
  /** True on the point where the episode starts or is reclassified. */
  onset: boolean;
}

export interface PointResult {
  /** Onset score in [0, 1]: high only where a new deviation appears. */
  score: number;
  /** Signed robust z-score of this point against the selected baseline. */
  z: number;
  baseline: number | null;
  baselineKind: BaselineKind | null;
  finding?: AnomalyDetail;
}

interface SlotState {
  values: number[];
  periodsSeen: number;
  lastPeriod: number;
}

export interface SeriesDetectorState {
  version: 1;
  options: SeriesDetectorOptions;
  stepMs: number | null;
  lastTimestamp: number | null;
  count: number;
  recent: number[];
  recentCapacity: number;
  daily: SlotState[];
  weekly: SlotState[];
  /** Exponentially weighted mean absolute error of each baseline, for choosing between them. */
  err: Record<BaselineKind, number | null>;
  /** |z| of the last points, for the refractory test. */
  recentAbsZ: number[];
  /** |z| history for calibration (bounded by calibrationMs). */
  absZHistory: number[];
  episode: { since: number; points: number; direction: 'up' | 'down'; rule: AnomalyDetail['rule']; maxAbsZ: number } | null;
}

export interface SeriesDetector {
  update(timestamp: number, value: number): PointResult;
  state(): SeriesDetectorState;
}

const DAY_MS = 24 * 3600_000;
const WEEK_MS = 7 * DAY_MS;

export function createSeriesDetector(options: Partial<SeriesDetectorOptions> = {}): SeriesDetector {
  const opts = { ...DEFAULT_SERIES_DETECTOR_OPTIONS, ...options };
  return new Detector(freshState(opts));
}

export function restoreSeriesDetector(state: SeriesDetectorState): SeriesDetector {
  return new Detector(structuredClone(state));
}

function freshState(options: SeriesDetectorOptions): SeriesDetectorState {
  const slots = (period: number) =>
    Array.from({ length: Math.max(1, Math.round(period / options.seasonalSlotMs)) }, () => ({ values: [], periodsSeen: 0, lastPeriod: -1 }));
  return {
    version: 1,
    options,
    stepMs: null,
    lastTimestamp: null,
    count: 0,
    recent: [],
    recentCapacity: 0,
    daily: slots(DAY_MS),
    weekly: slots(WEEK_MS),
    err: { recent: null, daily: null, weekly: null },
    recentAbsZ: [],
    absZHistory: [],
    episode: null,
  };
}

class Detector implements SeriesDetector {
  private recent: RollingSortedWindow | null;
  private absZ: RollingSortedWindow | null;

  constructor(private s: SeriesDetectorState) {
    this.recent = s.recentCapacity > 0 ? new RollingSortedWindow(s.recentCapacity, s.recent) : null;
    this.absZ = s.recentCapacity > 0 ? new RollingSortedWindow(this.calibrationCapacity(), s.absZHistory) : null;
  }

  state(): SeriesDetectorState {
    return structuredClone({ ...this.s, recent: this.recent ? this.recent.values() : [], absZHistory: this.absZ ? this.absZ.values() : [] });
  }

  private calibrationCapacity(): number {
    return Math.max(this.s.options.minHistoryPoints, Math.min(4032, Math.round(this.s.options.calibrationMs / (this.s.stepMs ?? 60_000))));
  }

  update(timestamp: number, value: number): PointResult {
    const s = this.s;
    const o = s.options;
    if (!Number.isFinite(value)) return { score: 0, z: 0, baseline: null, baselineKind: null };
    this.learnStep(timestamp);
    s.lastTimestamp = timestamp;
    s.count++;

    const result = this.score(timestamp, value);

    // Learn after scoring: the baselines describe the past only.
    if (this.recent === null) {
      s.recentCapacity = Math.max(o.minHistoryPoints, Math.min(o.maxBaselinePoints, Math.round(o.baselineMs / (s.stepMs ?? 60_000))));
      this.recent = new RollingSortedWindow(s.recentCapacity);
      this.absZ = new RollingSortedWindow(this.calibrationCapacity());
    }
    this.recent.push(value);
    this.pushSlot(s.daily, DAY_MS, timestamp, value);
    this.pushSlot(s.weekly, WEEK_MS, timestamp, value);
    return result;
  }

  private score(timestamp: number, value: number): PointResult {
    const s = this.s;
    const o = s.options;
    const none: PointResult = { score: 0, z: 0, baseline: null, baselineKind: null };
    if (this.recent === null || this.recent.size < o.minHistoryPoints) return none;

    const candidates: { kind: BaselineKind; center: number; scale: number }[] = [];
    const recentCenter = this.recent.median();
    candidates.push({ kind: 'recent', center: recentCenter, scale: this.scaleOf(this.recent.mad(recentCenter), () => this.recent!.meanAbsDev(recentCenter), recentCenter) });
    const profiles = o.seasonal ? ([['daily', s.daily, DAY_MS], ['weekly', s.weekly, WEEK_MS]] as const) : [];
    for (const [kind, slots, period] of profiles) {
      const slot = slots[slotIndex(timestamp, period, o.seasonalSlotMs, slots.length)]!;
      if (slot.periodsSeen < o.seasonalMinPeriods || slot.values.length < 3) continue;
      const w = new RollingSortedWindow(slot.values.length, slot.values);
      const c = w.median();
      candidates.push({ kind, center: c, scale: this.scaleOf(w.mad(c), () => w.meanAbsDev(c), c) });
    }

    // Pick the baseline that has predicted this series best so far; update every baseline's error afterwards.
    let best = candidates[0]!;
    for (const c of candidates) {
      const e = s.err[c.kind];
      const eb = s.err[best.kind];
      if (e !== null && eb !== null && e < eb) best = c;
    }
    const alpha = 1 / Math.max(1, s.recentCapacity);
    for (const c of candidates) {
      // Winsorised error update: one wild point moves the error average by a bounded amount.
      const err = Math.min(Math.abs(value - c.center), 6 * c.scale);
      const prev = s.err[c.kind];
      s.err[c.kind] = prev === null ? err : prev + alpha * (err - prev);
    }

    const z = (value - best.center) / best.scale;
    const rawAbsZ = Math.abs(z);
    // Calibrate against this series' own usual extremes (learned from the past only).
    let absZ = rawAbsZ;
    if (o.calibrationQuantile > 0 && this.absZ !== null && this.absZ.size >= o.minHistoryPoints) {
      const q = this.absZ.quantile(o.calibrationQuantile);
      absZ = rawAbsZ / Math.max(q, 1);
    }
    this.absZ?.push(rawAbsZ);
    const refractory = Math.round(o.refractoryMs / (s.stepMs ?? 60_000));
    let prevMax = 0;
    for (const a of s.recentAbsZ) if (a > prevMax) prevMax = a;
    s.recentAbsZ.push(absZ);
    while (s.recentAbsZ.length > refractory) s.recentAbsZ.shift();
    const onsetScore = absZ > prevMax ? absZ / (absZ + (o.calibrationQuantile > 0 ? 1 : o.zHalf)) : 0;

    const finding = this.trackEpisode(timestamp, value, z, best);
    return { score: onsetScore, z, baseline: best.center, baselineKind: best.kind, ...(finding ? { finding } : {}) };
  }

  private trackEpisode(timestamp: number, value: number, z: number, base: { kind: BaselineKind; center: number; scale: number }): AnomalyDetail | undefined {
    const s = this.s;
    const o = s.options;
    const absZ = Math.abs(z);
    const direction = z >= 0 ? 'up' : 'down';
    const ep = s.episode;
    if (ep === null || ep.direction !== direction || absZ < o.zExit) {
      s.episode = null;
      if (absZ < o.zAlert) return undefined;
      const rule = direction === 'up' ? 'spike' : 'drop';
      s.episode = { since: timestamp, points: 1, direction, rule, maxAbsZ: absZ };
      return detail(rule, true);
    }
    ep.points++;
    ep.maxAbsZ = Math.max(ep.maxAbsZ, absZ);
    let onset = false;
    if (ep.rule !== 'level-shift' && ep.points >= o.levelShiftPoints) {
      ep.rule = 'level-shift';
      onset = true;
    }
    return detail(ep.rule, onset);

    function detail(rule: AnomalyDetail['rule'], onset: boolean): AnomalyDetail {
      return {
        rule,
        direction,
        since: s.episode!.since,
        at: timestamp,
        baseline: base.center,
        baselineKind: base.kind,
        observed: value,
        deviation: z,
        scale: base.scale,
        onset,
      };
    }
  }

  private scaleOf(mad: number, meanAbsDev: () => number, center: number): number {
    const floor = this.s.options.relativeScaleFloor * Math.abs(center);
    let scale = 1.4826 * mad;
    // A window that is mostly one repeated value has MAD 0; its mean absolute deviation still measures spread.
    if (!(scale > 0)) scale = 1.2533 * meanAbsDev();
    return Math.max(scale, floor, Number.EPSILON * 1024);
  }

  private learnStep(timestamp: number): void {
    const s = this.s;
    if (s.lastTimestamp === null) return;
    const d = timestamp - s.lastTimestamp;
    // The sampling step is the smallest positive gap seen early on; gaps (missing data) are larger.
    if (d > 0 && s.count < 64 && (s.stepMs === null || d < s.stepMs)) s.stepMs = d;
  }

  private pushSlot(slots: SlotState[], period: number, timestamp: number, value: number): void {
    const o = this.s.options;
    const slot = slots[slotIndex(timestamp, period, o.seasonalSlotMs, slots.length)]!;
    const p = Math.floor(timestamp / period);
    if (p !== slot.lastPeriod) {
      slot.periodsSeen++;
      slot.lastPeriod = p;
    }
    const perSlot = Math.max(1, Math.round(o.seasonalSlotMs / (this.s.stepMs ?? o.seasonalSlotMs)));
    slot.values.push(value);
    const cap = Math.min(perSlot * o.seasonalPeriods, 512);
    if (slot.values.length > cap) slot.values.splice(0, slot.values.length - cap);
  }
}

function slotIndex(timestamp: number, period: number, slotMs: number, n: number): number {
  const phase = ((timestamp % period) + period) % period;
  return Math.min(n - 1, Math.floor(phase / slotMs));
}

/** Convenience for tests and batch use: run a fresh detector over a whole series. */
export function scoreSeries(timestamps: readonly number[], values: readonly number[], options: Partial<SeriesDetectorOptions> = {}): PointResult[] {
  const d = createSeriesDetector(options);
  return timestamps.map((t, i) => d.update(t, values[i]!));
}

export { median };
