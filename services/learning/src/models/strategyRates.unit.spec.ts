import { describe, expect, it } from 'vitest';
import {
  PRIOR_SUCCESS,
  faultSignature,
  rateFor,
  rateLevels,
  successOf,
  withOutcome,
  type RateCounts,
  type StrategyOutcome,
} from './strategyRates.js';

const S = faultSignature({
  findingKind: 'error',
  errorType: 'TypeError',
  topFrame: { path: 'src/shipping/labels.ts', fn: 'formatAddress' },
});
const slow = faultSignature({
  findingKind: 'performance',
  topFrame: { path: 'src/orders/reserve.ts', fn: 'reserve' },
});

const replay = (outcomes: StrategyOutcome[]): RateCounts =>
  outcomes.reduce<RateCounts>((counts, o) => withOutcome(counts, o), new Map());

describe('counting outcomes', () => {
  it('given one outcome, then it moves its kind over all faults and each of its levels by one, nothing else', () => {
    const before = new Map();
    const after = withOutcome(before, { remedyKind: 'guard', signatureKeys: [...S, S[0]!], success: true });
    expect(before.size).toBe(0);
    expect([...after.keys()]).toEqual(['guard', ...S.map((k) => `guard|${k}`)]);
    expect([...after.values()].every((r) => r.attempts === 1 && r.successes === 1)).toBe(true);
    expect(rateLevels('guard', [...S, S[1]!]).map((l) => l.key)).toEqual([null, ...S]);
  });

  it('given only a resolved symptom, then a success', () => {
    expect(['resolved', 'improved', 'no_change', 'regressed'].map((o) => successOf(o as never))).toEqual([
      true,
      false,
      false,
      false,
    ]);
  });
});

describe('the loop closes', () => {
  it('given a revert that fails on null dereferences, then its rate there falls below the partial revert after one failure, and stays high on slow steps where reverts work', () => {
    // Before any outcome: the priors order the remedies.
    expect(rateFor('revert-commit', S, new Map()).mean).toBe(PRIOR_SUCCESS['revert-commit']);
    const history: StrategyOutcome[] = [
      ...Array.from({ length: 6 }, () => ({
        remedyKind: 'revert-commit' as const,
        signatureKeys: slow,
        success: true,
      })),
      { remedyKind: 'revert-commit', signatureKeys: S, success: false },
    ];
    const counts = replay(history);
    const onS = rateFor('revert-commit', S, counts);
    expect(onS).toMatchObject({ samples: 1, level: S.at(-1) });
    expect(onS.mean).toBeLessThan(PRIOR_SUCCESS['revert-hunks']);
    expect(rateFor('revert-hunks', S, counts).mean).toBe(PRIOR_SUCCESS['revert-hunks']);
    expect(rateFor('revert-commit', slow, counts).mean).toBeGreaterThan(0.9);
    // A guard that then works three times on S climbs above the failed revert with a lower bound that says so.
    const later = replay([
      ...history,
      ...Array.from({ length: 3 }, () => ({ remedyKind: 'guard' as const, signatureKeys: S, success: true })),
    ]);
    const guard = rateFor('guard', S, later);
    expect(guard.mean).toBeGreaterThan(onS.mean);
    expect(guard.lower95).toBeGreaterThan(0.2);
    expect(guard.lower95).toBeLessThan(guard.mean);
  });
});
