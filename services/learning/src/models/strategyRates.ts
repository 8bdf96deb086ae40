import { rateKey, type RateCounts, type RemedyKind, type StrategyRecord } from '@self-healing/diagnosis';

/**
 * The remedy success model learning.track updates and diagnosis reads. The signature and the posterior live in
 * diagnosis (diagnose/learnedRates.ts) so that the ranking depends on nothing of this stage; here they are
 * re-exported with what counting outcomes adds: which documents one outcome moves, and counts in memory (the bench
 * and the tests count the way outcomeStore recounts the log).
 */
export {
  faultSignature,
  signatureOfIssue,
  errorTypeOf,
  rateFor,
  rateKey,
  LEVEL_WEIGHT,
  PRIOR_SUCCESS,
  PRIOR_WEIGHT,
  REMEDY_KINDS,
  type FaultSignatureInput,
  type LearnedRate,
  type RateCounts,
  type RemedyKind,
  type StrategyRecord,
} from '@self-healing/diagnosis';

export type OutcomeKind = 'resolved' | 'improved' | 'no_change' | 'regressed';

/** One measured outcome of a deployed remedy on a fault. */
export interface StrategyOutcome {
  remedyKind: RemedyKind;
  /** The fault's signature keys, general first (signatureOfIssue of the diagnosed issue the remedy was for). */
  signatureKeys: readonly string[];
  success: boolean;
}

/**
 * Whether an outcome counts as a success of the remedy: only a resolved symptom. An improvement left the fault in
 * production, and counting it as half a success would need a model of partial fixes the ranking cannot use.
 */
export const successOf = (outcome: OutcomeKind): boolean => outcome === 'resolved';

/** The rate documents one outcome moves: its kind over all faults, and its kind on each signature level. */
export function rateLevels(
  remedyKind: RemedyKind,
  signatureKeys: readonly string[],
): Array<{ id: string; key: string | null }> {
  return [
    { id: rateKey(remedyKind), key: null },
    ...[...new Set(signatureKeys)].map((key) => ({ id: rateKey(remedyKind, key), key })),
  ];
}

/** Counts with one more outcome, at every level it moves (a new map: the old one stays as it was). */
export function withOutcome(counts: RateCounts, outcome: StrategyOutcome): Map<string, StrategyRecord> {
  const next = new Map(counts);
  for (const { id } of rateLevels(outcome.remedyKind, outcome.signatureKeys)) {
    const had = next.get(id) ?? { attempts: 0, successes: 0 };
    next.set(id, { attempts: had.attempts + 1, successes: had.successes + (outcome.success ? 1 : 0) });
  }
  return next;
}
