/**
 * Online, explainable anomaly detector for one numeric series (latency p95, throughput, error rate, ...).
 *
 * The question it answers per point is "has this series been here before?", on four channels and against the
 * baseline that explains the series best:
 * 1. Baselines: the raw level, and (once learned) the daily and weekly profiles (median of the values seen in the
 *    same hour of the day / of the week over the last few periods). A seasonal profile is used only when it
 *    predicts the series clearly better than the recent median does, so that normal daily peaks are expected.
 * 2. Channels of the residual against that baseline: the point itself, the median of the last half hour (level),
 *    the median absolute step of the last hour (volatility) and the mean of the last three hours (activity).
 *    Each is compared with the range of its own values over the last two weeks: inside the range it scores below 0.5
 *    by how far into a tail it sits (mid-rank), beyond the range 0.5 + by how much it exceeds it (in units of
 *    the range). The score is the largest channel's. A point only counts as a spike if it also stands out from
 *    its neighbours, so a slow drift is judged by the level channel, not as spikes.
 * 3. Anomaly likelihood (after Numenta's HTM post-processing): the half-hour mean of the per-point score is
 *    compared with the mean and variance of that same mean over the last week, and its Gaussian tail probability p
 *    is put on the scale of the range channels: p as small as the chance of a weekly record (one in the number of
 *    independent half-hour means a week holds) scores 0.5, and each further factor of that chance counts like
 *    exceeding the range by one more range (the excess of a record under an exponential tail). It catches a run of
 *    individually unremarkable points (a noisy level change) that no single channel has seen beyond its range.
 *    When it is the stronger evidence it also opens the finding (named `likelihood`, with its tail probability),
 *    under the same conditions as any onset: the point stands 3 robust sigmas from the baseline, and within a
 *    burst only getting worse counts.
 * 4. One burst, one alert: within an hour of a novel point, later points score only by how much they exceed the
 *    highest score so far, separately for the channels and for the likelihood (the likelihood rises over its
 *    averaging window, later than the channels, and would otherwise always be absorbed by their burst).
 * 5. Explanation: robust statistics (median, MAD of the last day, or of the seasonal slot) give the baseline, the
 *    observed value and the robust z-score of every finding; outliers do not move a median or a MAD.
 *
 * Memory per series is bounded by the windows (a few tens of thousands of numbers), whatever the series length.
 */
import { RollingSortedWindow } from './robust.js';
import type { LikelihoodState } from './likelihood.js';
import { AnomalyLikelihood, recordEquivalentExcess } from './likelihood.js';

export type PerformanceRule = 'spike' | 'drop' | 'level-shift' | 'volatility-shift' | 'latency-shift';
/**
 * What is compared with its own history: the point, the half-hour median, the volatility, the 3-hour mean; and the
 * anomaly likelihood of the half-hour mean score (how improbable the recent run of surprises is).
 */
export type Channel = 'point' | 'level' | 'volatility' | 'activity' | 'likelihood';
const DERIVED_CHANNELS = ['level', 'volatility', 'activity'] as const;
type DerivedChannel = (typeof DERIVED_CHANNELS)[number];
export type BaselineKind = 'level' | 'daily' | 'weekly';

