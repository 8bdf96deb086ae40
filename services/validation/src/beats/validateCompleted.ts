import { nextCandidateCommand } from '@self-healing/shared';
import type { ValidationBeat } from '../service/deps.js';

/**
 * Beat 10. Announces the verdict on the public topic, for deployment.deploy and for anyone subscribed. A failed
 * candidate also sends the fix stage to its next one (an inconclusive verdict does not: the candidate was not shown
 * wrong, and a person should look at why it could not be judged).
 */
export const validateCompleted: ValidationBeat<'validateCompleted'> = async (
  { runId, incidentId, cause, earlier, topics },
  deps,
) => {
  const c = await deps.caseOf(runId);
  const aggregated = earlier.ValidationResultsAggregated;
  const next =
    aggregated.verdict === 'failed'
      ? await nextCandidateCommand(deps.db, topics, {
          incidentId,
          patchId: c.patchId,
          stage: 'validation.run',
          reason: `failed validation: ${aggregated.reasons.map((r) => r.message).join('; ') || 'a check failed'}`,
          correlationId: cause.meta.correlationId,
          producer: 'validation.run',
        })
      : null;
  return {
    event: {
      type: 'ValidationCompleted',
      payload: {
        validationId: c.validationId,
        patchId: c.patchId,
        verdict: aggregated.verdict,
        checks: aggregated.checks,
        headCommit: c.applied?.headCommit ?? null,
        document: earlier.ValidationResultsStored.document,
      },
    },
    ...(next ? { publish: [next] } : {}),
  };
};
