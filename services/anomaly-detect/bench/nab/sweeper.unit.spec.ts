import { describe, expect, it } from 'vitest';
import { NAB_PROFILES } from './profiles.js';
import { Sweeper, probationaryLength, scaledSigmoid } from './sweeper.js';
import {
  categoryOf,
  categoryScores,
  evaluateProfile,
  normalizeScore,
  nullDetectorScore,
  optimizeThreshold,
} from './corpus.js';
import { parseNabTimestamp, resampleSeries, windowLabels } from './labels.js';

// Hand-computed values: sigma(x) = 1 / (1 + e^-x); scaledSigmoid(p) = 2 sigma(-5p) - 1.
const MAX_TP = 0.9866142981514305; // 2 sigma(5) - 1
const sig = (x: number) => 1 / (1 + Math.exp(-x));

// 20 records one second apart; probation = floor(0.15 * 20) = 3 records; one window over records 10..14 (width 5).
const ts = Array.from({ length: 20 }, (_, i) => i * 1000);
const window = [[10_000, 14_000]] as const;
const scoresWith = (detections: Record<number, number>) => ts.map((_, i) => detections[i] ?? 0);
const standard = new Sweeper(NAB_PROFILES.standard);

function scoreAt(
  sweeper: Sweeper,
  scores: number[],
  threshold: number,
  windows: readonly (readonly [number, number])[] = window,
) {
  const { row } = sweeper.scoreDataSet(ts, scores, windows, 'f.csv', threshold);
  return row!.score;
}

describe('scaledSigmoid', () => {
  it('is ~0.98661 at the left edge, 0 at the right edge, -1 beyond three window lengths', () => {
    expect(scaledSigmoid(-1)).toBeCloseTo(0.98661, 5);
    expect(scaledSigmoid(-0.5)).toBeCloseTo(0.84828, 5);
    expect(scaledSigmoid(0)).toBe(0);
    expect(scaledSigmoid(1)).toBeCloseTo(-0.98661, 5);
    expect(scaledSigmoid(3.01)).toBe(-1);
  });
});

describe('probationaryLength', () => {
  it('is 15% of the rows, capped at 750', () => {
    expect(probationaryLength(20)).toBe(3);
    expect(probationaryLength(4032)).toBe(604);
    expect(probationaryLength(10_000)).toBe(750);
  });
});

describe('Sweeper: one file, standard profile', () => {
  it('given a detection on the first record of the window, when scored, then it earns the full tpWeight', () => {
    expect(scoreAt(standard, scoresWith({ 10: 1 }), 1)).toBeCloseTo(1, 12);
  });

  it('given a later detection, then it earns the scaled sigmoid of -(right - i + 1) / width, over maxTP', () => {
    // i = 12: position -(14 - 12 + 1) / 5 = -0.6 -> 2 sigma(3) - 1 = 0.905148..., / 0.986614... = 0.917430
    expect(scoreAt(standard, scoresWith({ 12: 1 }), 1)).toBeCloseTo((2 * sig(3) - 1) / MAX_TP, 12);
    expect(scoreAt(standard, scoresWith({ 12: 1 }), 1)).toBeCloseTo(0.91743, 5);
  });

  it('given two detections in a window, then only the first counts', () => {
    // i = 11: position -0.8 -> (2 sigma(4) - 1) / maxTP = 0.977108; the detection at 13 adds nothing.
    expect(scoreAt(standard, scoresWith({ 11: 1, 13: 1 }), 1)).toBeCloseTo((2 * sig(4) - 1) / MAX_TP, 12);
  });

  it('given no detection in the window, then it costs fnWeight', () => {
    expect(scoreAt(standard, scoresWith({}), 1)).toBe(-1);
    expect(scoreAt(new Sweeper(NAB_PROFILES.reward_low_FN_rate), scoresWith({}), 1)).toBe(-2);
  });

  it('given a false positive before any window, then it costs the full fpWeight on top of the missed window', () => {
    expect(scoreAt(standard, scoresWith({ 5: 1 }), 1)).toBeCloseTo(-1 - 0.11, 12);
    expect(scoreAt(new Sweeper(NAB_PROFILES.reward_low_FP_rate), scoresWith({ 5: 1 }), 1)).toBeCloseTo(
      -1 - 0.22,
      12,
    );
  });

  it('given a false positive after a window, then its cost depends on the distance past that window', () => {
    // i = 16: |14 - 16| / (5 - 1) = 0.5 -> 2 sigma(-2.5) - 1 = -0.848284; times 0.11 = -0.093311
    const expected = 1 + (2 * sig(-2.5) - 1) * 0.11;
    expect(scoreAt(standard, scoresWith({ 10: 1, 16: 1 }), 1)).toBeCloseTo(expected, 12);
    expect(expected).toBeCloseTo(1 - 0.093311, 5);
  });

  it('given a detection inside the probationary period, then it is ignored', () => {
    expect(scoreAt(standard, scoresWith({ 2: 1, 10: 1 }), 1)).toBeCloseTo(1, 12);
  });

  it('given a window inside the probationary period, then it is neither a TP nor a FN', () => {
    expect(scoreAt(standard, scoresWith({}), 1, [[0, 2000]])).toBe(0);
    // Window over records 1..4 with probation 3: records 3 and 4 are scorable, so missing it costs fnWeight,
    // and detecting at record 3 earns position -(4 - 3 + 1) / 4 = -0.5.
    expect(scoreAt(standard, scoresWith({}), 1, [[1000, 4000]])).toBe(-1);
    expect(scoreAt(standard, scoresWith({ 3: 1 }), 1, [[1000, 4000]])).toBeCloseTo(
      (2 * sig(2.5) - 1) / MAX_TP,
      12,
    );
  });

  it('treats a record as detected when its score is >= the threshold', () => {
    const s = scoresWith({ 12: 0.7 });
    expect(scoreAt(standard, s, 0.7)).toBeCloseTo(0.91743, 5);
    expect(scoreAt(standard, s, 0.5)).toBeCloseTo(0.91743, 5);
    expect(scoreAt(standard, s, 0.71)).toBe(-1);
  });
});

