import { join } from 'node:path';
import type { ValidationBeat } from '../service/deps.js';
import type { ValidationCase } from '../service/case.js';
import { applyDiff, freshWorktree } from '../workspace/trees.js';
import { restoredProductionFiles } from '../workspace/restores.js';

/**
 * Beat 3. Two fresh worktrees at the base commit in the run's folder: `patched` gets the whole patch (three-way,
 * then committed: the head commit is what was validated), `base` gets only the patch's test files, so the new
 * regression test runs against the code it must catch. A patch that does not apply is recorded with its conflicting
 * files; the checks after it do not run and the verdict is failed. Whether the patched production files are the ones
 * that served production before the faulty release is recorded too (`restores`, see workspace/restores.ts).
 */
export const applyPatch: ValidationBeat<'applyPatch'> = async ({ runId }, deps) => {
  let c = await deps.caseOf(runId);
  const patch = c.patch!;
  if (!c.applied) {
    let applied: NonNullable<ValidationCase['applied']>;
    if (patch.problem) {
      applied = { clean: false, conflicts: [], headCommit: null, baseHead: null, problem: patch.problem };
    } else {
      const repo = await deps.repo(c);
      const dir = deps.runDir(runId);
      for (const side of ['base', 'patched']) await freshWorktree(repo, patch.baseCommit, join(dir, side));
      const whole = await applyDiff(
        join(dir, 'patched'),
        patch.diff,
        join(dir, 'patch.diff'),
        null,
        `validation of ${c.patchId}`,
      );
      const tests =
        whole.clean && patch.testFiles.length
          ? await applyDiff(
              join(dir, 'base'),
              patch.diff,
              join(dir, 'tests.diff'),
              patch.testFiles,
              `tests of ${c.patchId}`,
            )
          : null;
      const good = deps.settings.acceptRestoredCode ? (patch.goodCommit ?? null) : null;
      const restored =
        whole.clean && good
          ? await restoredProductionFiles(join(dir, 'patched'), good, patch.files, patch.baseCommit)
          : null;
      applied = whole.clean
        ? {
            clean: true,
            conflicts: [],
            headCommit: whole.headCommit,
            baseHead: tests?.headCommit ?? patch.baseCommit,
            restores: good && restored ? { commit: good, files: restored } : null,
            problem:
              tests && !tests.clean
                ? {
                    code: 'tests-do-not-apply',
                    message: `the patch's tests do not apply alone to the base: ${tests.message ?? ''}`.slice(
                      0,
                      500,
                    ),
                    field: null,
                  }
                : null,
          }
        : {
            clean: false,
            conflicts: whole.conflicts,
            headCommit: null,
            baseHead: null,
            problem: {
              code: 'patch-does-not-apply',
              message:
                `the patch does not apply to ${patch.baseCommit.slice(0, 12)}: ${(whole.message ?? '').split('\n').slice(0, 3).join(' ')}`.slice(
                  0,
                  600,
                ),
              field: 'diff',
            },
          };
    }
    c = await deps.record(runId, 'applied', applied);
  }
  const applied = c.applied!;
  return {
    event: {
      type: 'PatchApplied',
      payload: {
        workspace: `${c.validationId}/${runId.slice(0, 40)}`,
        baseCommit: patch.baseCommit,
        clean: applied.clean,
        conflicts: applied.conflicts,
        headCommit: applied.headCommit,
      },
    },
  };
};
