import type { Reason, StepRun, TestsRecord, Verdict } from '../service/case.js';
import type { SuiteRun } from '../service/suites.js';
import { compareRuns, regressionVerdict, type TestCaseResult } from '../testing/index.js';
import type { Side } from '../workspace/trees.js';

const MAX_FAILURES = 50;
/** Test ids kept per list: a suite of thousands breaking must not outgrow a MongoDB document. */
const MAX_IDS = 200;

/** A test name as people read it: the application wrote it, so no control characters, bounded. */
const clean = (text: string, max = 300) => text.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, max);
const cleanIds = (list: Array<{ id: string }>) => list.slice(0, MAX_IDS).map((t) => clean(t.id));

/**
 * The tests check from the suites' runs on both sides. Failed when: the regression test passes on the base (it
 * proves nothing) or fails on the patch; a test that passed on the base fails, disappears or is skipped on the
 * patch; the patched suite fails without a failing test (its runner, a script after the tests). Inconclusive when:
 * no regression test shows the fix (unless the patch gives back the last good deployment's production code); the patch rewrites existing tests (the base then runs the patch's version of
 * them, so a changed expectation would pass for a fix); the base did not build and more than the new tests
 * changed outcome; a suite was stopped at a limit on both sides; the runner gives no per-test results.
 */
