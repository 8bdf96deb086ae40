import { DDSketch } from '@datadog/sketches-js';
import { describe, expect, it } from 'vitest';
import type { WindowAggregate } from '@self-healing/schemas';
import { prng } from '@self-healing/shared';
import { LatencyStepMonitor, bucketFloor, bucketOf, bucketsOfSketch, quantileBucket } from './stepChange.js';
import { PerformanceMonitor } from './aggregates.js';
import { HOUR_SCALE_DETECTOR_OPTIONS } from './detector.js';

const T0 = Date.UTC(2026, 0, 1);
const WINDOW = 5_000;
const MIN = 60_000;

/** One 5-second window of a template whose requests took `durations` ms, sketched as the parse stage does. */
function windowOf(start: number, durations: readonly number[]): WindowAggregate {
  const sketch = new DDSketch({ relativeAccuracy: 0.01 });
  for (const d of durations) sketch.accept(d);
  return {
    service: 'checkout',
    templateId: 't-auth',
    template: 'user <*> authenticated via token took <*> ms',
    windowStart: start,
    windowMs: WINDOW,
    count: durations.length,
    errorCount: 0,
    latency: durations.length
      ? {
          p50: sketch.getValueAtQuantile(0.5),
          p95: sketch.getValueAtQuantile(0.95),
          p99: sketch.getValueAtQuantile(0.99),
          max: Math.max(...durations),
          count: durations.length,
        }
      : null,
    latencySketch: durations.length ? sketch.toProto() : null,
    firstSeen: start,
    lastSeen: start + WINDOW - 1,
    newTemplate: false,
  };
}

/**
 * `minutes` of 5-second windows with `perWindow` requests each (Poisson-ish: 0.5x to 1.5x), log-normal around a
 * median of `medianAt(t)` ms, spread 0.35, whole milliseconds as the service logs them; `slow(t, u)` may replace a
 * request's duration.
 */
function traffic(
  seed: number,
  minutes: number,
  perWindow: number,
  medianAt: (t: number) => number,
  slow?: (t: number, d: number, u: number) => number,
): WindowAggregate[] {
  const u = prng(seed);
  const z = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const out: WindowAggregate[] = [];
  for (let t = T0; t < T0 + minutes * MIN; t += WINDOW) {
    const n = Math.round(perWindow * (0.5 + u()));
    const durations = Array.from({ length: n }, () => {
      const d = Math.round(medianAt(t) * Math.exp(0.35 * z()));
      return slow ? Math.round(slow(t, d, u())) : d;
    });
    out.push(windowOf(t, durations));
  }
  return out;
}

describe('latency step buckets', () => {
  it('are 10 % wide above 1 ms, with everything below 1 ms in bucket 0', () => {
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(0.6)).toBe(0);
    expect(bucketOf(1)).toBe(1);
    expect(bucketOf(1.05)).toBe(1);
    expect(bucketOf(1.1)).toBe(2);
    expect(bucketFloor(bucketOf(250))).toBeLessThanOrEqual(250);
    expect(bucketFloor(bucketOf(250) + 1)).toBeGreaterThan(250);
    expect(bucketFloor(bucketOf(250) + 1) / bucketFloor(bucketOf(250))).toBeCloseTo(1.1, 6);
  });

  it('read a DDSketch whole, zeros included, and find its quantile bucket', () => {
    const sketch = new DDSketch({ relativeAccuracy: 0.01 });
    for (let i = 0; i < 90; i++) sketch.accept(0);
    for (let i = 0; i < 10; i++) sketch.accept(40);
    const b = bucketsOfSketch(sketch.toProto())!;
    expect([...b.values()].reduce((a, n) => a + n, 0)).toBe(100);
    expect(b.get(0)).toBe(90);
    expect(quantileBucket(b, 0.5)).toBe(0);
    expect(bucketFloor(quantileBucket(b, 0.95))).toBeGreaterThan(35);
    expect(bucketsOfSketch(new Uint8Array([0xff, 0xff, 0xff]))).toBeNull();
  });
});

