import { describe, expect, it } from 'vitest';
import type { WindowAggregate } from '@self-healing/schemas';
import { createSeriesDetector, restoreSeriesDetector, scoreSeries } from './detector.js';
import type {
  PointResult,
  SeriesDetectorOptions,
  SeriesDetectorState,
  SeriesDetectorStateV2,
  SeriesDetectorStateV3,
} from './detector.js';
import { PerformanceMonitor } from './aggregates.js';
import { RollingSortedWindow } from './robust.js';

const STEP = 5 * 60_000;
const DAY_POINTS = 288;
const T0 = Date.UTC(2024, 0, 1); // a Monday, midnight UTC

/** Deterministic noise in [-1, 1] (a small LCG), so tests do not depend on Math.random. */
function noise(seed = 1): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  };
}

function series(n: number, f: (i: number, t: number) => number): { ts: number[]; vs: number[] } {
  const ts = Array.from({ length: n }, (_, i) => T0 + i * STEP);
  return { ts, vs: ts.map((t, i) => f(i, t)) };
}

const onsets = (rs: PointResult[]) => rs.map((r, i) => ({ r, i })).filter(({ r }) => r.finding?.onset);

/**
 * Six days of a daily sine with noise and one spike on day six, and a detector fed the first four days and a bit:
 * what the restore tests continue from.
 */
function dailySeriesHalfScored(seed: number, options: Partial<SeriesDetectorOptions> = {}) {
  const rnd = noise(seed);
  const { ts, vs } = series(
    6 * DAY_POINTS,
    (i, t) =>
      100 +
      20 * Math.sin((2 * Math.PI * (t - T0)) / 86_400_000) +
      3 * rnd() +
      (i === 5 * DAY_POINTS ? 80 : 0),
  );
  const cut = 4 * DAY_POINTS + 17;
  const original = createSeriesDetector(options);
  for (let i = 0; i < cut; i++) original.update(ts[i]!, vs[i]!);
  return { ts, vs, cut, original };
}

describe('RollingSortedWindow', () => {
  it('keeps the last n values with their median, MAD, range and mid-rank', () => {
    const w = new RollingSortedWindow(5);
    for (const x of [1, 2, 3, 4, 100, 5]) w.push(x);
    expect(w.values()).toEqual([2, 3, 4, 100, 5]);
    expect(w.median()).toBe(4);
    expect(w.mad()).toBe(1); // |x - 4| = 2,1,0,96,1 -> median 1
    expect([w.min(), w.max()]).toEqual([2, 100]);
    expect(w.cdf(4)).toBe(0.5);
  });
});