export interface SeriesDetectorOptions {
  /** Window of the robust baseline used in explanations (median, MAD). Default one day. */
  baselineMs: number;
  /** Window whose range defines "seen before". Default two weeks. */
  historyMs: number;
  /** Window of the level (median) compared at the slower scale. Default 30 minutes. */
  levelMs: number;
  /** Cap on points kept per window, whatever the sampling step. */
  maxWindowPoints: number;
  /**
   * The sample windows (the history whose range defines "seen before", the baseline window, the likelihood's
   * history, the values of a seasonal slot) hold at least as many points as they would at this sampling step (0:
   * time spans only). How often a range is exceeded by chance depends on how many points it holds: two weeks of
   * hourly points (336) set a record every two weeks by chance where two weeks of 5-minute points (4032) do not, so
   * a coarser series keeps the point counts and looks further back. The windows that are time scales of what is
   * looked for (the level, activity and escalation windows) and the warm-up stay time spans.
   */
  referenceStepMs: number;
  /** The sampling step is the median of this many first intervals (1: the first interval). */
  stepSamples: number;
  /** No score before this much history. Default one day. */
  minHistoryMs: number;
  /** Seasonal profiles: slot width and how many past periods each slot remembers. */
  seasonalSlotMs: number;
  seasonalPeriods: number;
  /** Periods a slot must have seen before its profile may be used. */
  seasonalMinPeriods: number;
  /** A seasonal profile is selected only if its mean absolute error is below this share of the level's. */
  seasonalAdvantage: number;
  /** Use the daily and weekly profiles as candidate baselines. */
  seasonal: boolean;
  /** Use the half-hour level (median) as well as single points. */
  levelScale: boolean;
  /** Use the volatility (median absolute step over `2 * levelMs`): oscillation starting or stopping. */
  volatilityScale: boolean;
  /** Use the activity (mean over `activityMs`): e.g. bursty work that stopped for hours. */
  activityScale: boolean;
  /** Window of the activity mean. Default three hours. */
  activityMs: number;
  /** Score the anomaly likelihood of the score's mean over `levelMs` as well (see the module comment). */
  likelihood: boolean;
  /**
   * After a novel point (score >= 0.5), later points within this period are scored by how much they exceed the
   * highest score so far ("it got worse"), not afresh: one burst, one alert. 0 disables.
   */
  escalationMs: number;
  /** A finding opens when a residual exceeds the history's range by this share of the range. */
  alertExcess: number;
  /** An open episode continues while |robust z| against the onset baseline stays at or above this. */
  zExit: number;
  /** An episode lasting at least `levelMs` is a level shift rather than a spike or drop. */
  /** Deviations smaller than this share of the baseline are never anomalous (flat or quantised series). */
  relativeScaleFloor: number;
}

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;
const WEEK_MS = 7 * DAY_MS;

export const DEFAULT_SERIES_DETECTOR_OPTIONS: Readonly<SeriesDetectorOptions> = {
  baselineMs: DAY_MS,
  historyMs: 2 * WEEK_MS,
  levelMs: HOUR_MS / 2,
  maxWindowPoints: 4032,
  referenceStepMs: 5 * 60_000,
  stepSamples: 8,
  minHistoryMs: DAY_MS,
  seasonalSlotMs: HOUR_MS,
  seasonalPeriods: 4,
  seasonalMinPeriods: 3,
  seasonalAdvantage: 0.8,
  seasonal: true,
  levelScale: true,
  volatilityScale: true,
  activityScale: true,
  activityMs: 3 * HOUR_MS,
  likelihood: true,
  escalationMs: HOUR_MS,
  alertExcess: 0.05,
  zExit: 3,
  relativeScaleFloor: 0.01,
};

export interface AnomalyDetail {
  rule: Exclude<PerformanceRule, 'latency-shift'>;
  direction: 'up' | 'down';
  /** Start of the episode (epoch ms) and the current point. */
  since: number;
  at: number;
  /** Robust baseline (median) the observed value is compared with, and where it comes from. */
  baseline: number;
  baselineKind: BaselineKind;
  observed: number;
  /** Robust z-score of the observed value: (observed - baseline) / (1.4826 MAD). */
  deviation: number;
  scale: number;
  /** The extreme of the history window that was exceeded, in the units of the series (or residual, if seasonal). */
  previousExtreme: number;
  /** By how much the history's range was exceeded, as a share of that range. */
  excess: number;
  /** Which channel fired. */
  scaleName: Channel;
  /**
   * When the likelihood fired: the tail probability of the half-hour mean score against the past week (`excess`
   * is then the record-equivalent excess, see likelihood.ts).
   */
  tailProbability?: number;
  /** True on the point where the episode opens or is reclassified. */
  onset: boolean;
}

/** The evidence that may open an episode: the strongest channel's novelty, or the likelihood's. */
type EpisodeHit = {
  excess: number;
  direction: 'up' | 'down';
  extreme: number;
  scaleName: Channel;
  tailProbability?: number;
};

export interface PointResult {
  /**
   * Anomaly score in [0, 1]; >= 0.5 means beyond anything in the history window, or a half-hour mean score as
   * improbable as such a record (the likelihood).
   */
  score: number;
  /** Robust z-score of this point against the selected baseline (0 while warming up). */
  z: number;
  baseline: number | null;
  baselineKind: BaselineKind | null;
  /** Present while an episode is open. */
  finding?: AnomalyDetail;
}

interface SlotState {
  values: number[];
  periodsSeen: number;
  lastPeriod: number;
}

type ResidualHistories = Record<BaselineKind, number[]>;

