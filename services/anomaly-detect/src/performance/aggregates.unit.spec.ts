import { DDSketch } from '@datadog/sketches-js';
import { describe, expect, it } from 'vitest';
import type { WindowAggregate } from '@self-healing/schemas';
import { HOUR_SCALE_DETECTOR_OPTIONS } from './detector.js';
import type { PerformanceMonitorStateV1, PerformanceMonitorStateV2, PooledWindow } from './aggregates.js';
import {
  PerformanceMonitor,
  binomialTail,
  countAbove,
  poissonTail,
  pooledNull,
  shareAboveP95,
  spanAdjective,
  spanNoun,
  uncertainBinomialTail,
} from './aggregates.js';
import { prng } from '@self-healing/shared';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;

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
  const z = normal(prng(seed));
  const next = () => 35 * Math.exp(0.35 * z());
  return {
    windows: Array.from({ length: n }, (_, i) => windowOf(i, Array.from({ length: 60 }, next))),
    next,
  };
}

const hourScale = () => new PerformanceMonitor({ detector: HOUR_SCALE_DETECTOR_OPTIONS });
const latencyFindings = (m: PerformanceMonitor, ws: readonly WindowAggregate[]) =>
  m.observe(ws).filter((f) => f.evidence['metric'] === 'latency.p95');

