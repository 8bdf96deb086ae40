import type { ValidationBeat } from '../service/deps.js';
import type { ValidationDocument } from '../service/case.js';

/**
 * Beat 9. The validation document (`validations`, keyed by validation id): the verdict and every check's evidence
 * (commands, exit codes and output tails, per-test differences, coverage of the changed lines, the latency samples'
 * statistics, documentation problems). Written whole by key, so a repeat writes the same document.
 */
export const storeValidationResults: ValidationBeat<'storeValidationResults'> = async ({ runId }, deps) => {
  const c = await deps.caseOf(runId);
  const doc: ValidationDocument = {
    validationId: c.validationId,
    incidentId: c.incidentId,
    patchId: c.patchId,
    runId,
    repository: c.patch?.repository ?? null,
    baseCommit: c.patch?.baseCommit ?? null,
    headCommit: c.applied?.headCommit ?? null,
    service: c.patch?.service ?? null,
    verdict: c.verdict!.verdict,
    checks: c.verdict!.checks,
    reasons: c.verdict!.reasons,
    applied: c.applied ?? null,
    tests: c.tests ?? null,
    coverage: c.coverage ?? null,
    performance: c.performance ?? null,
    documentation: c.docs ?? null,
  };
  await deps.db.collection('validations').replaceOne({ _id: c.validationId as never }, doc, { upsert: true });
  return {
    event: {
      type: 'ValidationResultsStored',
      payload: { validationId: c.validationId, document: { collection: 'validations', id: c.validationId } },
    },
    // Nothing after this reads the trees: they go once this event is committed.
    afterCommit: () => deps.cleanUp(runId),
  };
};