export function judgeSuites(p: {
  runs: Record<Side, SuiteRun[]>;
  steps: StepRun[];
  command: string;
  testNames: string[];
  rewrittenTests: string[];
  baseBuilt: boolean;
  /** The patch gives back the production code of this commit (see workspace/restores.ts); null when it does not. */
  restores?: { commit: string; files: string[] } | null;
}): TestsRecord {
  const { runs } = p;
  const lastBase = runs.base.at(-1)!;
  const lastPatched = runs.patched.at(-1)!;
  const perTest = [...runs.base, ...runs.patched].every((r) => r.results !== null);
  const reasons: Reason[] = [];
  const patched: TestCaseResult[] = lastPatched.results ?? [];
  const counts = {
    passed: patched.filter((t) => t.status === 'passed').length,
    failed: patched.filter((t) => t.status === 'failed').length,
    skipped: patched.filter((t) => t.status === 'skipped').length,
  };
  const base: Omit<TestsRecord, 'verdict' | 'summary' | 'reasons'> = {
    steps: p.steps,
    command: p.command,
    exitCode: lastPatched.step.exitCode ?? -1,
    durationMs: p.steps.reduce((a, s) => a + s.durationMs, 0),
    ...counts,
    failures: patched
      .filter((t) => t.status === 'failed')
      .slice(0, MAX_FAILURES)
      .map((t) => ({ name: clean(t.id), file: t.file, message: clean(t.message ?? '', 2048) })),
    regression: { verdict: 'inconclusive', reason: 'no per-test results', tests: p.testNames },
    broken: [],
    fixed: [],
    flaky: [],
    newTests: [],
    runs: runs.patched.length,
    perTest,
    coverageDirs: { base: lastBase.coverageDir, patched: lastPatched.coverageDir },
  };
  const done = (verdict: Verdict, summary: string, extra: Partial<TestsRecord> = {}): TestsRecord => ({
    ...base,
    ...extra,
    verdict,
    summary: reasons.length ? `${summary}; ${reasons.map((r) => r.message).join('; ')}` : summary,
    reasons,
  });

  if (lastPatched.step.killedFor || lastBase.step.killedFor) {
    const on = (['base', 'patched'] as const).filter((s) => runs[s].at(-1)!.step.killedFor);
    const what = on.map((s) => `${s}: ${runs[s].at(-1)!.step.killedFor}`).join(', ');
    reasons.push({
      code: on.includes('patched') ? `tests-${lastPatched.step.killedFor}` : 'base-suite-killed',
      message: `the suite was stopped at a limit (${what})`,
      field: null,
    });
    // Stopped on the patch alone: the patch made it hang or grow. On both (or the base alone, which carries the
    // patch's tests too): nothing can be told apart.
    return done(on.length === 1 && on[0] === 'patched' ? 'failed' : 'inconclusive', 'suite stopped');
  }
  if (!perTest) {
    if (lastPatched.step.exitCode !== 0) {
      reasons.push({
        code: 'tests-fail',
        message: `the suite fails on the patch (exit ${lastPatched.step.exitCode})`,
        field: null,
      });
      return done('failed', 'no per-test results');
    }
    reasons.push({
      code: 'no-per-test-results',
      message:
        'the test runner gives no per-test results: the regression test could not be checked on its own',
      field: null,
    });
    return done('inconclusive', 'suite passes on the patch');
  }

  const comparison = compareRuns(
    runs.base.map((r) => r.results!),
    runs.patched.map((r) => r.results!),
    runs.patched.length,
  );
  const regression = regressionVerdict(lastBase.results, lastPatched.results, p.testNames);
  // A test that passed on the base and is gone or skipped on the patch counts as broken: deleting or skipping a
  // test must not make a regression disappear.
  const skippedOnPatch = new Set(
    runs.patched.flatMap((r) => r.results!.filter((t) => t.status === 'skipped').map((t) => t.id)),
  );
  const passedOnBase = new Set(
    runs.base.flatMap((r) => r.results!.filter((t) => t.status === 'passed').map((t) => t.id)),
  );
  const lost = [
    ...comparison.removed.filter((t) => t.base.outcome === 'passed'),
    ...[...skippedOnPatch].filter((id) => passedOnBase.has(id)).map((id) => ({ id })),
  ];
  const extra: Partial<TestsRecord> = {
    regression: { verdict: regression.verdict, reason: clean(regression.reason, 500), tests: p.testNames },
    broken: cleanIds([...comparison.broken, ...lost]),
    fixed: cleanIds(comparison.fixed),
    flaky: cleanIds(comparison.flaky),
    newTests: cleanIds(comparison.newTests),
  };
  let verdict: Verdict = 'passed';
  const fail = (code: string, message: string) => {
    reasons.push({ code, message, field: null });
    verdict = 'failed';
  };
  const unsure = (code: string, message: string) => {
    reasons.push({ code, message, field: null });
    if (verdict === 'passed') verdict = 'inconclusive';
  };
  if (regression.verdict === 'rejected')
    fail(
      'regression-test-passes-on-base',
      `the regression test passes on the base: it proves nothing (${clean(regression.reason, 300)})`,
    );
  else if (regression.verdict === 'failed')
    fail(
      'regression-test-fails-on-patch',
      `the regression test fails on the patch (${clean(regression.reason, 300)})`,
    );
  else if (regression.verdict === 'inconclusive' && p.restores)
    extra.regression = {
      ...extra.regression!,
      reason: clean(
        `${regression.reason}; the patch gives back the code production ran before the release (${p.restores.files.slice(0, 5).join(', ')} as at ${p.restores.commit.slice(0, 12)}), which stands for a regression test`,
        500,
      ),
    };
  else if (regression.verdict === 'inconclusive')
    unsure('no-regression-test', `no regression test shows the fix: ${clean(regression.reason, 300)}`);
  if (comparison.broken.length)
    fail(
      'tests-broken',
      `${comparison.broken.length} test(s) that pass on the base fail on the patch: ${cleanIds(comparison.broken).slice(0, 5).join('; ')}`,
    );
  if (lost.length)
    fail(
      'tests-removed',
      `${lost.length} test(s) that pass on the base are gone or skipped on the patch: ${cleanIds(lost).slice(0, 5).join('; ')}`,
    );
  if (lastPatched.step.exitCode !== 0 && counts.failed === 0)
    fail(
      'suite-fails',
      `the suite exits ${lastPatched.step.exitCode} on the patch with no failing test: its runner or a step after it fails`,
    );
  if (p.rewrittenTests.length)
    unsure(
      'existing-tests-rewritten',
      `the patch changes existing tests (${p.rewrittenTests.slice(0, 5).join(', ')}): the base ran the patch's version of them, so a changed expectation could hide a regression`,
    );
  if (!p.baseBuilt && comparison.fixed.length > p.testNames.length)
    unsure(
      'base-build-failed',
      `the base did not build and ${comparison.fixed.length} tests pass only on the patch`,
    );
  const summary = `${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped on the patch; regression test ${regression.verdict}; ${comparison.broken.length + lost.length} broken, ${comparison.fixed.length} fixed, ${comparison.flaky.length} flaky`;
  return done(verdict, summary, extra);
}