describe('LatencyStepMonitor', () => {
  it('stays quiet on steady traffic, seed after seed', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const monitor = new LatencyStepMonitor();
      expect(monitor.observe(traffic(seed, 180, 12, () => 20))).toEqual([]);
    }
  });

  it('stays quiet on a slow daily drift, latency doubling over three hours', () => {
    const monitor = new LatencyStepMonitor();
    const drift = (t: number) => 20 * 2 ** ((t - T0) / (180 * MIN));
    expect(monitor.observe(traffic(7, 180, 12, drift))).toEqual([]);
  });

  it('stays quiet on stalls of a few seconds (every request of one window ten times slower, now and then)', () => {
    const monitor = new LatencyStepMonitor();
    const stall = (t: number, d: number) => ((t - T0) % (7 * MIN) === 3 * MIN ? d * 10 : d);
    expect(monitor.observe(traffic(8, 120, 12, () => 20, stall))).toEqual([]);
  });

  it('sees every request of a step slowed by 10 ms two minutes after a release, with a two-minute reference', () => {
    const release = T0 + 2 * MIN + 20_000;
    const monitor = new LatencyStepMonitor();
    const findings = monitor.observe(traffic(11, 8, 12, (t) => (t >= release ? 12 : 2)));
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f).toMatchObject({
      kind: 'performance',
      rule: 'latency-shift',
      service: 'checkout',
      subject: 't-auth:latency.p95',
      templateIds: ['t-auth'],
      since: T0 + 2 * MIN,
    });
    expect(f.at).toBeLessThanOrEqual(T0 + 4 * MIN);
    expect(f.evidence).toMatchObject({ metric: 'latency.p95', direction: 'up', detectedOn: 'step-change' });
    expect(f.explanation).toContain('stepped up');
  });

  it('sees a third of the requests made five times slower, and reports it once', () => {
    const release = T0 + 30 * MIN;
    const monitor = new LatencyStepMonitor();
    const tail = (t: number, d: number, u: number) => (t >= release && u < 1 / 3 ? d * 5 : d);
    const findings = monitor.observe(traffic(12, 50, 12, () => 30, tail));
    expect(findings).toHaveLength(1);
    expect(findings[0]!.since).toBeGreaterThanOrEqual(release - MIN);
    expect(findings[0]!.at).toBeLessThanOrEqual(release + 6 * MIN);
  });

  it('leaves one request in twenty made twice slower to the series detector (a few more slow ones is no step)', () => {
    const release = T0 + 30 * MIN;
    const monitor = new LatencyStepMonitor();
    const tail = (t: number, d: number, u: number) => (t >= release && u < 0.05 ? d * 2 : d);
    expect(monitor.observe(traffic(12, 50, 12, () => 30, tail))).toEqual([]);
  });

  it('does not report a rise smaller than its floor (1 ms steps becoming 3 ms)', () => {
    const release = T0 + 10 * MIN;
    const monitor = new LatencyStepMonitor();
    expect(monitor.observe(traffic(13, 20, 12, (t) => (t >= release ? 3 : 1)))).toEqual([]);
  });

  it('does not report latency going down', () => {
    const release = T0 + 10 * MIN;
    const monitor = new LatencyStepMonitor();
    expect(monitor.observe(traffic(14, 20, 12, (t) => (t >= release ? 5 : 50)))).toEqual([]);
  });

  it('gives the same findings fed in parts, through its saved state, and ignores redelivered windows', () => {
    const release = T0 + 10 * MIN;
    const windows = traffic(15, 16, 12, (t) => (t >= release ? 40 : 4));
    const whole = new LatencyStepMonitor().observe(windows);
    expect(whole).toHaveLength(1);
    const first = new LatencyStepMonitor();
    const before = first.observe(windows.slice(0, 100));
    const state = JSON.parse(JSON.stringify(first.state())) as ReturnType<LatencyStepMonitor['state']>;
    const second = new LatencyStepMonitor({}, state);
    const after = second.observe([...windows.slice(90, 100), ...windows.slice(100)]);
    expect([...before, ...after]).toEqual(whole);
  });

  it('runs inside the performance monitor before the series detector has its hour of history', () => {
    const release = T0 + 10 * MIN;
    const monitor = new PerformanceMonitor({ detector: HOUR_SCALE_DETECTOR_OPTIONS });
    const findings = monitor.observe(traffic(16, 16, 12, (t) => (t >= release ? 40 : 4)));
    expect(findings.filter((f) => f.evidence['detectedOn'] === 'step-change')).toHaveLength(1);
    const restored = new PerformanceMonitor({ detector: HOUR_SCALE_DETECTOR_OPTIONS }, monitor.state());
    expect(restored.state().steps).toEqual(monitor.state().steps);
    const without = new PerformanceMonitor({ detector: HOUR_SCALE_DETECTOR_OPTIONS, latencySteps: false });
    expect(without.observe(traffic(16, 16, 12, (t) => (t >= release ? 40 : 4)))).toEqual([]);
  });
});
