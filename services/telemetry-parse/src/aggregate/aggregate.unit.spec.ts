import { describe, expect, it } from 'vitest';
import type { Level, TemplatedEvent } from '@self-healing/schemas';
import { createWindowAggregator } from './windows.js';
import { LatencySketch } from './sketch.js';

const T0 = Date.UTC(2024, 2, 1, 10, 0, 0);

function event(
  at: number,
  over: Partial<TemplatedEvent> & { durationMs?: number; level?: Level } = {},
): TemplatedEvent {
  const { durationMs, ...rest } = over;
  return {
    timestamp: at,
    service: 'checkout',
    host: null,
    level: 'info',
    component: null,
    templateId: 't1',
    template: 'GET <*>',
    params: [],
    traceId: null,
    spanId: null,
    sessionId: null,
    numbers: durationMs === undefined ? {} : { durationMs },
    stack: [],
    ...rest,
  };
}

/** Deterministic pseudo-random numbers (mulberry32), so the constructed distributions are the same every run. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('windows', () => {
  it('given events over two windows, when the watermark passes the first, then it closes with counts, errors and latency', () => {
    const agg = createWindowAggregator({ windowMs: 60_000, allowedLatenessMs: 10_000 });
    agg.add(event(T0 + 1_000, { durationMs: 100 }));
    agg.add(event(T0 + 2_000, { durationMs: 300, level: 'error' }));
    agg.add(event(T0 + 3_000, { templateId: 't2', template: 'boot', level: 'fatal' }));
    agg.add(event(T0 + 65_000));
    expect(agg.flush()).toEqual([]); // watermark 55 s: first window still open

    agg.add(event(T0 + 70_000));
    const closed = agg.flush();
    expect(
      closed.map((w) => [
        w.templateId,
        w.count,
        w.errorCount,
        w.firstSeen - T0,
        w.lastSeen - T0,
        w.newTemplate,
      ]),
    ).toEqual([
      ['t1', 2, 1, 1_000, 2_000, true],
      ['t2', 1, 1, 3_000, 3_000, true],
    ]);
    expect(closed[0]?.latency).toMatchObject({ count: 2, max: 300 });
    expect(closed[0]?.latencySketch).toBeInstanceOf(Uint8Array);
    expect(closed[1]?.latency).toBeNull();
    expect(agg.openWindows().map((w) => [w.windowStart - T0, w.count, w.newTemplate])).toEqual([
      [60_000, 2, false],
    ]);
  });

  it('given a late event within the allowed lateness, when added, then it updates its still-open window', () => {
    const agg = createWindowAggregator({ windowMs: 60_000, allowedLatenessMs: 30_000 });
    agg.add(event(T0 + 10_000));
    agg.add(event(T0 + 80_000)); // watermark 50 s: window [0, 60) open
    expect(agg.add(event(T0 + 5_000))).toBe('accepted');
    agg.add(event(T0 + 95_000));
    const [first] = agg.flush();
    expect(first).toMatchObject({ count: 2, firstSeen: T0 + 5_000 });
    expect(agg.stats().droppedLate).toBe(0);
  });

  it('given an event beyond the allowed lateness, when added, then it is dropped and counted, changing nothing else', () => {
    const agg = createWindowAggregator({ windowMs: 60_000, allowedLatenessMs: 30_000 });
    agg.add(event(T0 + 10_000));
    agg.add(event(T0 + 95_000)); // watermark 65 s passes window [0, 60)
    const before = agg.openWindows();
    expect(agg.add(event(T0 + 59_999))).toBe('late');
    expect(agg.openWindows()).toEqual(before);
    expect(agg.stats()).toMatchObject({ accepted: 2, droppedLate: 1 });
    expect(agg.flush().map((w) => w.count)).toEqual([1]);
  });

  it('given a forced flush at end of input, when later events arrive for closed windows, then they are late', () => {
    const agg = createWindowAggregator({ windowMs: 60_000, allowedLatenessMs: 30_000 });
    agg.add(event(T0 + 10_000));
    expect(agg.flush(T0 + 60_000)).toHaveLength(1);
    expect(agg.add(event(T0 + 20_000))).toBe('late');
  });
});

describe('determinism and merge', () => {
  const events = (): TemplatedEvent[] => {
    const r = rng(7);
    return Array.from({ length: 2_000 }, (_, i) =>
      event(T0 + Math.floor(i * 150 + r() * 100), {
        templateId: `t${i % 5}`,
        template: `tpl ${i % 5}`,
        service: i % 3 === 0 ? 'cart' : 'checkout',
        level: i % 17 === 0 ? 'error' : 'info',
        durationMs: Math.round(r() * 1000) / 10,
      }),
    );
  };

  it('given two aggregators over disjoint halves, when merged, then state and output equal one aggregator over all', () => {
    const all = events();
    const whole = createWindowAggregator({ allowedLatenessMs: 1e9 });
    all.forEach((e) => whole.add(e));
    const left = createWindowAggregator({ allowedLatenessMs: 1e9 });
    const right = createWindowAggregator({ allowedLatenessMs: 1e9 });
    all.forEach((e, i) => (i % 2 === 0 ? left : right).add(e));
    const reversed = createWindowAggregator({ allowedLatenessMs: 1e9 });
    [...all].reverse().forEach((e) => reversed.add(e));

    right.merge(left);
    expect(right.snapshot()).toEqual(whole.snapshot());
    expect(reversed.snapshot()).toEqual(whole.snapshot());
    expect(right.flush(Number.MAX_SAFE_INTEGER)).toEqual(whole.flush(Number.MAX_SAFE_INTEGER));
  });

  it('given a snapshot, when restored and the rest of the input replayed, then the result equals an uninterrupted run', () => {
    const all = events();
    const uninterrupted = createWindowAggregator({ allowedLatenessMs: 5_000 });
    const outUninterrupted = all.map((e) => uninterrupted.add(e));

    const first = createWindowAggregator({ allowedLatenessMs: 5_000 });
    const outFirst = all.slice(0, 1_200).map((e) => first.add(e));
    const snapshot = JSON.parse(JSON.stringify(first.snapshot()));
    const resumed = createWindowAggregator({}, snapshot);
    const outResumed = all.slice(1_200).map((e) => resumed.add(e));

    expect([...outFirst, ...outResumed]).toEqual(outUninterrupted);
    expect(resumed.snapshot()).toEqual(uninterrupted.snapshot());
    expect(resumed.flush()).toEqual(uninterrupted.flush());
  });
});

describe('latency sketch', () => {
  it('given a constructed log-normal distribution, when quantiles are read, then they are within 1% of the exact ones', () => {
    const r = rng(42);
    const values = Array.from({ length: 20_000 }, () => {
      const gauss = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
      return Math.exp(4 + 1.2 * gauss); // median about 55 ms, long tail
    });
    const sketch = new LatencySketch(0.01);
    values.forEach((v) => sketch.add(v));
    const sorted = [...values].sort((a, b) => a - b);
    for (const q of [0.5, 0.9, 0.95, 0.99, 0.999]) {
      const exact = sorted[Math.floor(q * (sorted.length - 1))]!;
      expect(Math.abs(sketch.quantile(q) - exact) / exact).toBeLessThanOrEqual(0.01);
    }
  });

  it('given equal contents added in different orders, when serialized, then the bytes are equal and readable', () => {
    const a = new LatencySketch();
    const b = new LatencySketch();
    const values = [5, 0, 1000, 37.5, 2, 999, 0.5];
    values.forEach((v) => a.add(v));
    [...values].reverse().forEach((v) => b.add(v));
    expect(a.toBytes()).toEqual(b.toBytes());
    expect(LatencySketch.quantileFromBytes(a.toBytes(), 1)).toBeCloseTo(a.quantile(1), 6);
  });
});
