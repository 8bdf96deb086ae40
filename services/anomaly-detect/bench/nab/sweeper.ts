/**
 * Port of numenta/NAB `nab/sweeper.py` (v1.1, the scorer behind every published NAB number since 2017).
 *
 * NAB scores a detector's per-record anomaly scores against labelled windows:
 * - a record inside a window scores `scaledSigmoid(position) * tpWeight / scaledSigmoid(-1)`, where position runs
 *   from -1 (first record of the window) towards 0 (just past its last record): the earlier, the better;
 * - only the best (= earliest) detection of a window counts, a window without any detection costs `fnWeight`;
 * - a record outside windows that is detected costs `scaledSigmoid(distance past the preceding window, in
 *   window lengths) * fpWeight`, i.e. it is almost free right after a window and costs the full `fpWeight`
 *   three window lengths later or when no window precedes it;
 * - the first `min(floor(15% of rows), 750)` records are probationary and not scored at all.
 *
 * Quirks kept on purpose so that numbers match NAB's: windows are entered only when a record's timestamp equals
 * the next window's start exactly, the in-window position uses `+ 1` (so it never reaches 0), and NAB's
 * `threshold` means "detected when anomaly score >= threshold".
 */
import type { CostMatrix } from './profiles.js';
import { DEFAULT_PROBATION_PERCENT } from './profiles.js';

/** Window name marking a record inside the probationary period (NAB uses the same literal). */
export const PROBATIONARY = 'probationary';

export interface AnomalyPoint {
  timestamp: number;
  anomalyScore: number;
  /** The NAB score this record would contribute if it were a detection. */
  sweepScore: number;
  /** `null` outside windows, `PROBATIONARY` inside the probationary period, else the window's unique name. */
  windowName: string | null;
}

export interface ThresholdScore {
  /** Records with `anomalyScore >= threshold` are detections. */
  threshold: number;
  score: number;
  tp: number;
  tn: number;
  fp: number;
  fn: number;
  total: number;
}

/** A window as inclusive [start, end] timestamps (epoch ms); both must be timestamps of the data file. */
export type WindowLimits = readonly [number, number];

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** -1 at a window's left edge gives 0.98661, 0 its right edge gives 0, +1 one window length past it gives -0.98661. */
export function scaledSigmoid(relativePositionInWindow: number): number {
  if (relativePositionInWindow > 3.0) return -1.0;
  return 2 * sigmoid(-5 * relativePositionInWindow) - 1.0;
}

export function probationaryLength(numRows: number, probationPercent = DEFAULT_PROBATION_PERCENT): number {
  return Math.min(Math.floor(probationPercent * numRows), probationPercent * 5000);
}

export class Sweeper {
  readonly probationPercent: number;
  readonly tpWeight: number;
  readonly fpWeight: number;
  readonly fnWeight: number;

  constructor(costMatrix: CostMatrix, probationPercent = DEFAULT_PROBATION_PERCENT) {
    this.probationPercent = probationPercent;
    this.tpWeight = costMatrix.tpWeight;
    this.fpWeight = costMatrix.fpWeight;
    this.fnWeight = costMatrix.fnWeight;
  }

  /** One AnomalyPoint per record of one data file. Lists of several files may be concatenated before sweeping. */
  calcSweepScore(
    timestamps: readonly number[],
    anomalyScores: readonly number[],
    windowLimits: readonly WindowLimits[],
    dataSetName: string,
  ): AnomalyPoint[] {
    if (timestamps.length !== anomalyScores.length) {
      throw new Error('timestamps and anomalyScores should not be different lengths!');
    }
    const pending = [...windowLimits];
    const anomalyList: AnomalyPoint[] = [];
    const maxTP = scaledSigmoid(-1.0);
    const probation = probationaryLength(timestamps.length, this.probationPercent);

    let curWindow: WindowLimits | null = null;
    let curWindowName: string | null = null;
    let curWindowWidth = 0;
    let curWindowRightIndex = 0;
    let prevWindowWidth: number | null = null;
    let prevWindowRightIndex: number | null = null;

    for (let i = 0; i < timestamps.length; i++) {
      const curTime = timestamps[i]!;
      const curAnomaly = anomalyScores[i]!;
      const next = pending[0];
      if (next !== undefined && curTime === next[0]) {
        curWindow = pending.shift()!;
        curWindowName = `${dataSetName}|${curWindow[0]}`;
        curWindowRightIndex = indexOrThrow(timestamps, curWindow[1]);
        curWindowWidth = curWindowRightIndex - indexOrThrow(timestamps, curWindow[0]) + 1;
      }

      let weightedScore: number;
      if (curWindow !== null) {
        const positionInWindow = -(curWindowRightIndex - i + 1) / curWindowWidth;
        weightedScore = (scaledSigmoid(positionInWindow) * this.tpWeight) / maxTP;
      } else {
        let unweightedScore: number;
        if (prevWindowRightIndex === null || prevWindowWidth === null) {
          // No preceding window: as if very far from any window.
          unweightedScore = -1.0;
        } else {
          // NAB divides by (width - 1); a one-record window makes Python raise, here it yields the full penalty.
          const positionPastWindow = Math.abs(prevWindowRightIndex - i) / (prevWindowWidth - 1);
          unweightedScore = scaledSigmoid(positionPastWindow);
        }
        weightedScore = unweightedScore * this.fpWeight;
      }

      const pointWindowName = i >= probation ? curWindowName : PROBATIONARY;
      anomalyList.push({
        timestamp: curTime,
        anomalyScore: curAnomaly,
        sweepScore: weightedScore,
        windowName: pointWindowName,
      });

      if (curWindow !== null && curTime === curWindow[1]) {
        prevWindowRightIndex = i;
        prevWindowWidth = curWindowWidth;
        curWindow = null;
        curWindowName = null;
      }
    }
    return anomalyList;
  }

