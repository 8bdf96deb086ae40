import { generateRegressionTest } from '../regression/index.js';
import { repoView } from '../workspace/scratch.js';
import type { FixBeat } from '../service/deps.js';
import { asChange, chosenOf } from '../service/chosen.js';
import { fileChanges } from '../service/changes.js';

/**
 * Beat 4. The regression test of the chosen fix, in the application's own framework (services/fix-generate/src/
 * regression): meant to fail on the base commit and pass with the fix, which validation checks. When nothing sound
 * can be derived from the evidence, no test is written and the event says why.
 */
export const generateTestFix: FixBeat<'generateTestFix'> = async ({ runId }, deps) => {
  let c = await deps.caseOf(runId);
  const { candidate, issue } = chosenOf(c);
  if (!c.test) {
    const repo = await deps.repo(c);
    const base = c.loaded!.baseCommit;
    const outcome = await generateRegressionTest({
      repo: repoView(repo, base, new Set(await repo.files(base))),
      issue,
      candidate: asChange(candidate),
      incidentId: c.incidentId,
    });
    const test =
      'skippedReason' in outcome
        ? { skippedReason: outcome.skippedReason }
        : {
            files: [...outcome.files].map(([path, text]) => ({ path, text })),
            rationale: outcome.rationale,
            testNames: outcome.testNames,
            framework: outcome.framework,
          };
    await deps.cases.updateOne({ _id: runId, test: { $exists: false } }, { $set: { test } });
    c = await deps.caseOf(runId);
  }
  const test = c.test!;
  const generator = { name: 'regression-test', version: '1', model: null };
  if ('skippedReason' in test)
    return {
      event: {
        type: 'TestFixGenerated',
        payload: {
          changeSet: {
            recommendationId: candidate.remedyId,
            generator,
            changes: [],
            rationale: 'No regression test was generated.',
            skippedReason: test.skippedReason,
          },
          testNames: [],
        },
      },
    };
  return {
    event: {
      type: 'TestFixGenerated',
      payload: {
        changeSet: {
          recommendationId: candidate.remedyId,
          generator: { ...generator, name: `regression-test:${test.framework}` },
          changes: await fileChanges(await deps.repo(c), c.loaded!.baseCommit, test.files),
          rationale: test.rationale,
          skippedReason: null,
        },
        testNames: test.testNames,
      },
    },
  };
};