describe('performance detector', () => {
  it('given a level shift, then it fires once at the shift, as a level shift against the old baseline', () => {
    const rnd = noise(7);
    const shiftAt = 3 * DAY_POINTS;
    const { ts, vs } = series(4 * DAY_POINTS, (i) => (i < shiftAt ? 100 : 130) + 2 * rnd());
    const rs = scoreSeries(ts, vs);

    expect(rs[shiftAt]!.score).toBeGreaterThan(0.9);
    const firstOnsets = onsets(rs).filter(({ i }) => i >= DAY_POINTS);
    expect(firstOnsets[0]!.i).toBe(shiftAt);
    const shift = onsets(rs).find(({ r }) => r.finding!.rule === 'level-shift')!;
    expect(shift.r.finding).toMatchObject({ since: ts[shiftAt], direction: 'up' });
    expect(shift.r.finding!.baseline).toBeCloseTo(100, 0);
    expect(shift.r.finding!.deviation).toBeGreaterThan(6);
    // One incident, one episode: every onset after the shift belongs to the episode that began at the shift.
    expect(
      new Set(
        onsets(rs)
          .filter(({ i }) => i >= shiftAt)
          .map(({ r }) => r.finding!.since),
      ),
    ).toEqual(new Set([ts[shiftAt]]));
  });

  it('given a single spike, then that point scores high and is reported as a spike, and the next ones are not', () => {
    const rnd = noise(3);
    const at = 2 * DAY_POINTS + 100;
    const { ts, vs } = series(3 * DAY_POINTS, (i) => (i === at ? 160 : 100 + 2 * rnd()));
    const rs = scoreSeries(ts, vs);
    expect(rs[at]!.score).toBeGreaterThan(0.9);
    expect(rs[at]!.finding).toMatchObject({
      rule: 'spike',
      direction: 'up',
      onset: true,
      since: ts[at],
      observed: 160,
    });
    expect(rs[at + 1]!.finding).toBeUndefined();
    expect(Math.max(...rs.slice(at + 1).map((r) => r.score))).toBeLessThan(0.6);
  });

  it('given a slow drift, then it never reports a spike or drop', () => {
    const rnd = noise(11);
    // +30% over three days, about 0.03 noise-sigmas per step.
    const { ts, vs } = series(
      4 * DAY_POINTS,
      (i) => 100 + (i > DAY_POINTS ? (30 * (i - DAY_POINTS)) / (3 * DAY_POINTS) : 0) + 2 * rnd(),
    );
    const rs = scoreSeries(ts, vs);
    const rules = onsets(rs).map(({ r }) => r.finding!.rule);
    expect(rules.filter((r) => r === 'spike' || r === 'drop')).toEqual([]);
    // Leaving the week's range slowly is a level change, if anything; single points never stand out.
    expect(rules.every((r) => r === 'level-shift')).toBe(true);
    expect(rs.filter((r) => r.finding?.scaleName === 'point')).toEqual([]);
  });

  it('given a daily seasonal series, then normal peaks do not fire but an off-season spike does', () => {
    const rnd = noise(5);
    const daily = (t: number) =>
      100 + 50 * Math.sin((2 * Math.PI * ((t - T0) % 86_400_000)) / 86_400_000 - Math.PI / 2);
    const spikeAt = 7 * DAY_POINTS + 36; // 03:00 on day 8, when the daily curve is near its low (~63)
    const { ts, vs } = series(8 * DAY_POINTS, (i, t) => (i === spikeAt ? 140 : daily(t) + 2 * rnd()));
    const rs = scoreSeries(ts, vs);

    // 140 at night is well inside the daily range (50..150): only the seasonal baseline makes it anomalous.
    expect(rs[spikeAt]!.baselineKind).toBe('daily');
    expect(rs[spikeAt]!.finding).toMatchObject({ rule: 'spike', direction: 'up', onset: true });
    expect(rs[spikeAt]!.score).toBeGreaterThan(0.9);
    // The peaks of days 5 to 8 (after the profile is learned) never open an episode.
    const later = onsets(rs).filter(({ i }) => i >= 4 * DAY_POINTS && i !== spikeAt);
    expect(later).toEqual([]);
  });

  it('given a baseline full of outliers, then the baseline stays put and a moderate level shift is still found', () => {
    const rnd = noise(13);
    const shiftAt = 4 * DAY_POINTS;
    // 3% of points are wild outliers (x10) before the shift.
    const { ts, vs } = series(5 * DAY_POINTS, (i) => {
      const base = i < shiftAt ? 100 : 115;
      return Math.abs(rnd()) < 0.03 && i < shiftAt ? 1000 : base + 2 * rnd();
    });
    const rs = scoreSeries(ts, vs);
    const shift = onsets(rs).find(({ i, r }) => i >= shiftAt && r.finding!.rule === 'level-shift');
    expect(shift).toBeDefined();
    expect(shift!.i - shiftAt).toBeLessThanOrEqual(6);
    expect(shift!.r.finding!.baseline).toBeGreaterThan(98);
    expect(shift!.r.finding!.baseline).toBeLessThan(102);
  });

  it('given a detector serialised to JSON and restored, then it scores the rest of the series identically', () => {
    const { ts, vs, cut, original } = dailySeriesHalfScored(17);
    const restored = restoreSeriesDetector(
      JSON.parse(JSON.stringify(original.state())) as SeriesDetectorState,
    );
    const a: PointResult[] = [];
    const b: PointResult[] = [];
    for (let i = cut; i < ts.length; i++) {
      a.push(original.update(ts[i]!, vs[i]!));
      b.push(restored.update(ts[i]!, vs[i]!));
    }
    expect(b).toEqual(a);
    expect(a.some((r) => r.finding?.onset)).toBe(true);
  });

  it('given non-seasonal noise, then the daily profile is never preferred to the level', () => {
    // Before the error comparison averaged a new baseline's first points evenly, the daily profile's first error
    // weighed a third a day later, and on 8 of 30 of these series it won by chance and stayed selected.
    for (let seed = 1; seed <= 20; seed++) {
      const rnd = noise(seed);
      const { ts, vs } = series(6 * DAY_POINTS, () => 100 + 2 * rnd());
      const kinds = new Set(scoreSeries(ts, vs).map((r) => r.baselineKind));
      expect([seed, [...kinds]]).toEqual([seed, [null, 'level']]);
    }
    // Twenty six-day series: CPU-bound, slow on a loaded machine (no timing is asserted).
  }, 60_000);

  /** The state a version 3 detector (no likelihood) would have saved after the same points. */
  function asV3(state: SeriesDetectorState): SeriesDetectorStateV3 {
    const { likelihood, likelihoodScores, options, ...rest } = structuredClone(state);
    const { likelihood: enabled, ...v3Options } = options;
    expect([enabled, likelihood.history, likelihoodScores]).toEqual([false, [], []]);
    return { ...rest, options: v3Options, version: 3 };
  }

  /**
   * A restored old state learns the likelihood from scratch, which scores nothing for `minHistoryMs` (a day): for
   * that day it must score exactly like the old detector, i.e. one without the likelihood.
   */
  function continuesLikeOld(
    ts: number[],
    vs: number[],
    cut: number,
    original: ReturnType<typeof createSeriesDetector>,
    restored: ReturnType<typeof createSeriesDetector>,
  ) {
    expect(restored.state().version).toBe(4);
    expect(restored.state().options.likelihood).toBe(true);
    const a: PointResult[] = [];
    const b: PointResult[] = [];
    for (let i = cut; i < cut + DAY_POINTS; i++) {
      a.push(original.update(ts[i]!, vs[i]!));
      b.push(restored.update(ts[i]!, vs[i]!));
    }
    expect(b).toEqual(a);
    expect(a.some((r) => r.finding?.onset)).toBe(true);
  }

  it('given a version 3 state (before the likelihood), then it restores and scores like the detector it came from', () => {
    const { ts, vs, cut, original } = dailySeriesHalfScored(29, { likelihood: false });
    const v3 = asV3(JSON.parse(JSON.stringify(original.state())) as SeriesDetectorState);
    continuesLikeOld(ts, vs, cut, original, restoreSeriesDetector(v3));
  });

  it('given a version 2 state (before error counts), then it restores and scores like the detector it came from', () => {
    const { ts, vs, cut, original } = dailySeriesHalfScored(31, { likelihood: false });
    const { errCount, ...rest } = asV3(JSON.parse(JSON.stringify(original.state())) as SeriesDetectorState);
    expect(errCount.level).toBeGreaterThan(DAY_POINTS);
    continuesLikeOld(
      ts,
      vs,
      cut,
      original,
      restoreSeriesDetector({ ...rest, version: 2 } as SeriesDetectorStateV2),
    );
  });

  it('given two hours of points in the top tenth of the range, none beyond it, then only the likelihood ranks the run above the quiet day before', () => {
    // Uniform noise sets a new weekly record now and then by chance, so the quiet day has scores above 0.5 too.
    for (const seed of [1, 2, 3]) {
      const rnd = noise(seed);
      const runAt = 4 * DAY_POINTS;
      const { ts, vs } = series(5 * DAY_POINTS, (i) => {
        const u = (rnd() + 1) / 2;
        return i >= runAt && i < runAt + 24 ? 90 + 10 * u : 100 * u;
      });
      const peak = (rs: PointResult[], from: number, to: number) =>
        Math.max(...rs.slice(from, to).map((r) => r.score));
      // A week's history (the default is two): the test is of the likelihood against a week of chance records.
      const week = { historyMs: 7 * DAY_POINTS * STEP };
      const withLikelihood = scoreSeries(ts, vs, week);
      const without = scoreSeries(ts, vs, { ...week, likelihood: false });
      expect(peak(withLikelihood, runAt, runAt + 30)).toBeGreaterThan(
        peak(withLikelihood, 3 * DAY_POINTS, runAt),
      );
      expect(peak(without, runAt, runAt + 30)).toBeLessThanOrEqual(peak(without, 3 * DAY_POINTS, runAt));
      // No finding either way: an onset needs a point 3 robust sigmas from the baseline, and the run stays inside.
      expect(withLikelihood.some((r) => r.finding)).toBe(false);
      expect(without.some((r) => r.finding)).toBe(false);
    }
  });

  it('given a noisy level shift, then the likelihood is named when it is the stronger evidence, without opening more episodes than the channels do', () => {
    let named = 0;
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const rnd = noise(seed);
      const shiftAt = 4 * DAY_POINTS;
      const { ts, vs } = series(5 * DAY_POINTS, (i) =>
        i >= shiftAt ? 110 + 10 * rnd() : 100 + 4 * (rnd() + rnd() + rnd()),
      );
      const withLikelihood = onsets(scoreSeries(ts, vs));
      const without = onsets(scoreSeries(ts, vs, { likelihood: false }));
      expect(withLikelihood.map(({ i }) => i)).toEqual(without.map(({ i }) => i));
      for (const { r } of withLikelihood.filter(({ r }) => r.finding!.scaleName === 'likelihood')) {
        named++;
        expect(r.finding).toMatchObject({ rule: 'level-shift', direction: 'up' });
        // Rarer than a weekly record among a week's independent half-hour means (one in 337).
        expect(r.finding!.tailProbability).toBeLessThan(1 / 337);
      }
    }
    expect(named).toBeGreaterThan(0);
  });

  it('ignores non-finite values and out-of-order timestamps', () => {
    const d = createSeriesDetector();
    d.update(T0, 1);
    expect(d.update(T0 + STEP, Number.NaN).score).toBe(0);
    expect(d.update(T0 - STEP, 5).score).toBe(0);
    expect(d.state().count).toBe(1);
  });
});

