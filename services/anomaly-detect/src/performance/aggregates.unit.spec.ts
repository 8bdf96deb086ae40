import { DDSketch } from '@datadog/sketches-js';
import { describe, expect, it } from 'vitest';
import type { WindowAggregate } from '@self-healing/schemas';
import { HOUR_SCALE_DETECTOR_OPTIONS } from './detector.js';
import { PerformanceMonitor, binomialTail, countAbove, poissonTail, shareAboveP95 } from './aggregates.js';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;

/** Deterministic uniform numbers in [0, 1) (mulberry32). */
function uniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(u: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/** One window of a template whose requests took `durations` ms, with the sketch the parse stage would attach. */
function windowOf(i: number, durations: readonly number[]): WindowAggregate {
  const sketch = new DDSketch({ relativeAccuracy: 0.01 });
  for (const d of durations) sketch.accept(d);
  return {
    service: 'checkout',
    templateId: 't-reserve',
    template: 'reserved <*> items took <*> ms',
    windowStart: T0 + i * MIN,
    windowMs: MIN,
    count: durations.length,
    errorCount: 0,
    latency: {
      p50: sketch.getValueAtQuantile(0.5),
      p95: sketch.getValueAtQuantile(0.95),
      p99: sketch.getValueAtQuantile(0.99),
      max: Math.max(...durations),
      count: durations.length,
    },
    latencySketch: sketch.toProto(),
    firstSeen: T0 + i * MIN,
    lastSeen: T0 + i * MIN + 59_000,
    newTemplate: i === 0,
  };
}

/** 60 requests a minute, 35 ms median, log-normal spread: the sample service's reserveInventory step. */
function normalWindows(n: number, seed: number): { windows: WindowAggregate[]; next: () => number } {
  const z = normal(uniform(seed));
  const next = () => 35 * Math.exp(0.35 * z());
  return {
    windows: Array.from({ length: n }, (_, i) => windowOf(i, Array.from({ length: 60 }, next))),
    next,
  };
}

const hourScale = () => new PerformanceMonitor({ detector: HOUR_SCALE_DETECTOR_OPTIONS });
const latencyFindings = (m: PerformanceMonitor, ws: readonly WindowAggregate[]) =>
  m.observe(ws).filter((f) => f.evidence['metric'] === 'latency.p95');

describe('exact tails', () => {
  it('give the Poisson and binomial tail probabilities', () => {
    // Reference values summed exactly (Python, math.comb / factorial).
    expect(poissonTail(12, 5, 'upper')).toBeCloseTo(0.005453091913009356, 12);
    expect(poissonTail(23, 58, 'lower')).toBeCloseTo(1.476386822167124e-7, 15);
    expect(poissonTail(1000, 1000, 'upper')).toBeCloseTo(0.5042052441803346, 9);
    expect(binomialTail(9, 60, 0.05, 'upper')).toBeCloseTo(0.0028486058021656977, 12);
    expect(binomialTail(3, 60, 0.05, 'upper')).toBeCloseTo(0.5825642313398343, 9);
    expect(binomialTail(23, 116, 0.5, 'lower')).toBeCloseTo(1.7985730961645798e-11, 18);
  });

  it('are 1 on the whole range and 0 beyond it', () => {
    expect(binomialTail(0, 10, 0.1, 'upper')).toBe(1);
    expect(binomialTail(11, 10, 0.1, 'upper')).toBe(0);
    expect(binomialTail(10, 10, 0.1, 'lower')).toBe(1);
    expect(poissonTail(0, 3, 'upper')).toBe(1);
  });
});

describe('shareAboveP95', () => {
  it("is what a small window's p95 leaves above it on average, never below 5%", () => {
    // The sketch's p95 of 60 requests is the 57th smallest: on average 1 - 57/61 of the distribution lies above.
    expect(shareAboveP95(60)).toBeCloseTo(1 - 57 / 61, 12);
    expect(shareAboveP95(100_000)).toBeCloseTo(0.05, 4);
    expect(shareAboveP95(1)).toBeGreaterThanOrEqual(0.05);
  });
});

describe('countAbove', () => {
  it('counts the sketched values in buckets wholly above a threshold', () => {
    const sketch = new DDSketch({ relativeAccuracy: 0.01 });
    for (const v of [10, 20, 30, 40, 100, 200]) sketch.accept(v);
    expect(countAbove(sketch.toProto(), 35)).toEqual({ above: 3, total: 6 });
    // The bucket holding the threshold is not counted: within the sketch's accuracy it may be either side.
    expect(countAbove(sketch.toProto(), 40)).toEqual({ above: 2, total: 6 });
  });
});

describe('PerformanceMonitor: a window is a sample', () => {
  it('given hours of steady traffic whose p95 comes from 60 requests a minute, then no latency finding', () => {
    const { windows } = normalWindows(6 * 60, 11);
    expect(latencyFindings(hourScale(), windows)).toEqual([]);
  });

  it('given a p95 pushed up by a handful of slow requests, then it is chance, not a regression', () => {
    const { windows, next } = normalWindows(120, 12);
    // 4 of 60 requests at 200 ms: the p95 (4th slowest) triples, but 4 slow requests where 3 are usual is chance.
    const blip = windowOf(120, [...Array.from({ length: 56 }, next), 200, 200, 200, 200]);
    expect(blip.latency!.p95).toBeGreaterThan(2.5 * windows[0]!.latency!.p95);
    const guarded = hourScale();
    latencyFindings(guarded, windows);
    expect(latencyFindings(guarded, [blip])).toEqual([]);
    // Without the test on the window's requests, the detector's novel p95 would be reported.
    const unguarded = new PerformanceMonitor({
      detector: HOUR_SCALE_DETECTOR_OPTIONS,
      chanceAlarmEveryMs: 0,
    });
    latencyFindings(unguarded, windows);
    expect(latencyFindings(unguarded, [blip])).toHaveLength(1);
  });

  it('given every request twice as slow, then a latency finding naming the template', () => {
    const { windows, next } = normalWindows(120, 13);
    const slow = Array.from({ length: 10 }, (_, k) =>
      windowOf(
        120 + k,
        Array.from({ length: 60 }, () => 2 * next()),
      ),
    );
    const m = hourScale();
    expect(latencyFindings(m, windows)).toEqual([]);
    const found = latencyFindings(m, slow);
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]).toMatchObject({
      kind: 'performance',
      templateIds: ['t-reserve'],
      since: T0 + 120 * MIN,
      evidence: { direction: 'up' },
    });
  });

  it('given a quiet template going from 5 to 12 events a minute, then chance; to 40, then a finding', () => {
    const u = uniform(14);
    // Poisson(5) counts by inversion.
    const poisson = (mean: number) => {
      let k = 0;
      let p = Math.exp(-mean);
      let cdf = p;
      const x = u();
      while (x > cdf) {
        k++;
        p *= mean / k;
        cdf += p;
      }
      return k;
    };
    const counts = (i: number, count: number): WindowAggregate => ({
      ...windowOf(i, [1]),
      templateId: 't-coupon',
      count,
      latency: null,
      latencySketch: null,
    });
    const quiet = Array.from({ length: 120 }, (_, i) => counts(i, Math.min(poisson(5), 11)));
    const throughput = (m: PerformanceMonitor, ws: WindowAggregate[]) =>
      m.observe(ws).filter((f) => f.evidence['metric'] === 'throughput' && f.evidence['direction'] === 'up');
    const chance = hourScale();
    throughput(chance, quiet);
    expect(throughput(chance, [counts(120, 12)])).toEqual([]);
    const unguarded = new PerformanceMonitor({
      detector: HOUR_SCALE_DETECTOR_OPTIONS,
      chanceAlarmEveryMs: 0,
    });
    throughput(unguarded, quiet);
    expect(throughput(unguarded, [counts(120, 12)])).toHaveLength(1);
    const burst = hourScale();
    throughput(burst, quiet);
    expect(throughput(burst, [counts(120, 40)])).toHaveLength(1);
  });
});