export interface SeriesDetectorState {
  version: 4;
  options: SeriesDetectorOptions;
  stepMs: number | null;
  /** The first points, kept until `stepSamples` intervals give the step (absent once it is known). */
  warmup?: { timestamps: number[]; values: number[] };
  firstTimestamp: number | null;
  lastTimestamp: number | null;
  count: number;
  /** Raw values of the last `baselineMs`, oldest first. */
  recent: number[];
  /** The most recent residuals per baseline (enough for every channel), oldest first. */
  short: ResidualHistories;
  /** Histories of each channel per baseline over `historyMs`, oldest first. */
  pointHistory: ResidualHistories;
  channelHistory: Record<DerivedChannel, ResidualHistories>;
  daily: SlotState[];
  weekly: SlotState[];
  /**
   * Mean absolute error of each baseline, for choosing between them: a plain mean over its first points, then
   * exponentially weighted over about a baseline window. `errCount` counts the points each has been averaged over.
   */
  err: Record<BaselineKind, number | null>;
  errCount: Record<BaselineKind, number>;
  /** The baseline currently in use; switching needs a clear advantage, so that scores do not flap. */
  selected: BaselineKind;
  /** Raw scores of the last `escalationMs`, oldest first. */
  recentScores: number[];
  /** The anomaly likelihood's averages, and its raw scores of the last `escalationMs` (oldest first). */
  likelihood: LikelihoodState;
  likelihoodScores: number[];
  episode: {
    since: number;
    points: number;
    direction: 'up' | 'down';
    rule: AnomalyDetail['rule'];
    baseline: number;
    scale: number;
    /** What the onset exceeded, kept for the explanation of later points of the episode. */
    extreme: number;
    excess: number;
    scaleName: Channel;
    tailProbability?: number;
  } | null;
}

export interface SeriesDetector {
  update(timestamp: number, value: number): PointResult;
  /** A JSON-serialisable snapshot; `restoreSeriesDetector(state)` continues exactly where this one is. */
  state(): SeriesDetectorState;
}

const KINDS: readonly BaselineKind[] = ['level', 'daily', 'weekly'];

export function createSeriesDetector(options: Partial<SeriesDetectorOptions> = {}): SeriesDetector {
  const opts = { ...DEFAULT_SERIES_DETECTOR_OPTIONS, ...options };
  return new Detector(freshState(opts));
}

/** The state before the anomaly likelihood (version 3): still restorable. */
export type SeriesDetectorStateV3 = Omit<
  SeriesDetectorState,
  'version' | 'options' | 'likelihood' | 'likelihoodScores'
> & { version: 3; options: Omit<SeriesDetectorOptions, 'likelihood'> };
/** The state before `errCount` (version 2): still restorable. */
export type SeriesDetectorStateV2 = Omit<SeriesDetectorStateV3, 'version' | 'errCount'> & { version: 2 };

export function restoreSeriesDetector(
  state: SeriesDetectorState | SeriesDetectorStateV3 | SeriesDetectorStateV2,
): SeriesDetector {
  if (state.version === 4) {
    const restored = structuredClone(state);
    restored.options = { ...restored.options, ...legacyMissing(restored.options) };
    return new Detector(restored);
  }
  if (state.version === 3) return new Detector(fromV3(structuredClone(state)));
  if (state.version === 2) {
    // A version 2 error was exponentially weighted from its first point on; count it as fully averaged, which is
    // what version 2 treated it as.
    const big = Number.MAX_SAFE_INTEGER;
    const errCount = { level: big, daily: big, weekly: big };
    return new Detector(fromV3({ ...structuredClone(state), version: 3, errCount }));
  }
  throw new Error(`unsupported detector state version ${String((state as { version: unknown }).version)}`);
}

/**
 * Options added after a state was saved take the values that reproduce what that detector did (no reference step,
 * the first interval as the step), so that a restored detector continues exactly as it would have; fresh detectors get
 * the defaults.
 */
const LEGACY_OPTION_VALUES: Partial<SeriesDetectorOptions> = {
  referenceStepMs: 0,
  stepSamples: 1,
};

function legacyMissing(options: Partial<SeriesDetectorOptions>): Partial<SeriesDetectorOptions> {
  const out: Partial<SeriesDetectorOptions> = {};
  for (const [k, v] of Object.entries(LEGACY_OPTION_VALUES) as [keyof SeriesDetectorOptions, never][])
    if (options[k] === undefined) out[k] = v;
  return out;
}

/**
 * A version 3 detector had no likelihood: it starts learning one now (and scores with it once it has
 * `minHistoryMs` of averages); everything else continues where it was.
 */
