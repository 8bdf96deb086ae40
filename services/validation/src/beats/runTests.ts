import { join } from 'node:path';
import type { ValidationBeat, ValidationDeps } from '../service/deps.js';
import type { Reason, StepRun, TestsRecord, ValidationCase, Verdict } from '../service/case.js';
import { installDependencies, packageScripts, recipeOf, runStep, stepOk } from '../service/execution.js';
import { runSuite, type SuiteRun } from '../service/suites.js';
import { prepareSandboxRoot } from '../sandbox/index.js';
import { compareRuns, regressionVerdict, type TestCaseResult } from '../testing/index.js';
import { SIDES } from '../workspace/trees.js';

const MAX_FAILURES = 50;

/**
 * Beat 4. The tests, in the sandbox: dependencies from the lockfile (shared install), both trees built, then the
 * whole suite on the base (which carries the patch's new tests) and on the patch, alternately, compared test by
 * test. The regression test must fail on the base and pass on the patch; no test that passed on the base may fail
 * on the patch. When a test's outcome differs between the sides, both suites run again (TEST_RERUNS): a test that
 * flips between runs of the same tree is flaky, reported, and no verdict rests on it.
 */
export const runTests: ValidationBeat<'runTests'> = async ({ runId }, deps) => {
  let c = await deps.caseOf(runId);
  if (!c.tests) c = await deps.record(runId, 'tests', await testPatch(deps, c, runId));
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
        report: { collection: 'validation_cases', id: runId },
      },
    },
  };
};

