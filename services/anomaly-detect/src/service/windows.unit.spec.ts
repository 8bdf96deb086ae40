import { describe, expect, it } from 'vitest';
import { DDSketch } from '@datadog/sketches-js';
import type { WindowAggregate } from '@self-healing/schemas';
import { completeWindows, mergeContributions } from './windows.js';

function part(values: number[], errors: number, windowStart = 0): WindowAggregate {
  const s = new DDSketch({ relativeAccuracy: 0.01 });
  for (const v of values) s.accept(v);
  return {
    service: 's',
    templateId: 't',
    template: 'x',
    windowStart,
    windowMs: 60_000,
    count: values.length,
    errorCount: errors,
    latency: {
      p50: s.getValueAtQuantile(0.5),
      p95: s.getValueAtQuantile(0.95),
      p99: s.getValueAtQuantile(0.99),
      max: Math.max(...values),
      count: values.length,
    },
    latencySketch: s.toProto(),
    firstSeen: windowStart + values.length,
    lastSeen: windowStart + 100 * values.length,
    newTemplate: false,
  };
}

describe('window contributions from several parse runs', () => {
  it('merge into one window whose counts add and whose quantiles are those of all events', () => {
    const [w] = mergeContributions([part([10, 20, 30], 1), part([40, 50, 60, 70, 80, 90, 100], 2)]);
    expect(w).toMatchObject({ count: 10, errorCount: 3, firstSeen: 3, lastSeen: 700 });
    expect(w?.latency?.p50).toBeGreaterThanOrEqual(49.5);
    expect(w?.latency?.p50).toBeLessThanOrEqual(50.5);
    expect(w?.latency?.max).toBe(100);
    expect(w?.latency?.count).toBe(10);
  });

  it('leave single contributions and other windows alone, in time order', () => {
    const a = part([1], 0, 60_000);
    const b = part([2], 0, 0);
    expect(mergeContributions([a, b])).toEqual([b, a]);
  });

  it('only windows that end before the parsed time are complete', () => {
    expect(
      completeWindows([part([1], 0, 0), part([1], 0, 60_000)], 100_000).map((w) => w.windowStart),
    ).toEqual([0]);
  });
});