function fromV3(state: SeriesDetectorStateV3): SeriesDetectorState {
  return {
    ...state,
    version: 4,
    options: {
      ...DEFAULT_SERIES_DETECTOR_OPTIONS,
      ...legacyMissing(state.options),
      ...state.options,
    } as SeriesDetectorOptions,
    likelihood: { recent: [], history: [] },
    likelihoodScores: [],
  };
}

function freshState(options: SeriesDetectorOptions): SeriesDetectorState {
  const slots = (period: number) =>
    Array.from({ length: Math.max(1, Math.round(period / options.seasonalSlotMs)) }, () => ({
      values: [],
      periodsSeen: 0,
      lastPeriod: -1,
    }));
  const empty = (): ResidualHistories => ({ level: [], daily: [], weekly: [] });
  return {
    version: 4,
    options,
    stepMs: null,
    firstTimestamp: null,
    lastTimestamp: null,
    count: 0,
    recent: [],
    short: empty(),
    pointHistory: empty(),
    channelHistory: { level: empty(), volatility: empty(), activity: empty() },
    daily: slots(DAY_MS),
    weekly: slots(WEEK_MS),
    err: { level: null, daily: null, weekly: null },
    errCount: { level: 0, daily: 0, weekly: 0 },
    selected: 'level',
    recentScores: [],
    likelihood: { recent: [], history: [] },
    likelihoodScores: [],
    episode: null,
  };
}

interface Windows {
  recent: RollingSortedWindow;
  likelihood: AnomalyLikelihood;
  point: Record<BaselineKind, RollingSortedWindow>;
  channel: Record<DerivedChannel, Record<BaselineKind, RollingSortedWindow>>;
}

interface Candidate {
  kind: BaselineKind;
  /** Value predicted by this baseline (0 for the raw level, whose residual is the value itself). */
  offset: number;
  /** Robust centre and scale for explanations. */
  center: number;
  scale: number;
}

class Detector implements SeriesDetector {
  private w: Windows | null = null;

  constructor(private s: SeriesDetectorState) {
    if (s.stepMs !== null) this.w = this.buildWindows();
  }

  state(): SeriesDetectorState {
    const s = structuredClone(this.s);
    if (this.w !== null) {
      s.recent = this.w.recent.values();
      for (const k of KINDS) {
        s.pointHistory[k] = this.w.point[k].values();
        for (const ch of DERIVED_CHANNELS) s.channelHistory[ch][k] = this.w.channel[ch][k].values();
      }
      s.likelihood = this.w.likelihood.state();
    }
    return s;
  }

  update(timestamp: number, value: number): PointResult {
    const s = this.s;
    const none: PointResult = { score: 0, z: 0, baseline: null, baselineKind: null };
    if (!Number.isFinite(value)) return none;
    if (s.lastTimestamp !== null && timestamp <= s.lastTimestamp) return none; // duplicates and reordering
    if (s.stepMs === null) {
      // The sampling step is the median of the first `stepSamples` intervals, not the first one alone: a series
      // whose first interval is irregular (a gap, a doubled sample) would otherwise size every window wrongly.
      const warm = (s.warmup ??= { timestamps: [], values: [] });
      warm.timestamps.push(timestamp);
      warm.values.push(value);
      s.lastTimestamp = timestamp;
      s.count++;
      if (warm.timestamps.length <= Math.max(1, s.options.stepSamples)) return none;
      const intervals = warm.timestamps.slice(1).map((t, i) => t - warm.timestamps[i]!);
      s.stepMs = medianOf(intervals);
      delete s.warmup;
      s.firstTimestamp = warm.timestamps[0]!;
      s.count = 1;
      s.recent.push(warm.values[0]!);
      this.w = this.buildWindows();
      let result = none;
      for (let i = 1; i < warm.timestamps.length; i++)
        result = this.ingest(warm.timestamps[i]!, warm.values[i]!);
      return result;
    }
    return this.ingest(timestamp, value);
  }

  /** One point once the step is known: score it against what came before, then learn it. */
  private ingest(timestamp: number, value: number): PointResult {
    const s = this.s;
    s.lastTimestamp = timestamp;
    s.count++;
    const candidates = this.candidates(timestamp);
    const selected = this.select(candidates);
    const result = this.score(timestamp, value, candidates, selected);
    this.learn(timestamp, value, candidates);
    return result;
  }

