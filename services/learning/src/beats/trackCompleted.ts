import type { LearningBeat } from '../service/deps.js';
import { effectivenessOf } from '../service/effectiveness.js';

/** Beat 10. Announces the outcome; a resolved incident is one an IncidentResolved (fixed) may follow. */
export const trackCompleted: LearningBeat<'trackCompleted'> = async ({ runId, earlier }, deps) => {
  const c = await deps.caseOf(runId);
  const e = effectivenessOf(c);
  return {
    event: {
      type: 'EffectivenessTrackingCompleted',
      payload: {
        deploymentId: c.deploymentId,
        patchId: e.patchId,
        pullRequestUrl: c.loaded!.pullRequestUrl,
        outcome: e.outcome,
        improvementScore: e.improvement.score,
        findingsCleared: e.improvement.cleared,
        findingsRemaining: e.improvement.remaining,
        resolvesIncident: e.outcome === 'resolved',
        document: earlier.EffectivenessStored.document,
      },
    },
  };
};