describe('spans in explanations', () => {
  it('word the detector windows as people say them', () => {
    expect([spanNoun(7 * 24 * 3600_000), spanNoun(24 * 3600_000), spanNoun(3 * 3600_000)]).toEqual([
      'week',
      'day',
      '3 hours',
    ]);
    expect([spanAdjective(30 * MIN), spanAdjective(5 * MIN), spanAdjective(3 * 3600_000)]).toEqual([
      '30-minute',
      '5-minute',
      '3-hour',
    ]);
  });
});

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
    // Worded in the hour-scale preset's own time scales, not the default ones (a day's baseline, a week's range).
    expect(found[0]!.explanation).toMatch(/against a median of .* for the last hour /);
    expect(found[0]!.explanation).toMatch(/beyond anything in the past day by/);
  });

  it('given a quiet template going from 5 to 12 events a minute, then chance; to 40, then a finding', () => {
    const u = prng(14);
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

describe('PerformanceMonitor: evidence pooled over windows', () => {
  /** `windows` minutes from minute `from` where a `share` of the requests are `factor` times slower. */
  const slowerWindows = (
    next: () => number,
    u: () => number,
    from: number,
    windows: number,
    share: number,
    factor: number,
  ): WindowAggregate[] =>
    Array.from({ length: windows }, (_, k) =>
      windowOf(
        from + k,
        Array.from({ length: 60 }, () => next() * (u() < share ? factor : 1)),
      ),
    );
  const pooled = <F extends { evidence: Record<string, unknown> }>(fs: readonly F[]): F[] =>
    fs.filter((f) => f.evidence['detectedOn'] === 'pooled-windows');

  it('given a tenth of the requests twice as slow, then one finding pooled over windows, none from a window alone', () => {
    const { windows, next } = normalWindows(120, 21);
    const slow = slowerWindows(next, prng(22), 120, 30, 0.1, 2.5);
    const m = hourScale();
    expect(latencyFindings(m, windows)).toEqual([]);
    const found = latencyFindings(m, slow);
    expect(found).toHaveLength(1);
    const f = found[0]!;
    expect(f).toMatchObject({
      rule: 'latency-shift',
      templateIds: ['t-reserve'],
      evidence: { direction: 'up' },
    });
    expect(pooled(found)).toHaveLength(1);
    // Since: where the pool's most improbable run of last windows starts; a window just before the slowness with a
    // few slow requests by chance (here 4 above the baseline p99 where chance gives 1.7) may be taken into it.
    expect(f.since).toBeGreaterThanOrEqual(T0 + 118 * MIN);
    expect(f.since).toBeLessThanOrEqual(f.at);
    expect(f.explanation).toMatch(
      /pooled over \d+ windows: \d+ of \d+ requests slower than the baseline p9[59] where chance gives/,
    );
    expect(f.evidence['slowRequests']).toBeGreaterThan(
      Number(f.evidence['requests']) * Number(f.evidence['expectedSlowShare']),
    );
    // Each window alone is not enough: without pooling (nor the step test, which pools minutes too) the same traffic
    // gives nothing.
    const alone = new PerformanceMonitor({
      detector: HOUR_SCALE_DETECTOR_OPTIONS,
      maxPooledWindows: 0,
      latencySteps: false,
    });
    latencyFindings(alone, windows);
    expect(latencyFindings(alone, slow)).toEqual([]);
  });

  it('given hours of fault-free traffic on several seeds, then no latency finding', () => {
    for (const seed of [31, 32, 33]) {
      const { windows } = normalWindows(8 * 60, seed);
      expect(latencyFindings(hourScale(), windows)).toEqual([]);
    }
  });

  it('given a budget of one alarm per 10 windows, then fault-free traffic alarms less often than that', () => {
    // The false-alarm accounting at a loose budget: chance stays under the bound, by far (the bound adds up tests on
    // overlapping pools as if they were independent, and a pool is only tested while the detector finds the series
    // new, which fault-free traffic rarely is).
    let alarms = 0;
    let judged = 0;
    for (const seed of [41, 42, 43]) {
      const { windows } = normalWindows(600, seed);
      const m = new PerformanceMonitor({
        detector: HOUR_SCALE_DETECTOR_OPTIONS,
        chanceAlarmEveryMs: 10 * MIN,
      });
      alarms += latencyFindings(m, windows).length;
      judged += 600 - 60;
    }
    expect(alarms).toBeLessThan(judged / 10);
  });

  it('given a strong daily latency cycle, then its peaks are not pooled into slowness before a daily profile is learned', () => {
    // The baseline p95 is a median of the last hour: every afternoon's rise puts more requests above it than chance
    // would. Pooling only confirms what the detector finds new, and the detector has seen yesterday's peak.
    for (const seed of [81, 82]) {
      const z = normal(prng(seed));
      const days = Array.from({ length: 2 * 1440 }, (_, i) => {
        const daily = 1 + 0.5 * Math.sin((2 * Math.PI * i) / 1440);
        return windowOf(
          i,
          Array.from({ length: 60 }, () => 35 * daily * Math.exp(0.35 * z())),
        );
      });
      expect(latencyFindings(hourScale(), days)).toEqual([]);
    }
    // Days of windows through the monitor: CPU-bound, slow on a loaded machine (no timing is asserted).
  }, 60_000);

  it('given one long slowness, then one finding; after it ends and another starts, then a second one', () => {
    const { windows, next } = normalWindows(120, 51);
    const u = prng(52);
    const m = hourScale();
    latencyFindings(m, windows);
    const first = latencyFindings(m, slowerWindows(next, u, 120, 25, 0.1, 2.5));
    expect(first).toHaveLength(1);
    const recovered = Array.from({ length: 90 }, (_, k) =>
      windowOf(145 + k, Array.from({ length: 60 }, next)),
    );
    expect(latencyFindings(m, recovered)).toEqual([]);
    const second = latencyFindings(m, slowerWindows(next, u, 235, 25, 0.1, 2.5));
    expect(second).toHaveLength(1);
    // Since: the pool's first window with more slow requests than chance gives, which chance may put a little early.
    expect(second[0]!.since).toBeGreaterThanOrEqual(T0 + 230 * MIN);
    expect(second[0]!.id).not.toBe(first[0]!.id);
  });

  it('given a state saved in the middle of a slowness, then the resumed monitor reports what one run would', () => {
    const { windows, next } = normalWindows(120, 61);
    const slow = slowerWindows(next, prng(62), 120, 30, 0.1, 2.5);
    const whole = hourScale();
    const all = latencyFindings(whole, [...windows, ...slow]).map((f) => f.id);
    expect(all).toHaveLength(1);
    // Saved after every window of the slowness in turn: the finding comes before or after the save, once.
    for (let cut = 1; cut < 8; cut++) {
      const before = hourScale();
      const early = latencyFindings(before, [...windows, ...slow.slice(0, cut)]).map((f) => f.id);
      const state = JSON.parse(JSON.stringify(before.state())) as ReturnType<PerformanceMonitor['state']>;
      expect(state.version).toBe(3);
      const resumed = new PerformanceMonitor({ detector: HOUR_SCALE_DETECTOR_OPTIONS }, state);
      expect([...early, ...latencyFindings(resumed, slow.slice(cut)).map((f) => f.id)]).toEqual(all);
    }
  });

  it('given a version 1 state (before pooling), then it restores and pools without a new warm-up', () => {
    const { windows, next } = normalWindows(120, 71);
    const m = hourScale();
    latencyFindings(m, windows);
    const { series } = m.state();
    const v1: PerformanceMonitorStateV1 = {
      version: 1,
      series: Object.fromEntries(Object.entries(series).map(([k, { pool: _pool, ...rest }]) => [k, rest])),
    };
    const restored = new PerformanceMonitor(
      { detector: HOUR_SCALE_DETECTOR_OPTIONS },
      JSON.parse(JSON.stringify(v1)),
    );
    expect(restored.state().version).toBe(3);
    const found = latencyFindings(restored, slowerWindows(next, prng(72), 120, 30, 0.1, 2.5));
    expect(pooled(found)).toHaveLength(1);
  });

  it('given a version 2 state (before the baseline p99), then it restores, pools on the p95 and learns the p99 afresh', () => {
    const { windows, next } = normalWindows(120, 73);
    const m = hourScale();
    latencyFindings(m, windows);
    const { series } = m.state();
    // What version 2 saved: seven numbers a pooled window, no window p99s.
    const v2: PerformanceMonitorStateV2 = {
      version: 2,
      series: Object.fromEntries(
        Object.entries(series).map(([k, s]) => [
          k,
          {
            ...s,
            pool: s.pool && {
              windows: s.pool.windows.map((w) => w.slice(0, 7) as PooledWindow),
              openSince: s.pool.openSince,
              firstWindowStart: s.pool.firstWindowStart,
            },
          },
        ]),
      ),
    };
    const restored = new PerformanceMonitor(
      { detector: HOUR_SCALE_DETECTOR_OPTIONS },
      JSON.parse(JSON.stringify(v2)),
    );
    const latency = () => Object.values(restored.state().series).find((s) => s.metric === 'latency.p95')!;
    expect(restored.state().version).toBe(3);
    expect(latency().pool!.p99s).toEqual([]);
    const found = latencyFindings(restored, slowerWindows(next, prng(74), 120, 30, 0.2, 2.5));
    expect(pooled(found)).toHaveLength(1);
    expect(latency().pool!.p99s).toHaveLength(30);
  });

  it('given a tenth of the requests twice as slow where the p95 count is not conclusive, then the p99 count finds it', () => {
    // Over the same pools, 2.8% of requests are above a baseline p99 of 60-request windows by chance against 6.1%
    // above the baseline p95; the slow tenth puts about half its requests above either.
    const found: { explanation: string; evidence: Record<string, unknown> }[] = [];
    for (const seed of [91, 92, 93, 94]) {
      const { windows, next } = normalWindows(120, seed);
      const m = hourScale();
      latencyFindings(m, windows);
      found.push(...pooled(latencyFindings(m, slowerWindows(next, prng(seed + 100), 120, 12, 0.1, 2))));
    }
    const viaP99 = found.filter((f) => f.evidence['slowAbove'] === 'p99');
    expect(viaP99.length).toBeGreaterThanOrEqual(2);
    for (const f of viaP99) {
      expect(f.explanation).toMatch(
        /\(p99 [\d.]+ ms against [\d.]+ ms\), pooled over \d+ windows: \d+ of \d+ requests slower than the baseline p99 where chance gives 2\.\d%/,
      );
      expect(Number(f.evidence['chance'])).toBeLessThan(MIN / (7 * 24 * 3600_000) / 20);
    }
  });

  it('given fault-free traffic, then the share of requests above the baseline p99 is what pooledNull says chance gives', () => {
    let above = 0;
    let expected = 0;
    let variance = 0;
    for (const seed of [101, 102, 103, 104, 105, 106]) {
      const m = hourScale();
      latencyFindings(m, normalWindows(180, seed).windows);
      const ws = Object.values(m.state().series).find((s) => s.metric === 'latency.p95')!.pool!.windows;
      expect(ws).toHaveLength(32);
      const { share, sd } = pooledNull(ws, 'p99');
      const n = ws.reduce((t, w) => t + w[2], 0);
      above += ws.reduce((t, w) => t + w[7]!, 0);
      expected += share * n;
      variance += n * share * (1 - share) + (n * sd) ** 2;
    }
    // Within three standard deviations of chance, binomial and baseline noise together.
    expect(Math.abs(above - expected)).toBeLessThan(3 * Math.sqrt(variance));
  });

  it('keeps at most maxPooledWindows windows per latency series', () => {
    const { windows } = normalWindows(200, 81);
    const m = new PerformanceMonitor({ detector: HOUR_SCALE_DETECTOR_OPTIONS, maxPooledWindows: 16 });
    m.observe(windows);
    const latency = Object.values(m.state().series).filter((s) => s.metric === 'latency.p95');
    expect(latency).toHaveLength(1);
    expect(latency[0]!.pool!.windows).toHaveLength(16);
    // The baseline p99 is the median of the last hour's window p99s, as the baseline p95 is of their p95s.
    expect(latency[0]!.pool!.p99s).toHaveLength(60);
    for (const s of Object.values(m.state().series))
      if (s.metric !== 'latency.p95') expect(s.pool).toBeNull();
  });
});

describe('pooledNull', () => {
  it('gives the share above a median of window p95s and its noise, shrinking with the windows behind it', () => {
    // 60 requests: the p95 is the 57th smallest, at quantile ~Beta(57, 4), median 0.939: 6.1% above it.
    const w = (m: number): PooledWindow => [T0, 0, 60, 0, 0, 0, m];
    const hour = pooledNull([w(60), w(60)]);
    expect(hour.share).toBeCloseTo(1 - (57 - 1 / 3) / (61 - 2 / 3), 6);
    expect(hour.sd).toBeGreaterThan(0.004);
    expect(hour.sd).toBeLessThan(0.006);
    expect(pooledNull([w(1440)]).sd).toBeCloseTo(hour.sd / Math.sqrt(24), 6);
  });

  it('gives the share above a median of window p99s: the 59th smallest of 60, 2.8% above it', () => {
    const w: PooledWindow = [T0, 0, 60, 0, 0, 0, 60, 0, 0, 0, 60];
    const p99 = pooledNull([w, w], 'p99');
    expect(p99.share).toBeCloseTo(1 - (59 - 1 / 3) / (61 - 2 / 3), 6);
    // Beta(59, 2): sd 0.0226, over a median of 60 of them.
    expect(p99.sd).toBeCloseTo((1.2533 * Math.sqrt((59 * 2) / (61 ** 2 * 62))) / Math.sqrt(60), 6);
  });

  it('averages the tail over that noise: never below the plain binomial tail far out', () => {
    expect(uncertainBinomialTail(60, 500, 0.06, 0)).toBeCloseTo(binomialTail(60, 500, 0.06, 'upper'), 12);
    expect(uncertainBinomialTail(60, 500, 0.06, 0.005)).toBeGreaterThan(binomialTail(60, 500, 0.06, 'upper'));
  });

  it('averages finely enough far out in the tail (32 windows of 60 requests)', () => {
    // Reference: the same average on a grid ten times finer.
    const fine = (k: number, n: number, share: number, sd: number) => {
      let sum = 0;
      let weights = 0;
      for (let i = 0; i <= 2400; i++) {
        const t = -6 + (12 * i) / 2400;
        const w = Math.exp(-0.5 * t * t);
        sum += w * binomialTail(k, n, share + sd * t, 'upper');
        weights += w;
      }
      return sum / weights;
    };
    for (const k of [160, 190]) {
      const tail = uncertainBinomialTail(k, 1920, 0.061, 0.005);
      expect(tail / fine(k, 1920, 0.061, 0.005)).toBeCloseTo(1, 2);
    }
  });
});
