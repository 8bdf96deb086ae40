import { describe, expect, it } from 'vitest';
import {
  abandoned,
  claimedRanges,
  EMPTY_LEDGER,
  fromCursor,
  planRequests,
  reserve,
  runIdFor,
  settle,
  type LedgerState,
  type RequestTemplate,
} from './parseLedger.js';

const r = (partition: number, fromOffset: number, toOffset: number) => ({ partition, fromOffset, toOffset });
const template: RequestTemplate = {
  topic: 'raw',
  services: [],
  windowMs: null,
  comment: (n) => `${n} record(s)`,
};

describe('the parse ledger', () => {
  it('given ranges shipped and requested, when a parse plans the rest, then it covers only what nobody requested', () => {
    const shipped = reserve(EMPTY_LEDGER, planRequests(EMPTY_LEDGER, [r(0, 10, 20)], template, 1));
    const afterShip = settle(shipped, [shipped.pending[0]!.runId]);
    const plan = planRequests(afterShip, [r(0, 0, 30), r(1, 0, 4)], template, 2);
    expect(plan.map((p) => p.ranges)).toEqual([[r(0, 0, 10), r(1, 0, 4)], [r(0, 20, 30)]]);
    expect(plan.map((p) => p.comment)).toEqual(['14 record(s)', '10 record(s)']);
  });

  it('given a pending request, when another invocation plans, then it leaves the pending ranges alone', () => {
    const state = reserve(EMPTY_LEDGER, planRequests(EMPTY_LEDGER, [r(0, 0, 5)], template, 1));
    expect(planRequests(state, [r(0, 0, 8)], template, 2).map((p) => p.ranges)).toEqual([[r(0, 5, 8)]]);
  });

  it('given everything claimed, then nothing is planned', () => {
    const state: LedgerState = { ...EMPTY_LEDGER, requested: [r(0, 0, 8)] };
    expect(planRequests(state, [r(0, 2, 8)], template, 1)).toEqual([]);
  });

  it('names runs after their ranges by default, and after the given id with a suffix per further command', () => {
    const derived = planRequests(EMPTY_LEDGER, [r(0, 0, 5)], template, 1);
    expect(derived[0]!.runId).toBe(runIdFor('raw', [r(0, 0, 5)]));
    expect(runIdFor('raw', [r(0, 0, 5)])).toBe(runIdFor('raw', [r(0, 0, 3), r(0, 3, 5)]));
    expect(runIdFor('raw', [r(0, 0, 5)])).not.toBe(runIdFor('raw', [r(0, 0, 6)]));
    expect(runIdFor('raw', [r(0, 0, 5)])).not.toBe(runIdFor('other', [r(0, 0, 5)]));
    const state: LedgerState = { ...EMPTY_LEDGER, requested: [r(0, 3, 4)] };
    expect(
      planRequests(state, [r(0, 0, 8)], { ...template, runId: 'nightly' }, 1).map((p) => p.runId),
    ).toEqual(['nightly', 'nightly-2']);
  });

  it('refuses to reserve a range that is already claimed, so nothing is requested twice', () => {
    const state = reserve(EMPTY_LEDGER, planRequests(EMPTY_LEDGER, [r(0, 0, 5)], template, 1));
    const again = { ...state.pending[0]!, runId: 'other' };
    expect(() => reserve(state, [again])).toThrow(/overlaps/);
    expect(() => reserve(EMPTY_LEDGER, [again, { ...again, runId: 'third' }])).toThrow(/overlaps/);
  });

  it('every write moves the version on, and settling moves pending ranges into the merged requested ones', () => {
    const base: LedgerState = { version: 7, requested: [r(0, 0, 5)], pending: [] };
    const reserved = reserve(base, planRequests(base, [r(0, 0, 9)], template, 1));
    expect(reserved.version).toBe(8);
    expect(claimedRanges(reserved)).toEqual([r(0, 0, 9)]);
    const settled = settle(reserved, [reserved.pending[0]!.runId, 'unknown']);
    expect(settled).toEqual({ version: 9, requested: [r(0, 0, 9)], pending: [] });
  });

  it('given pending requests of different ages, then only those past the grace period are abandoned', () => {
    const state = reserve(EMPTY_LEDGER, [
      ...planRequests(EMPTY_LEDGER, [r(0, 0, 5)], template, 1_000),
      ...planRequests(EMPTY_LEDGER, [r(1, 0, 5)], template, 50_000),
    ]);
    expect(abandoned(state, 61_000, 60_000).map((p) => p.ranges)).toEqual([[r(0, 0, 5)]]);
  });

  it('given the earlier per-topic cursor, then everything below it counts as requested', () => {
    expect(fromCursor({ '0': 12, '1': 0, '2': 3 })).toEqual({
      version: 0,
      requested: [r(0, 0, 12), r(2, 0, 3)],
      pending: [],
    });
  });
});