describe('threshold sweep', () => {
  it('lists the score at every distinct anomaly score and picks the best across files', () => {
    const sweeper = new Sweeper(NAB_PROFILES.standard);
    const scores = scoresWith({ 12: 0.9, 5: 0.8 });
    const rows = sweeper.calcScoreByThreshold(sweeper.calcSweepScore(ts, scores, window, 'f.csv'));
    expect(rows.map((r) => r.threshold)).toEqual([1.1, 0.9, 0.8, 0]);
    expect(rows[0]!.score).toBe(-1);
    expect(rows[1]!.score).toBeCloseTo(0.91743, 5);
    expect(rows[2]!.score).toBeCloseTo(0.91743 - 0.11, 5);
    // threshold 0 detects everything: the window's first record (1.0), 7 FPs before it at -0.11 each, and the
    // 5 after it at 0.11 * scaledSigmoid(|14 - i| / 4).
    let after = 0;
    for (let i = 15; i < 20; i++) after += 0.11 * scaledSigmoid((i - 14) / 4);
    expect(rows[3]!.score).toBeCloseTo(1 - 7 * 0.11 + after, 12);
    expect(rows[1]).toMatchObject({ tp: 1, fp: 0, fn: 4, tn: 12, total: 17 });
    expect(
      optimizeThreshold(
        [{ relativePath: 'f.csv', timestamps: ts, anomalyScores: scores, windows: window }],
        NAB_PROFILES.standard,
      ).threshold,
    ).toBe(0.9);
  });
});

describe('normalisation', () => {
  it('maps the null detector to 0 and the perfect detector to 100', () => {
    expect(normalizeScore(-30, -30, 30, 1)).toBe(0);
    expect(normalizeScore(30, -30, 30, 1)).toBe(100);
    expect(normalizeScore(0, -60, 30, 1)).toBeCloseTo(66.6667, 4);
  });

  it('computes the null baseline as fnWeight per scorable window and scores a perfect detector 100', () => {
    const files = [
      { relativePath: 'a.csv', timestamps: ts, anomalyScores: scoresWith({ 10: 1 }), windows: window },
      {
        relativePath: 'b.csv',
        timestamps: ts,
        anomalyScores: scoresWith({ 6: 1, 15: 1 }),
        windows: [
          [6000, 8000],
          [15_000, 17_000],
        ] as const,
      },
    ];
    expect(nullDetectorScore(files, NAB_PROFILES.reward_low_FN_rate)).toBe(-6);
    const result = evaluateProfile(files, 'standard');
    expect(result.nullScore).toBe(-3);
    expect(result.rawScore).toBeCloseTo(3, 12);
    expect(result.normalizedScore).toBeCloseTo(100, 10);
  });
});

describe('labels', () => {
  it('parses NAB timestamps as UTC and labels records inside windows inclusively', () => {
    expect(parseNabTimestamp('2014-02-26 13:45:00.000000')).toBe(Date.UTC(2014, 1, 26, 13, 45, 0));
    expect(parseNabTimestamp('2014-02-26 13:45:00')).toBe(Date.UTC(2014, 1, 26, 13, 45, 0));
    expect(windowLabels([1, 2, 3, 4], [[2, 3]])).toEqual([0, 1, 1, 0]);
  });
});

describe('fixed thresholds and categories', () => {
  const file = (relativePath: string, detections: Record<number, number>) => ({
    relativePath,
    timestamps: ts,
    anomalyScores: scoresWith(detections),
    windows: window,
  });

  it('given a fixed threshold, when scored, then it is applied as given instead of optimised on the labels', () => {
    const files = [file('a/x.csv', { 12: 0.9, 5: 0.8 })];
    expect(evaluateProfile(files, 'standard').threshold).toBe(0.9);
    const fixed = evaluateProfile(files, 'standard', undefined, 0.8);
    expect(fixed.threshold).toBe(0.8);
    expect(fixed.rawScore).toBeCloseTo(0.91743 - 0.11, 5);
  });

  it('scores each category at the corpus threshold, normalised on its own windows; no windows, no normalised score', () => {
    const files = [
      file('a/x.csv', { 10: 1 }),
      file('b/y.csv', {}),
      { ...file('c/z.csv', { 5: 1 }), windows: [] as const },
    ];
    const result = evaluateProfile(files, 'standard');
    const byCategory = categoryScores(files, result);
    expect(Object.keys(byCategory)).toEqual(['a', 'b', 'c']);
    expect(byCategory.a!.normalizedScore).toBeCloseTo(100, 10);
    expect(byCategory.b!.normalizedScore).toBeCloseTo(0, 10);
    expect(byCategory.c).toMatchObject({ windows: 0, normalizedScore: null, rawScore: -0.11 });
    expect(categoryOf('realTweets/Twitter_volume_AAPL.csv')).toBe('realTweets');
  });
});

describe('resampleSeries', () => {
  it('averages each bucket, stamps it at its start and widens windows to whole buckets', () => {
    const minute = 60_000;
    const series = { timestamps: [0, 5, 10, 15, 20].map((m) => m * minute), values: [1, 3, 5, 7, 9] };
    const out = resampleSeries(series, [[5 * minute, 15 * minute]], 10 * minute);
    expect(out.series).toEqual({ timestamps: [0, 10 * minute, 20 * minute], values: [2, 6, 9] });
    expect(out.windows).toEqual([[0, 10 * minute]]);
  });
});
