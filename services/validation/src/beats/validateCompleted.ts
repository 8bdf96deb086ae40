import type { ValidationBeat } from '../service/deps.js';

/** Beat 10. Announces the verdict on the public topic, for deployment.deploy and for anyone subscribed. */
export const validateCompleted: ValidationBeat<'validateCompleted'> = async ({ runId, earlier }, deps) => {
  const c = await deps.caseOf(runId);
  return {
    event: {
      type: 'ValidationCompleted',
      payload: {
        validationId: c.validationId,
        patchId: c.patchId,
        verdict: earlier.ValidationResultsAggregated.verdict,
        checks: earlier.ValidationResultsAggregated.checks,
        headCommit: c.applied?.headCommit ?? null,
        document: earlier.ValidationResultsStored.document,
      },
    },
  };
};