  private buildWindows(): Windows {
    const s = this.s;
    const o = s.options;
    const points = (ms: number) => this.pointsFor(ms);
    const hist = (init: ResidualHistories, cap: number) =>
      Object.fromEntries(KINDS.map((k) => [k, new RollingSortedWindow(cap, init[k])])) as Record<
        BaselineKind,
        RollingSortedWindow
      >;
    const historyPoints = points(o.historyMs);
    return {
      recent: new RollingSortedWindow(points(o.baselineMs), s.recent),
      likelihood: new AnomalyLikelihood(
        {
          averagePoints: Math.min(this.levelPoints(), historyPoints),
          historyPoints: Math.max(2, historyPoints),
          minHistoryPoints: Math.min(historyPoints, this.pointsFor(o.minHistoryMs, false)),
        },
        s.likelihood,
      ),
      point: hist(s.pointHistory, points(o.historyMs)),
      channel: {
        level: hist(s.channelHistory.level, points(o.historyMs)),
        volatility: hist(s.channelHistory.volatility, points(o.historyMs)),
        activity: hist(s.channelHistory.activity, points(o.historyMs)),
      },
    };
  }

  /**
   * Points in a window spanning `ms`: its span at the series' step, and for a sample window (`reference`) at least
   * its span at `referenceStepMs` (see there).
   */
  private pointsFor(ms: number, reference = true): number {
    const o = this.s.options;
    const atStep = Math.round(ms / this.s.stepMs!);
    const atReference = reference && o.referenceStepMs > 0 ? Math.round(ms / o.referenceStepMs) : 0;
    return Math.max(1, Math.min(o.maxWindowPoints, Math.max(atStep, atReference)));
  }

  private levelPoints(): number {
    return this.pointsFor(this.s.options.levelMs, false);
  }

  private channelPoints(ch: DerivedChannel): number {
    const o = this.s.options;
    if (ch === 'level') return this.levelPoints();
    if (ch === 'volatility') return 2 * this.levelPoints();
    return this.pointsFor(o.activityMs, false);
  }

  private channelEnabled(ch: DerivedChannel): boolean {
    const o = this.s.options;
    const n = this.channelPoints(ch);
    if (n < 2) return false;
    return ch === 'level' ? o.levelScale : ch === 'volatility' ? o.volatilityScale : o.activityScale;
  }

  /** The channel's value over the tail of the residuals, or null while the tail is too short. */
  private channelValue(ch: DerivedChannel, tail: readonly number[]): number | null {
    const n = this.channelPoints(ch);
    if (tail.length < n) return null;
    const xs = tail.slice(-n);
    if (ch === 'level') return medianOf(xs);
    if (ch === 'activity') return xs.reduce((a, b) => a + b, 0) / n;
    const steps: number[] = [];
    for (let i = 1; i < n; i++) steps.push(Math.abs(xs[i]! - xs[i - 1]!));
    return medianOf(steps);
  }

  private tailPoints(): number {
    return Math.max(...DERIVED_CHANNELS.map((ch) => this.channelPoints(ch)));
  }

  private candidates(timestamp: number): Candidate[] {
    const s = this.s;
    const o = s.options;
    const w = this.w!;
    const c = w.recent.median();
    const out: Candidate[] = [{ kind: 'level', offset: 0, center: c, scale: this.scaleOf(w.recent, c) }];
    if (!o.seasonal) return out;
    for (const [kind, slots, period] of [
      ['daily', s.daily, DAY_MS],
      ['weekly', s.weekly, WEEK_MS],
    ] as const) {
      const slot = slots[slotIndex(timestamp, period, o.seasonalSlotMs, slots.length)]!;
      if (slot.periodsSeen < o.seasonalMinPeriods || slot.values.length < 3) continue;
      const win = new RollingSortedWindow(slot.values.length, slot.values);
      const m = win.median();
      out.push({ kind, offset: m, center: m, scale: this.scaleOf(win, m) });
    }
    return out;
  }

  /**
   * Keep the current baseline unless another one (with a residual history at least `minHistoryMs` long) has an
   * error below `seasonalAdvantage` times the current one's: the simpler model wins ties and scores do not flap.
   */
  private select(candidates: Candidate[]): Candidate {
    const s = this.s;
    const w = this.w!;
    const minPoints = this.pointsFor(s.options.minHistoryMs, false);
    let cur = candidates.find((c) => c.kind === s.selected) ?? candidates[0]!;
    for (const c of candidates) {
      if (c.kind === cur.kind || w.point[c.kind].size < minPoints) continue;
      const e = s.err[c.kind];
      const ec = s.err[cur.kind];
      if (e !== null && ec !== null && e < s.options.seasonalAdvantage * ec) cur = c;
    }
    s.selected = cur.kind;
    return cur;
  }