async function testPatch(deps: ValidationDeps, c: ValidationCase, runId: string): Promise<TestsRecord> {
  const empty = (verdict: Verdict, reason: Reason, steps: StepRun[] = [], command = ''): TestsRecord => ({
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
  });
  if (!c.applied?.clean || c.applied.problem?.code === 'patch-does-not-apply' || c.patch?.problem)
    return empty(
      'failed',
      c.applied?.problem ??
        c.patch?.problem ?? { code: 'patch-does-not-apply', message: 'the patch did not apply', field: null },
    );

  const dir = deps.runDir(runId);
  const trees = SIDES.map((s) => join(dir, s));
  const scripts = await packageScripts(trees[1]!);
  const recipe = recipeOf(deps.service(c.patch!.service), scripts, deps.settings);
  const command = recipe.test.join(' ');
  const steps: StepRun[] = [];

  // Each tree installs from its own lockfile (a patch may change it); the same lockfile is installed once.
  for (const tree of trees) {
    const { step, cached } = await installDependencies({
      trees: [tree],
      depsRoot: deps.depsDir(),
      npmCache: deps.npmCacheDir(),
      recipe,
    });
    steps.push({
      ...step,
      step: `${step.step} ${tree.endsWith('base') ? 'base' : 'patched'}${cached ? ' (cached)' : ''}`,
    });
    if (!stepOk(step))
      return empty(
        'inconclusive',
        {
          code: 'install-failed',
          message: `installing the dependencies failed (${step.killedFor ?? `exit ${step.exitCode}`})`,
          field: null,
        },
        steps,
        command,
      );
  }
  await prepareSandboxRoot(dir);
  if (recipe.build) {
    for (const side of SIDES) {
      const { step } = await runStep({
        step: `build ${side}`,
        argv: recipe.build,
        root: dir,
        cwd: join(dir, side),
        recipe,
        timeoutMs: recipe.limits.buildTimeoutMs,
        readOnly: [deps.depsDir()],
      });
      steps.push(step);
      if (side === 'patched' && !stepOk(step))
        return empty(
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
  const runs: { base: SuiteRun[]; patched: SuiteRun[] } = { base: [], patched: [] };
  for (let attempt = 0; attempt <= deps.settings.reruns; attempt++) {
    for (const side of SIDES) {
      const r = await runSuite({ runDir: dir, side, attempt, recipe, scripts, readOnly: [deps.depsDir()] });
      runs[side].push(r);
      steps.push(r.step);
    }
    const base = runs.base.map((r) => r.results ?? []);
    const patched = runs.patched.map((r) => r.results ?? []);
    // A suite stopped at a limit would be stopped again: a rerun only spends the time once more.
    if (runs.base.at(-1)!.step.killedFor || runs.patched.at(-1)!.step.killedFor) break;
    if (compareRuns(base, patched, deps.settings.reruns + 1).needsRerun.length === 0) break;
  }
  return judge(c, runs, steps, command);
}

function judge(
  c: ValidationCase,
  runs: { base: SuiteRun[]; patched: SuiteRun[] },
  steps: StepRun[],
  command: string,
): TestsRecord {
  const lastBase = runs.base.at(-1)!;
  const lastPatched = runs.patched.at(-1)!;
  const perTest = runs.patched.every((r) => r.results !== null) && runs.base.every((r) => r.results !== null);
  const reasons: Reason[] = [];
  const patched: TestCaseResult[] = lastPatched.results ?? [];
  const failures = patched
    .filter((t) => t.status === 'failed')
    .slice(0, MAX_FAILURES)
    .map((t) => ({ name: t.id, file: t.file, message: (t.message ?? '').slice(0, 2048) }));
  const counts = {
    passed: patched.filter((t) => t.status === 'passed').length,
    failed: patched.filter((t) => t.status === 'failed').length,
    skipped: patched.filter((t) => t.status === 'skipped').length,
  };
  const record = (verdict: Verdict, extra: Partial<TestsRecord>): TestsRecord => ({
    verdict,
    summary: reasons.length ? reasons.map((r) => r.message).join('; ') : (extra.summary ?? ''),
    reasons,
    steps,
    command,
    exitCode: lastPatched.step.exitCode ?? -1,
    durationMs: steps.reduce((a, s) => a + s.durationMs, 0),
    ...counts,
    failures,
    regression: { verdict: 'inconclusive', reason: 'no per-test results', tests: c.patch!.testNames },
    broken: [],
    fixed: [],
    flaky: [],
    newTests: [],
    runs: runs.patched.length,
    perTest,
    coverageDirs: { base: lastBase.coverageDir, patched: lastPatched.coverageDir },
    ...extra,
  });

  if (lastPatched.step.killedFor) {
    const baseKilled = lastBase.step.killedFor;
    reasons.push({
      code: `tests-${lastPatched.step.killedFor}`,
      message: `the suite on the patch was stopped for ${lastPatched.step.killedFor}${baseKilled ? ` (so was the base's: ${baseKilled})` : ''}`,
      field: null,
    });
    return record(baseKilled ? 'inconclusive' : 'failed', {});
  }
  if (!perTest) {
    // Only exit codes: the patch's suite must pass; whether the new test catches the bug cannot be told.
    if (lastPatched.step.exitCode !== 0) {
      reasons.push({
        code: 'tests-fail',
        message: `the suite fails on the patch (exit ${lastPatched.step.exitCode})`,
        field: null,
      });
      return record('failed', {});
    }
    reasons.push({
      code: 'no-per-test-results',
      message:
        'the test runner gives no per-test results: the regression test could not be checked on its own',
      field: null,
    });
    return record('inconclusive', {});
  }

  const comparison = compareRuns(
    runs.base.map((r) => r.results!),
    runs.patched.map((r) => r.results!),
    runs.patched.length,
  );
  const ids = (list: Array<{ id: string }>) => list.map((t) => t.id);
  const regression = regressionVerdict(lastBase.results, lastPatched.results, c.patch!.testNames);
  const extra: Partial<TestsRecord> = {
    regression: { verdict: regression.verdict, reason: regression.reason, tests: c.patch!.testNames },
    broken: ids(comparison.broken),
    fixed: ids(comparison.fixed),
    flaky: ids(comparison.flaky),
    newTests: ids(comparison.newTests),
  };
  let verdict: Verdict = 'passed';
  if (regression.verdict === 'rejected') {
    reasons.push({
      code: 'regression-test-passes-on-base',
      message: `the regression test passes on the base: it proves nothing (${regression.reason})`,
      field: null,
    });
    verdict = 'failed';
  } else if (regression.verdict === 'failed') {
    reasons.push({
      code: 'regression-test-fails-on-patch',
      message: `the regression test fails on the patch (${regression.reason})`,
      field: null,
    });
    verdict = 'failed';
  } else if (regression.verdict === 'inconclusive') {
    reasons.push({
      code: 'no-regression-test',
      message: `no regression test shows the fix: ${regression.reason}`,
      field: null,
    });
    verdict = 'inconclusive';
  }
  if (comparison.broken.length) {
    reasons.push({
      code: 'tests-broken',
      message: `${comparison.broken.length} test(s) that pass on the base fail on the patch: ${ids(comparison.broken).slice(0, 5).join('; ')}`,
      field: null,
    });
    verdict = 'failed';
  }
  const summary = `${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped on the patch; regression test ${regression.verdict}; ${comparison.broken.length} broken, ${comparison.fixed.length} fixed, ${comparison.flaky.length} flaky`;
  return record(verdict, { ...extra, summary });
}