  /** Score at every distinct threshold, from "nothing detected" (1.1) down to the lowest anomaly score. */
  calcScoreByThreshold(anomalyList: readonly AnomalyPoint[]): ThresholdScore[] {
    const scorable = prepAnomalyListForScoring(anomalyList);
    // Insertion order matters only for float summation order, which we keep identical to NAB's dict.
    const scoreParts = new Map<string, number>([['fp', 0]]);
    for (const row of scorable) {
      if (row.windowName !== null && row.windowName !== PROBATIONARY)
        scoreParts.set(row.windowName, -this.fnWeight);
    }
    const sumParts = (): number => {
      let s = 0;
      for (const v of scoreParts.values()) s += v;
      return s;
    };

    const scoresByThreshold: ThresholdScore[] = [];
    let curThreshold = 1.1;
    let tn = 0;
    let fn = 0;
    for (const x of scorable) {
      if (x.windowName === null) tn++;
      else fn++;
    }
    let tp = 0;
    let fp = 0;

    for (const point of scorable) {
      if (point.anomalyScore !== curThreshold) {
        scoresByThreshold.push({
          threshold: curThreshold,
          score: sumParts(),
          tp,
          tn,
          fp,
          fn,
          total: tp + tn + fp + fn,
        });
        curThreshold = point.anomalyScore;
      }
      if (point.windowName !== null) {
        tp++;
        fn--;
        scoreParts.set(point.windowName, Math.max(scoreParts.get(point.windowName)!, point.sweepScore));
      } else {
        fp++;
        tn--;
        scoreParts.set('fp', scoreParts.get('fp')! + point.sweepScore);
      }
    }
    scoresByThreshold.push({
      threshold: curThreshold,
      score: sumParts(),
      tp,
      tn,
      fp,
      fn,
      total: tp + tn + fp + fn,
    });
    return scoresByThreshold;
  }

  /** Score one file at a given threshold; returns the per-record sweep scores and the matching threshold row. */
  scoreDataSet(
    timestamps: readonly number[],
    anomalyScores: readonly number[],
    windowLimits: readonly WindowLimits[],
    dataSetName: string,
    threshold: number,
  ): { scores: number[]; row: ThresholdScore | null } {
    const anomalyList = this.calcSweepScore(timestamps, anomalyScores, windowLimits, dataSetName);
    const byThreshold = this.calcScoreByThreshold(anomalyList);
    let matching: ThresholdScore | null = null;
    let prev: ThresholdScore | null = null;
    let found = false;
    for (const ts of byThreshold) {
      if (ts.threshold === threshold) {
        matching = ts;
        found = true;
        break;
      } else if (ts.threshold < threshold) {
        matching = prev;
        found = true;
        break;
      }
      prev = ts;
    }
    // Every record scores at or above the threshold: NAB returns None here (and then crashes); the meaning is
    // "all records detected", which is the last row.
    if (!found) matching = prev;
    return { scores: anomalyList.map((p) => p.sweepScore), row: matching };
  }
}

/** Drop probationary records and sort by anomaly score, highest first (stable, as Python's `sorted`). */
export function prepAnomalyListForScoring(list: readonly AnomalyPoint[]): AnomalyPoint[] {
  return list.filter((x) => x.windowName !== PROBATIONARY).sort((a, b) => b.anomalyScore - a.anomalyScore);
}

function indexOrThrow(timestamps: readonly number[], t: number): number {
  const i = timestamps.indexOf(t);
  if (i < 0) throw new Error(`window limit ${new Date(t).toISOString()} is not a timestamp of the data file`);
  return i;
}
