import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { ValidationBeat, ValidationDeps } from '../service/deps.js';
import type { Reason, StepRun, TestsRecord, ValidationCase, Verdict } from '../service/case.js';
import { installDependencies, recipeOf, runStep, scriptsOf, stepOk } from '../service/execution.js';
import { runSuite, type SuiteRun } from '../service/suites.js';
import { prepareSandboxRoot } from '../sandbox/index.js';
import { compareRuns } from '../testing/index.js';
import { judgeSuites } from '../verdict/tests.js';
import { Committed } from '../workspace/committed.js';
import { freshWorktree, SIDES, type Side } from '../workspace/trees.js';

/**
 * Beat 4. The tests, in the sandbox: dependencies from the lockfile (shared install), both trees built, then the
 * whole suite on the base (which carries the patch's new tests) and on the patch, alternately, compared test by
 * test (the judgement: verdict/tests.ts). When a test's outcome differs between the sides, both suites run again
 * (TEST_RERUNS): a test that flips between runs of the same tree is flaky, reported, and no verdict rests on it.
 * Each side runs in its own sandbox, so the patched code cannot touch the base tree or its reports.
 */
export const runTests: ValidationBeat<'runTests'> = async ({ runId }, deps) => {
  let c = await deps.caseOf(runId);
  if (!c.tests) {
    // Trees of this attempt's own: while the group rebalances, a consumer whose beat outlived its session may still
    // be building or testing this run in the trees of its attempt (seen in the ten-service chaos test: its fresh
    // checkout removed the base tree's build under the other attempt, whose base suite then found no tests).
    const trees = `trees-${randomUUID().slice(0, 8)}`;
    const record = await testPatch(deps, c, runId, trees);
    c = await deps.record(runId, 'tests', {
      ...record,
      trees,
      coverageDirs: {
        base: record.coverageDirs.base && join(trees, record.coverageDirs.base),
        patched: record.coverageDirs.patched && join(trees, record.coverageDirs.patched),
      },
    });
  }
  const t = c.tests!;
  return {
    event: {
      type: 'TestsExecuted',
      payload: {
        command: t.command,
        exitCode: t.exitCode,
        passed: t.passed,
        failed: t.failed,
        skipped: t.skipped,
        durationMs: t.durationMs,
        failures: t.failures.map((f) => ({ name: f.name, file: f.file, message: f.message })),
        report: { collection: 'validations', id: c.validationId },
      },
    },
  };
};

function notRun(
  c: ValidationCase,
  verdict: Verdict,
  reason: Reason,
  steps: StepRun[] = [],
  command = '',
): TestsRecord {
  return {
    verdict,
    summary: reason.message,
    reasons: [reason],
    steps,
    command,
    exitCode: -1,
    durationMs: steps.reduce((a, s) => a + s.durationMs, 0),
    passed: 0,
    failed: 0,
    skipped: 0,
    failures: [],
    regression: { verdict: 'inconclusive', reason: 'not run', tests: c.patch?.testNames ?? [] },
    broken: [],
    fixed: [],
    flaky: [],
    newTests: [],
    runs: 0,
    perTest: false,
    coverageDirs: { base: null, patched: null },
  };
}

