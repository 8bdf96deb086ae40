import type { FixBeat } from '../service/deps.js';
import { checkFiles } from '../service/check.js';
import { patchFiles } from '../service/patchFiles.js';

/**
 * Beat 7. The whole patch (fix, test, docs) parsed and type-checked with the application's own tsconfig, only the
 * changed files' errors counting. A patch that does not check is refused with its diagnostics: validation never
 * receives it.
 */
export const validateSyntax: FixBeat<'validateSyntax'> = async ({ runId, cause }, deps) => {
  let c = await deps.caseOf(runId);
  if (!c.syntax) {
    const check = await checkFiles(deps, c, patchFiles(c));
    await deps.cases.updateOne({ _id: runId, syntax: { $exists: false } }, { $set: { syntax: [check] } });
    c = await deps.caseOf(runId);
  }
  const checks = c.syntax!;
  const valid = checks.every((x) => x.ok);
  if (!valid)
    return {
      event: {
        type: 'FixGenerationRejected',
        payload: {
          reasons: [
            {
              code: 'patch-does-not-check',
              message: checks
                .flatMap((x) => x.diagnostics)
                .slice(0, 5)
                .map((d) => `${d.file}:${d.line ?? '?'}: ${d.message}`)
                .join('; ')
                .slice(0, 1500),
              field: null,
            },
          ],
          commandType: cause.meta.type,
          commandId: cause.meta.eventId,
        },
      },
      // A refused run reads its worktrees no more.
      afterCommit: () => deps.cleanUp(runId),
    };
  return { event: { type: 'PatchSyntaxValidated', payload: { valid, checks } } };
};