  private score(timestamp: number, value: number, candidates: Candidate[], sel: Candidate): PointResult {
    const s = this.s;
    const o = s.options;
    const w = this.w!;
    const z = (value - sel.center) / sel.scale;
    const base: PointResult = { score: 0, z, baseline: sel.center, baselineKind: sel.kind };
    if (timestamp - s.firstTimestamp! < o.minHistoryMs) return base;

    const residual = value - sel.offset;
    let point = novelty(w.point[sel.kind], residual);
    // A point is only a spike if it also stands out from its neighbours: a new high reached by a slow drift is
    // the level's business (and the level scale judges it), not a spike.
    const before = s.short[sel.kind].slice(-this.levelPoints());
    if (point.excess > 0 && before.length > 0) {
      const local = (residual - medianOf(before)) / sel.scale;
      const standsOut = point.direction === 'up' ? local >= o.zExit : local <= -o.zExit;
      if (!standsOut) point = { score: 0.5, excess: 0, direction: point.direction, extreme: point.extreme };
    }
    let best: ReturnType<typeof novelty> & { scaleName: Channel } = { ...point, scaleName: 'point' };
    const tail = [...s.short[sel.kind], residual];
    for (const ch of DERIVED_CHANNELS) {
      if (!this.channelEnabled(ch)) continue;
      const v = this.channelValue(ch, tail);
      if (v === null) continue;
      const n = novelty(w.channel[ch][sel.kind], v);
      if (n.score > best.score) best = { ...n, scaleName: ch };
    }
    void candidates;
    let score = this.escalation(best.score, s.recentScores);
    let hit: EpisodeHit = best;
    if (o.likelihood) {
      const lik = this.likelihoodOf(best.score);
      const escalated = this.escalation(lik.score, s.likelihoodScores);
      score = Math.max(score, escalated);
      // The likelihood opens a finding too (what the score ranks high, an operator is told about), when it is the
      // stronger evidence; its direction is the point's, which must stand out (|z| >= zExit) like any onset's. It
      // stays high for its averaging window, so within a burst only getting worse counts (the escalated score): a
      // noisy shift would otherwise reopen an episode at every point that happens to fall back inside the noise.
      const excess = excessOfScore(escalated);
      if (excess > best.excess)
        hit = {
          excess,
          direction: z >= 0 ? 'up' : 'down',
          extreme: sel.center,
          scaleName: 'likelihood',
          tailProbability: lik.p,
        };
    }
    const finding = this.trackEpisode(timestamp, value, z, sel, hit);
    return { ...base, score, ...(finding ? { finding } : {}) };
  }

  /**
   * The likelihood of the channels' score, on their scale: a tail probability as small as the chance of a record
   * among the independent averages of a history window scores 0.5, smaller ones score as a record exceeding the
   * range by `recordEquivalentExcess`; larger ones score below 0.5, by how many of those orders of magnitude.
   */
  private likelihoodOf(raw: number): { score: number; excess: number; p: number } {
    const lik = this.w!.likelihood;
    const p = lik.update(raw);
    const independent = lik.options.historyPoints / lik.options.averagePoints;
    const e = recordEquivalentExcess(p, independent);
    if (e > 0) return { score: 0.5 + (0.5 * e) / (e + 0.1), excess: e, p };
    return { score: 0.5 * (1 + e), excess: 0, p };
  }

  private escalation(score: number, recent: number[]): number {
    const s = this.s;
    const o = s.options;
    // Without a reference step a window shorter than one step is no window (as before the reference step).
    if (!(o.escalationMs > 0) || (o.referenceStepMs <= 0 && Math.round(o.escalationMs / s.stepMs!) < 1))
      return score;
    const n = this.pointsFor(o.escalationMs, false);
    let prevMax = 0;
    for (const x of recent) if (x > prevMax) prevMax = x;
    recent.push(score);
    if (recent.length > n) recent.shift();
    if (prevMax < 0.5) return score;
    return Math.max(Math.min(score, 0.5), score - (prevMax - 0.5));
  }

