import type { LearningBeat } from '../service/deps.js';
import { effectivenessOf } from '../service/effectiveness.js';
import { followUpOf } from '../service/followUp.js';
import { assessmentOf } from './assessSuccess.js';

/**
 * Beat 10. Announces the outcome; a resolved incident is one an IncidentResolved (fixed) may follow. A fix that made
 * things worse or changed nothing is sent back to the deployment stage to be taken out, and the incident goes on to
 * its next candidate (service/followUp.ts).
 */
export const trackCompleted: LearningBeat<'trackCompleted'> = async (
  { runId, cause, earlier, topics },
  deps,
) => {
  const c = await deps.caseOf(runId);
  const e = effectivenessOf(c);
  const followUp = followUpOf(c, assessmentOf(c), topics, cause.meta.correlationId);
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
    ...(followUp ? { publish: [followUp] } : {}),
  };
};
