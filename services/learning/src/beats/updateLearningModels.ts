import type { LearningBeat } from '../service/deps.js';
import { REMEDY_KINDS, successOf, type RemedyKind } from '../models/strategyRates.js';
import { recordOutcome, refreshRates } from '../models/outcomeStore.js';
import { assessmentOf } from './assessSuccess.js';

/**
 * Beat 7. The remedy's success model, per remedy kind and fault signature (Beta posteriors read by diagnosis'
 * ranking): the outcome is inserted once into the outcome log (`learning_outcomes`, keyed by run: one per candidate
 * fix tried, and a repeat after a crash changes nothing), then the rates of every level it moves are recounted from the log and written
 * whole, which is idempotent however often it is repeated. A remedy kind diagnosis does not rank is logged, not
 * counted.
 */
export const updateLearningModels: LearningBeat<'updateLearningModels'> = async ({ runId }, deps) => {
  const c = await deps.caseOf(runId);
  const l = c.loaded!;
  const outcome = assessmentOf(c).outcome;
  if (!(REMEDY_KINDS as readonly string[]).includes(l.remedyKind))
    return { event: { type: 'LearningModelsUpdated', payload: { updates: [] } } };
  const remedyKind = l.remedyKind as RemedyKind;
  await recordOutcome(deps.db, {
    // Each candidate tried is an outcome of its own; a repeat of the same run is not.
    _id: runId,
    remedyKind,
    signatureKeys: l.signatureKeys,
    success: successOf(outcome),
    outcome,
    at: new Date(l.after.until),
  });
  const updates = await refreshRates(deps.db, remedyKind, l.signatureKeys);
  return { event: { type: 'LearningModelsUpdated', payload: { updates } } };
};