describe('PerformanceMonitor over window aggregates', () => {
  const agg = (i: number, p95: number, count = 50, errorCount = 0): WindowAggregate => ({
    service: 'checkout',
    templateId: 't1',
    template: 'GET /cart took <*> ms',
    windowStart: T0 + i * 60_000,
    windowMs: 60_000,
    count,
    errorCount,
    latency: { p50: p95 / 2, p95, p99: p95 * 1.2, max: p95 * 1.5, count },
    latencySketch: null,
    firstSeen: T0 + i * 60_000,
    lastSeen: T0 + i * 60_000 + 59_000,
    newTemplate: i === 0,
  });

  it('turns a lasting latency rise into a latency-shift finding that explains itself', () => {
    const rnd = noise(19);
    const n = 2 * 1440;
    const shiftAt = 1440 + 600;
    const aggregates = Array.from({ length: n }, (_, i) =>
      agg(i, (i < shiftAt ? 200 : 320) + 10 * rnd(), 50 + Math.round(5 * rnd())),
    );
    const findings = new PerformanceMonitor().observe(aggregates);
    const latency = findings.filter((f) => f.subject === 't1:latency.p95');
    const shift = latency.find((f) => f.rule === 'latency-shift');
    expect(shift).toBeDefined();
    expect(shift).toMatchObject({
      kind: 'performance',
      service: 'checkout',
      templateIds: ['t1'],
      since: T0 + shiftAt * 60_000,
    });
    expect(shift!.magnitude).toBeGreaterThan(5);
    expect(shift!.explanation).toMatch(
      /latency\.p95 of checkout .* rose to 3\d\d\.?\d* ms against a median of (19\d|20\d)/,
    );
    expect(shift!.evidence).toMatchObject({ metric: 'latency.p95', direction: 'up' });
    // Deterministic ids: the same input gives the same findings.
    expect(new PerformanceMonitor().observe(aggregates).map((f) => f.id)).toEqual(findings.map((f) => f.id));
  });

  it('treats missing windows as zero traffic, so a stop in throughput is a drop', () => {
    const rnd = noise(23);
    const aggregates = Array.from({ length: 1440 + 300 }, (_, i) =>
      agg(i, 200 + 10 * rnd(), 50 + Math.round(5 * rnd())),
    );
    // Traffic stops for 30 minutes, then resumes.
    const withGap = aggregates.filter((_, i) => i < 1600 || i >= 1630);
    const findings = new PerformanceMonitor().observe(withGap);
    const drop = findings.find(
      (f) => f.subject === 't1:throughput' && (f.rule === 'drop' || f.rule === 'level-shift'),
    );
    expect(drop).toBeDefined();
    expect(drop!.since).toBe(T0 + 1600 * 60_000);
    expect(drop!.evidence.direction).toBe('down');
  });

  it('resumes from its state without repeating or losing findings', () => {
    const rnd = noise(29);
    const aggregates = Array.from({ length: 1440 + 700 }, (_, i) =>
      agg(i, (i < 1440 + 600 ? 200 : 400) + 10 * rnd()),
    );
    const whole = new PerformanceMonitor().observe(aggregates).map((f) => f.id);
    const first = new PerformanceMonitor();
    const a = first.observe(aggregates.slice(0, 1500)).map((f) => f.id);
    const resumed = new PerformanceMonitor({}, JSON.parse(JSON.stringify(first.state())));
    const b = resumed.observe(aggregates.slice(1500)).map((f) => f.id);
    expect([...a, ...b]).toEqual(whole);
    expect(whole.length).toBeGreaterThan(0);
  });
});