  private trackEpisode(
    timestamp: number,
    value: number,
    z: number,
    sel: Candidate,
    hit: EpisodeHit,
  ): AnomalyDetail | undefined {
    const s = this.s;
    const o = s.options;
    const ep = s.episode;
    const detail = (
      rule: AnomalyDetail['rule'],
      direction: 'up' | 'down',
      since: number,
      onset: boolean,
    ): AnomalyDetail => ({
      rule,
      direction,
      since,
      at: timestamp,
      baseline: s.episode?.baseline ?? sel.center,
      baselineKind: sel.kind,
      observed: value,
      deviation: s.episode ? (value - s.episode.baseline) / s.episode.scale : z,
      scale: s.episode?.scale ?? sel.scale,
      previousExtreme: s.episode?.extreme ?? hit.extreme,
      excess: s.episode?.excess ?? hit.excess,
      scaleName: s.episode?.scaleName ?? hit.scaleName,
      ...tailOf(s.episode ?? hit),
      onset,
    });

    if (ep !== null) {
      const zOnset = (value - ep.baseline) / ep.scale;
      const still = ep.direction === 'up' ? zOnset >= o.zExit : zOnset <= -o.zExit;
      if (still) {
        ep.points++;
        let onset = false;
        if ((ep.rule === 'spike' || ep.rule === 'drop') && ep.points >= this.levelPoints()) {
          ep.rule = 'level-shift';
          onset = true;
        }
        return detail(ep.rule, ep.direction, ep.since, onset);
      }
      s.episode = null;
    }
    if (hit.excess < o.alertExcess || Math.abs(z) < o.zExit) return undefined;
    const rule =
      hit.scaleName === 'point'
        ? hit.direction === 'up'
          ? 'spike'
          : 'drop'
        : hit.scaleName === 'volatility'
          ? 'volatility-shift'
          : 'level-shift';
    s.episode = {
      since: timestamp,
      points: 1,
      direction: hit.direction,
      rule,
      baseline: sel.center,
      scale: sel.scale,
      extreme: hit.extreme,
      excess: hit.excess,
      scaleName: hit.scaleName,
      ...tailOf(hit),
    };
    return detail(rule, hit.direction, timestamp, true);
  }

  private learn(timestamp: number, value: number, candidates: Candidate[]): void {
    const s = this.s;
    const o = s.options;
    const w = this.w!;
    for (const c of candidates) {
      // Error of each baseline, winsorised so that one wild point moves the average by a bounded amount. A plain
      // mean until a baseline window of points is averaged: an exponential average started at one point would give
      // that point a third of the weight a day later, and a newly available seasonal baseline whose first error
      // happened to be small would win the comparison by chance.
      const err = Math.min(Math.abs(value - c.center), 6 * c.scale);
      const prev = s.err[c.kind];
      const n = Math.min(s.errCount[c.kind] + 1, Number.MAX_SAFE_INTEGER);
      s.errCount[c.kind] = n;
      const alpha = Math.max(1 / Math.max(1, w.recent.capacity), 1 / n);
      s.err[c.kind] = prev === null ? err : prev + alpha * (err - prev);
      const residual = value - c.offset;
      w.point[c.kind].push(residual);
      const short = s.short[c.kind];
      short.push(residual);
      if (short.length > this.tailPoints()) short.shift();
      for (const ch of DERIVED_CHANNELS) {
        if (!this.channelEnabled(ch)) continue;
        const v = this.channelValue(ch, short);
        if (v !== null) w.channel[ch][c.kind].push(v);
      }
    }
    w.recent.push(value);
    this.pushSlot(s.daily, DAY_MS, timestamp, value);
    this.pushSlot(s.weekly, WEEK_MS, timestamp, value);
    void o;
  }

  private scaleOf(win: RollingSortedWindow, center: number): number {
    const floor = this.s.options.relativeScaleFloor * Math.abs(center);
    let scale = 1.4826 * win.mad(center);
    // A window that is mostly one repeated value has MAD 0; its mean absolute deviation still measures spread.
    if (!(scale > 0)) scale = 1.2533 * win.meanAbsDev(center);
    return Math.max(scale, floor, 1e-12);
  }

  private pushSlot(slots: SlotState[], period: number, timestamp: number, value: number): void {
    const o = this.s.options;
    const slot = slots[slotIndex(timestamp, period, o.seasonalSlotMs, slots.length)]!;
    const p = Math.floor(timestamp / period);
    if (p !== slot.lastPeriod) {
      slot.periodsSeen++;
      slot.lastPeriod = p;
    }
    // A slot of a coarse series keeps as many values as at the reference step (more periods): one hourly value a
    // day over four days is too few for a median to be a baseline.
    const perSlot = this.pointsFor(o.seasonalSlotMs);
    slot.values.push(value);
    const cap = Math.min(perSlot * o.seasonalPeriods, 512);
    if (slot.values.length > cap) slot.values.splice(0, slot.values.length - cap);
  }
}

