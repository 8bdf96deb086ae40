import type { ReporterOutcome } from '../../diagnosis/bench/collect.js';
import { compareRuns, regressionVerdict, type TestCaseResult } from '../../validation/src/testing/index.js';

/**
 * One run's reporter lines as validation's per-test results: one result per test title, failed when any of its
 * reports failed (mocha reports a test twice when an asynchronous error arrives after it passed; "passed once" is not
 * "passed", as in the localize bench's collector).
 */
export function resultsOf(outcomes: readonly ReporterOutcome[]): TestCaseResult[] {
  const failed = new Set(outcomes.filter((o) => o.state === 'failed').map((o) => o.fullTitle));
  const seen = new Set<string>();
  const out: TestCaseResult[] = [];
  for (const o of outcomes) {
    if (seen.has(o.fullTitle)) continue;
    seen.add(o.fullTitle);
    out.push({
      id: o.fullTitle,
      name: o.fullTitle,
      file: null,
      status: failed.has(o.fullTitle) ? 'failed' : 'passed',
      durationMs: 0,
      message: null,
    });
  }
  return out;
}

/**
 * Runs of a candidate at most before tests that look broken are believed: Express's suite loses a varying part of its
 * tests in some runs (up to a quarter), so a test missing from one run proves nothing; missing from three, it does.
 */
export const MAX_RUNS = 3;

export interface Plausibility {
  plausible: boolean;
  /** Why not, in one line; null when plausible. */
  reason: string | null;
  /** Tests that passed on the buggy tree and fail (or are gone) on the candidate. */
  broken: string[];
  /** Tests whose outcome flipped between runs of one tree: reported, never held against the candidate. */
  flaky: string[];
  /** True when another run of the candidate could change the verdict (a test looks broken after one run). */
  rerun: boolean;
}

/**
 * Validation's checks (services/validation/src/testing) as the repair benchmark's "plausible": the fault-revealing
 * tests are the regression tests (they must fail on the buggy tree and pass on the candidate) and no test that passed
 * on the buggy tree may fail on the candidate. Stricter than the stage in one respect: a passing test the candidate's
 * run no longer reports (its file or a hook crashed) counts as broken, and so does a failing hook the buggy tree
 * did not have, since mocha reports a failed hook instead of the tests under it.
 */
export function judgePlausible(
  base: readonly TestCaseResult[][],
  patched: readonly TestCaseResult[][],
  faultRevealing: readonly string[],
): Plausibility {
  const comparison = compareRuns(base, patched, 2);
  const regression = regressionVerdict(base.at(-1) ?? null, patched.at(-1) ?? null, faultRevealing);
  const broken = [
    ...comparison.broken.map((t) => t.id),
    ...comparison.removed.filter((t) => t.base.outcome === 'passed').map((t) => t.id),
    ...comparison.newTests.filter((t) => t.patched.failed > 0).map((t) => t.id),
  ].sort();
  const flaky = comparison.flaky.map((t) => t.id);
  const revealingFixed = regression.verdict === 'passed';
  let reason: string | null = null;
  if (patched.every((run) => run.length === 0))
    reason = 'no test outcomes on the candidate (the suite crashed)';
  else if (!revealingFixed) reason = regression.reason;
  else if (broken.length)
    reason = `${broken.length} test(s) that passed on the buggy tree fail: ${broken.slice(0, 3).join('; ')}`;
  return {
    plausible: reason === null,
    reason,
    broken,
    flaky,
    rerun: reason !== null && revealingFixed && broken.length > 0 && patched.length < MAX_RUNS,
  };
}
