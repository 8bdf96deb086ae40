import type { LearningBeat } from '../service/deps.js';
import { EFFECTIVENESS, effectivenessOf } from '../service/effectiveness.js';

/**
 * Beat 9. The effectiveness record (`learning_effectiveness`, keyed by run: one per fix tried): outcome, score,
 * every comparison with its reasoning, the remedy and fault signature, and a short summary; written whole by key, so
 * a repeat writes the same document. `healctl insights` and later runs read these.
 */
export const storeEffectiveness: LearningBeat<'storeEffectiveness'> = async ({ runId }, deps) => {
  const doc = effectivenessOf(await deps.caseOf(runId));
  await deps.db.collection(EFFECTIVENESS).replaceOne({ _id: doc._id as never }, doc, { upsert: true });
  return {
    event: { type: 'EffectivenessStored', payload: { document: { collection: EFFECTIVENESS, id: doc._id } } },
  };
};