/**
 * Novelty of x against a history: beyond the range, 0.5 + 0.5 e / (e + 0.1) where e is the excess in units of
 * the range; inside it, 0.5 times how deep into a tail x sits (0 at the median, ~0.5 at the extremes).
 */
export function novelty(
  history: RollingSortedWindow,
  x: number,
): { score: number; excess: number; direction: 'up' | 'down'; extreme: number } {
  if (history.size < 2) return { score: 0, excess: 0, direction: 'up', extreme: x };
  const lo = history.min();
  const hi = history.max();
  const range = Math.max(hi - lo, Math.abs(hi) * 1e-9, 1e-12);
  if (x > hi) {
    const e = (x - hi) / range;
    return { score: 0.5 + (0.5 * e) / (e + 0.1), excess: e, direction: 'up', extreme: hi };
  }
  if (x < lo) {
    const e = (lo - x) / range;
    return { score: 0.5 + (0.5 * e) / (e + 0.1), excess: e, direction: 'down', extreme: lo };
  }
  const f = history.cdf(x);
  const tail = Math.abs(f - 0.5); // 0 at the median, 0.5 at the extremes
  return { score: tail, excess: 0, direction: f >= 0.5 ? 'up' : 'down', extreme: f >= 0.5 ? hi : lo };
}

/** The inverse of the novelty score's mapping (0.5 + 0.5 e / (e + 0.1)) above 0.5; 0 at or below it. */
function excessOfScore(score: number): number {
  if (!(score > 0.5)) return 0;
  const q = Math.min(2 * (score - 0.5), 1 - 1e-12);
  return (0.1 * q) / (1 - q);
}

/** The likelihood's tail probability, as an optional field (absent for the range channels). */
function tailOf(x: { tailProbability?: number }): { tailProbability?: number } {
  return x.tailProbability !== undefined ? { tailProbability: x.tailProbability } : {};
}

function slotIndex(timestamp: number, period: number, slotMs: number, n: number): number {
  const phase = ((timestamp % period) + period) % period;
  return Math.min(n - 1, Math.floor(phase / slotMs));
}

function medianOf(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  const m = n >> 1;
  return n % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Run a fresh detector over a whole series (tests, benchmarks, batch backfills). */
export function scoreSeries(
  timestamps: readonly number[],
  values: readonly number[],
  options: Partial<SeriesDetectorOptions> = {},
): PointResult[] {
  const d = createSeriesDetector(options);
  return timestamps.map((t, i) => d.update(t, values[i]!));
}

/**
 * Time scales for services with hours of history rather than weeks (a new deployment, the demo): an hour to learn,
 * a day of history, five-minute levels. Pass as `PERFORMANCE_DETECTOR` (JSON) or `PerformanceMonitor({ detector })`.
 */
export const HOUR_SCALE_DETECTOR_OPTIONS: Readonly<Partial<SeriesDetectorOptions>> = {
  minHistoryMs: HOUR_MS,
  baselineMs: HOUR_MS,
  historyMs: DAY_MS,
  levelMs: 5 * 60_000,
  activityMs: HOUR_MS / 2,
  escalationMs: HOUR_MS / 4,
};

/**
 * Time scales for a service minutes old, whose baseline is a warm-up of `warmupMs` of traffic parsed in windows of
 * `windowMs`: nothing scored before 60 % of the warm-up, levels over six windows, no seasonal profile (there is no
 * day to learn). For benches and demos that give the detectors minutes, not hours: a latency fault then shows, at the
 * price of judging on little history. The detector's rules are unchanged.
 */
export function minuteScaleDetectorOptions(
  warmupMs: number,
  windowMs: number,
): Partial<SeriesDetectorOptions> {
  return {
    minHistoryMs: Math.round(warmupMs * 0.6),
    baselineMs: warmupMs,
    historyMs: 30 * 60_000,
    levelMs: 6 * windowMs,
    referenceStepMs: windowMs,
    stepSamples: 4,
    activityMs: 12 * windowMs,
    escalationMs: 12 * windowMs,
    seasonal: false,
  };
}

/** The minute scale of a two-minute warm-up parsed every 5 s (`npm run demo`'s and `bench:healing`'s defaults). */
export const MINUTE_SCALE_DETECTOR_OPTIONS: Readonly<Partial<SeriesDetectorOptions>> =
  minuteScaleDetectorOptions(120_000, 5_000);
