import type { LearningBeat } from '../service/deps.js';
import { assess, type Assessment } from '../compare/assess.js';
import type { LearningCase } from '../service/case.js';

/**
 * Beat 6. Resolved, improved, no change or regressed, with the reasoning and a confidence. A fix whose canary was
 * rolled back never served: it counts as regressed (the canary measured it worse), with no rollback to recommend.
 */
export const assessSuccess: LearningBeat<'assessSuccess'> = async ({ runId }, deps) => {
  const a = assessmentOf(await deps.caseOf(runId));
  return {
    event: {
      type: 'SuccessAssessed',
      payload: {
        outcome: a.outcome,
        confidence: a.confidence,
        reasons: a.reasons,
        rollbackRecommended: a.rollbackRecommended,
      },
    },
  };
};

/** Pure: the same case gives the same assessment, so the later beats recompute it instead of storing it. */
export function assessmentOf(c: LearningCase): Assessment {
  if (c.loaded!.deploymentOutcome === 'rolled_back')
    return {
      outcome: 'regressed',
      confidence: 1,
      reasons: [
        {
          code: 'canary-rolled-back',
          message: 'the fix failed its canary judgement and was rolled back before it served everyone',
          field: null,
        },
      ],
      rollbackRecommended: false,
    };
  // An error template that stopped leaves no windows at all; so does a service whose telemetry stopped coming. Only
  // other templates of the service tell the two apart: without any, the fix is not judged.
  if (c.collected && c.collected.serviceAggregates === 0)
    return {
      outcome: 'no_change',
      confidence: 0,
      reasons: [
        {
          code: 'no-telemetry',
          message: `no telemetry of ${c.loaded!.services.join(', ')} arrived for the observation window: the fix is not judged`,
          field: null,
        },
      ],
      rollbackRecommended: false,
    };
  return assess(c.comparisons ?? [], c.newFindings ?? 0);
}
