import { describe, expect, it } from 'vitest';
import { followerWaits, planParse } from './parse.js';
import { EMPTY_LEDGER, planRequests, reserve, settle, type RequestTemplate } from '../ranges/parseLedger.js';

const r = (partition: number, fromOffset: number, toOffset: number) => ({ partition, fromOffset, toOffset });
const template: RequestTemplate = { topic: 'raw', services: [], windowMs: null, comment: (n) => `${n}` };

describe('what healctl parse requests', () => {
  const ends = [
    { partition: 1, low: 0, high: 10 },
    { partition: 0, low: 5, high: 8 },
    { partition: 2, low: 0, high: 0 },
  ];

  it('given an empty ledger, then everything the log holds, in one run', () => {
    expect(planParse(EMPTY_LEDGER, ends, template, 1).map((p) => p.ranges)).toEqual([
      [r(0, 5, 8), r(1, 0, 10)],
    ]);
  });

  it('given what ship --parse requested, then the rest before, between and after it, and nothing of it again', () => {
    const shipped = reserve(EMPTY_LEDGER, planRequests(EMPTY_LEDGER, [r(1, 3, 6)], template, 1));
    const ledger = settle(shipped, [shipped.pending[0]!.runId]);
    const plan = planParse(ledger, ends, template, 2);
    expect(plan.map((p) => p.ranges)).toEqual([[r(0, 5, 8), r(1, 0, 3)], [r(1, 6, 10)]]);
    expect(plan.map((p) => p.comment)).toEqual(['6', '4']);
  });

  it('given a request still pending, then leaves its ranges to it', () => {
    const ledger = reserve(EMPTY_LEDGER, planRequests(EMPTY_LEDGER, [r(0, 0, 8), r(1, 0, 9)], template, 1));
    expect(planParse(ledger, ends, template, 2).map((p) => p.ranges)).toEqual([[r(1, 9, 10)]]);
  });

  it('given everything requested, or requested before retention removed it, then nothing', () => {
    const ledger = { ...EMPTY_LEDGER, requested: [r(0, 0, 8), r(1, 0, 10)] };
    expect(planParse(ledger, ends, template, 1)).toEqual([]);
    expect(planParse({ ...EMPTY_LEDGER, requested: [r(0, 0, 2)] }, ends, template, 1)[0]!.ranges).toEqual([
      r(0, 5, 8),
      r(1, 0, 10),
    ]);
  });
});

describe('a follower of the raw topic', () => {
  const last = { runIds: ['a', 'b'], at: 1_000 };

  it('requests when it has requested nothing yet, or when all it requested is stored', () => {
    expect(followerWaits(null, 0, 2_000, 60_000)).toBe(false);
    expect(followerWaits(last, 0, 2_000, 60_000)).toBe(false);
  });

  it('waits while its last runs are being parsed, so the backlog goes out as one larger run', () => {
    expect(followerWaits(last, 1, 30_000, 60_000)).toBe(true);
  });

  it('requests anyway once it has waited long enough (a run that failed is never stored)', () => {
    expect(followerWaits(last, 2, 61_000, 60_000)).toBe(false);
  });
});