async function testPatch(
  deps: ValidationDeps,
  c: ValidationCase,
  runId: string,
  trees: string,
): Promise<TestsRecord> {
  const applied = c.applied;
  if (!applied?.clean || !applied.headCommit || !applied.baseHead || c.patch?.problem)
    return notRun(
      c,
      'failed',
      applied?.problem ??
        c.patch?.problem ?? { code: 'patch-does-not-apply', message: 'the patch did not apply', field: null },
    );
  const repo = await deps.repo(c);
  const dir = join(deps.runDir(runId), trees);
  const commits: Record<Side, string> = { base: applied.baseHead, patched: applied.headCommit };
  // Fresh trees at the commits applyPatch made: a retry after a crash must not build on what a killed attempt (or
  // the code it ran) left behind.
  for (const side of SIDES) await freshWorktree(repo, commits[side], join(dir, side));
  const manifests = Object.fromEntries(
    await Promise.all(
      SIDES.map(async (side) => {
        const at = new Committed(repo, commits[side]);
        return [
          side,
          { manifest: await at.read('package.json'), lock: await at.read('package-lock.json') },
        ] as const;
      }),
    ),
  ) as Record<Side, { manifest: string | undefined; lock: string | undefined }>;
  const scripts = scriptsOf(manifests.patched.manifest);
  const recipe = recipeOf(deps.service(c.patch!.service), scripts, deps.settings);
  const command = recipe.test.join(' ');
  const steps: StepRun[] = [];

  // Each tree installs from its own lockfile (a patch may change it); the same lockfile is installed once.
  for (const side of SIDES) {
    const { step, cached } = await installDependencies({
      tree: join(dir, side),
      ...manifests[side],
      depsRoot: deps.depsDir(),
      npmCache: deps.npmCacheDir(),
      recipe,
    });
    steps.push({ ...step, step: `install ${side}${cached ? ' (cached)' : ''}` });
    if (!stepOk(step)) {
      const patchChangedIt =
        side === 'patched' &&
        (manifests.patched.manifest !== manifests.base.manifest ||
          manifests.patched.lock !== manifests.base.lock);
      return notRun(
        c,
        patchChangedIt ? 'failed' : 'inconclusive',
        {
          code: 'install-failed',
          message: `installing the ${side} tree's dependencies failed (${step.killedFor ?? `exit ${step.exitCode}`})${patchChangedIt ? ': the patch changed them' : ''}`,
          field: null,
        },
        steps,
        command,
      );
    }
  }
  for (const side of SIDES) await prepareSandboxRoot(join(dir, side));
  let baseBuilt = true;
  if (recipe.build) {
    for (const side of SIDES) {
      const tree = join(dir, side);
      const { step } = await runStep({
        step: `build ${side}`,
        argv: recipe.build,
        root: tree,
        cwd: tree,
        recipe,
        timeoutMs: recipe.limits.buildTimeoutMs,
        readOnly: [deps.depsDir()],
      });
      steps.push(step);
      if (side === 'base') baseBuilt = stepOk(step);
      if (side === 'patched' && !stepOk(step))
        return notRun(
          c,
          'failed',
          {
            code: 'build-failed',
            message: `the patched tree does not build (${step.killedFor ?? `exit ${step.exitCode}`})`,
            field: null,
          },
          steps,
          command,
        );
    }
  }

  // Base and patch alternate, so a machine slowing down or a time-dependent test hits both alike.
  const runs: Record<Side, SuiteRun[]> = { base: [], patched: [] };
  for (let attempt = 0; attempt <= deps.settings.reruns; attempt++) {
    for (const side of SIDES) {
      const r = await runSuite({
        tree: join(dir, side),
        side,
        attempt,
        recipe,
        scripts,
        readOnly: [deps.depsDir()],
      });
      runs[side].push(r);
      steps.push(r.step);
    }
    // A suite stopped at a limit would be stopped again: a rerun only spends the time once more.
    if (runs.base.at(-1)!.step.killedFor || runs.patched.at(-1)!.step.killedFor) break;
    const results = (side: Side) => runs[side].map((r) => r.results ?? []);
    if (compareRuns(results('base'), results('patched'), deps.settings.reruns + 1).needsRerun.length === 0)
      break;
  }
  const judged = judgeSuites({
    runs,
    steps,
    command,
    testNames: c.patch!.testNames,
    rewrittenTests: c.patch!.rewrittenTests ?? [],
    baseBuilt,
    restores: applied.restores ?? null,
  });
  // The patch's tests did not apply to the base alone: the base ran without them, so the regression test's failure
  // there says nothing about the bug.
  if (applied.problem?.code === 'tests-do-not-apply') {
    judged.reasons.push(applied.problem);
    if (judged.verdict === 'passed') judged.verdict = 'inconclusive';
  }
  return judged;
}
