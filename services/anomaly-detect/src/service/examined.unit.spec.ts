import { describe, expect, it } from 'vitest';
import type { TemplatedEvent } from '@self-healing/schemas';
import { EXAMINED_RUNS_KEPT, examine, examinedAfter, freshRuns } from './examined.js';

const at = (timestamp: number, traceId = 't'): TemplatedEvent => ({
  timestamp,
  service: 'checkout',
  host: null,
  level: 'info',
  component: null,
  templateId: 'x',
  template: 'x',
  params: [],
  traceId,
  spanId: null,
  sessionId: null,
  numbers: {},
  stack: [],
});

describe('which events an event-fed detector takes in', () => {
  it("takes a new run's events a little older than the newest seen (another instance's chunk), in time order", () => {
    // Run 1 saw up to 10.5 s (instance A); run 2 brings instance B's second step at 10.001 s.
    const { taken, seenUntil } = examine([at(12_000), at(10_001, 'b')], 10_500, 30_000);
    expect(taken.map((e) => e.timestamp)).toEqual([10_001, 12_000]);
    expect(seenUntil).toEqual({ byService: { checkout: 12_000 }, others: 10_500 });
  });

  it('drops events later than the detector could judge, and never moves its clock back', () => {
    const { taken, seenUntil } = examine([at(1_000)], 100_000, 30_000);
    expect(taken).toEqual([]);
    expect(seenUntil).toEqual({ byService: {}, others: 100_000 });
  });

  it("judges lateness by each service's own clock: a slow shipper's events are not dropped for another's newer ones", () => {
    const billing = (t: number) => ({ ...at(t, 'bl'), service: 'billing' });
    const first = examine([at(100_000), billing(20_000)], Number.NEGATIVE_INFINITY, 30_000);
    expect(first.seenUntil.byService).toEqual({ checkout: 100_000, billing: 20_000 });
    // Billing's next chunk is 60 s behind checkout's clock but new for billing.
    const second = examine([billing(40_000), at(60_000)], first.seenUntil, 30_000);
    expect(second.taken.map((e) => [e.service, e.timestamp])).toEqual([['billing', 40_000]]);
    expect(second.seenUntil.byService).toEqual({ checkout: 100_000, billing: 40_000 });
  });

  it('examines each parse run once: a run already examined brings nothing', () => {
    expect(freshRuns(['r1', 'r2', 'r3'], ['r1', 'r3'])).toEqual(['r2']);
    expect(freshRuns(['r1'], undefined)).toEqual(['r1']);
  });

  it('remembers the newest runs, within its bound', () => {
    const many = Array.from({ length: EXAMINED_RUNS_KEPT }, (_, i) => `r${i}`);
    const after = examinedAfter(many, ['new']);
    expect(after).toHaveLength(EXAMINED_RUNS_KEPT);
    expect(after.at(-1)).toBe('new');
    expect(after[0]).toBe('r1');
  });
});