describe('performance detector: sampling interval', () => {
  const HOUR = 3600_000;
  const hourly = (n: number, f: (i: number) => number) => {
    const ts = Array.from({ length: n }, (_, i) => T0 + i * HOUR);
    return { ts, vs: ts.map((_, i) => f(i)) };
  };
  const alarms = (rs: PointResult[]) => onsets(rs).length;

  it('given hourly noise, then its windows keep the point counts of 5-minute data and chance records are as rare per point', () => {
    let withReference = 0;
    let timeOnly = 0;
    let fiveMinute = 0;
    let highWithReference = 0;
    let highTimeOnly = 0;
    const high = (rs: PointResult[]) => rs.filter((r) => r.score > 0.6).length;
    for (const seed of [1, 2, 3]) {
      const rnd = noise(seed);
      const { ts, vs } = hourly(120 * 24, () => 100 + 10 * rnd());
      const withRef = scoreSeries(ts, vs);
      const timeSpans = scoreSeries(ts, vs, { referenceStepMs: 0 });
      withReference += alarms(withRef);
      timeOnly += alarms(timeSpans);
      highWithReference += high(withRef);
      highTimeOnly += high(timeSpans);
      const rnd5 = noise(seed);
      const five = series(120 * 24, () => 100 + 10 * rnd5());
      fiveMinute += alarms(scoreSeries(five.ts, five.vs));
    }
    // Two weeks of hourly points hold 336 values, whose range uniform noise leaves about once in 337 points; the
    // 4032 values of two weeks at 5 minutes, twelve times less often.
    expect(timeOnly).toBeGreaterThan(5);
    expect(withReference).toBeLessThanOrEqual(fiveMinute);
    expect(highTimeOnly).toBeGreaterThan(highWithReference);
  });

  it('given an irregular first interval, then the step is the median of the first intervals', () => {
    const d = createSeriesDetector();
    const ts = [T0, T0 + 1000, ...Array.from({ length: 20 }, (_, i) => T0 + 1000 + (i + 1) * STEP)];
    for (const t of ts) d.update(t, 1);
    expect(d.state().stepMs).toBe(STEP);
    expect(d.state().count).toBe(ts.length);
    expect(createSeriesDetector({ stepSamples: 1 }).update(T0, 1).score).toBe(0);
  });

  it('given a saved state without the sampling options, then it restores with the behaviour it was saved with', () => {
    const { ts, vs, cut, original } = dailySeriesHalfScored(7);
    const saved = JSON.parse(JSON.stringify(original.state())) as SeriesDetectorState;
    const { referenceStepMs, stepSamples, ...older } = saved.options;
    expect([referenceStepMs, stepSamples]).toEqual([5 * 60_000, 8]);
    const restored = restoreSeriesDetector({ ...saved, options: older as SeriesDetectorState['options'] });
    expect(restored.state().options).toMatchObject({ referenceStepMs: 0, stepSamples: 1 });
    // At a 5-minute step the reference changes nothing: it continues like the original.
    for (let i = cut; i < ts.length; i++)
      expect(restored.update(ts[i]!, vs[i]!)).toEqual(original.update(ts[i]!, vs[i]!));
  });
});
