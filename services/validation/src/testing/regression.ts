import { ID_SEPARATOR } from './junit.js';
import type { TestCaseResult, TestStatus } from './types.js';

export interface RegressionTestOutcome {
  name: string;
  /** null: no result of that name on that side (the file did not build or load, or the name differs). */
  base: TestStatus | null;
  patched: TestStatus | null;
  baseMessage: string | null;
  patchedMessage: string | null;
}

export interface RegressionVerdict {
  /**
   * 'passed': every regression test fails on the base and passes on the patch. 'rejected': a test passes on the base,
   * so it proves nothing (the test is worthless, whatever the patch). 'failed': a test that fails on the base fails
   * on the patch too (the patch does not fix what the test shows). 'inconclusive': no evidence either way (no test,
   * it did not run or load, or it was skipped).
   */
  verdict: 'passed' | 'rejected' | 'failed' | 'inconclusive';
  reason: string;
  tests: RegressionTestOutcome[];
}

/**
 * The verdict on the generated regression test, run alone on the base tree and on the patched tree. The test must
 * fail on the base (it reproduces the incident) and pass on the patch; a test that passes on the base proves nothing.
 * `onBase`/`onPatched` null means no report came back (the test did not build, the run crashed): that is "no test",
 * never a failing candidate.
 */
export function regressionVerdict(
  onBase: readonly TestCaseResult[] | null,
  onPatched: readonly TestCaseResult[] | null,
  testNames: readonly string[],
): RegressionVerdict {
  const tests = testNames.map((name): RegressionTestOutcome => {
    const b = onBase ? findTest(onBase, name) : undefined;
    const p = onPatched ? findTest(onPatched, name) : undefined;
    return {
      name,
      base: b?.status ?? null,
      patched: p?.status ?? null,
      baseMessage: b?.message ?? null,
      patchedMessage: p?.message ?? null,
    };
  });
  const inconclusive = (reason: string): RegressionVerdict => ({ verdict: 'inconclusive', reason, tests });
  if (testNames.length === 0) return inconclusive('no regression test was generated');
  if (onBase === null)
    return inconclusive('the regression test gave no report on the base tree (did not build or run)');
  if (onPatched === null) {
    return inconclusive('the regression test gave no report on the patched tree (did not build or run)');
  }
  // Evidence against the candidate first: it decides even when another test of the set is missing.
  const provesNothing = tests.find((t) => t.base === 'passed');
  if (provesNothing) {
    return {
      verdict: 'rejected',
      reason: `regression test "${provesNothing.name}" passes on the base tree, so it proves nothing`,
      tests,
    };
  }
  const stillFails = tests.find((t) => t.base === 'failed' && t.patched === 'failed');
  if (stillFails) {
    return {
      verdict: 'failed',
      reason: `regression test "${stillFails.name}" fails on the patched tree too${suffix(stillFails.patchedMessage)}`,
      tests,
    };
  }
  for (const t of tests) {
    if (t.base === null)
      return inconclusive(
        `regression test "${t.name}" is not in the base tree's report${loadFailure(onBase)}`,
      );
    if (t.patched === null) {
      return inconclusive(
        `regression test "${t.name}" is not in the patched tree's report${loadFailure(onPatched)}`,
      );
    }
    if (t.base === 'skipped' || t.patched === 'skipped') {
      return inconclusive(
        `regression test "${t.name}" was skipped on the ${t.base === 'skipped' ? 'base' : 'patched'} tree`,
      );
    }
    if (t.patched === 'failed') {
      return {
        verdict: 'failed',
        reason: `regression test "${t.name}" fails on the patched tree${suffix(t.patchedMessage)}`,
        tests,
      };
    }
  }
  return {
    verdict: 'passed',
    reason: `${tests.length === 1 ? 'the regression test fails' : `all ${tests.length} regression tests fail`} on the base tree and pass${tests.length === 1 ? 'es' : ''} on the patched tree`,
    tests,
  };
}

/**
 * The result for a test name the fix stage gave: the report's id is the suite path and the name, so the id equals
 * the name or ends with ' > ' and the name. Node's junit reporter writes `"` in names as `&amp;quot;` (escaped
 * twice), so a name compares with `&quot;` read as `"` on both sides. The first match wins (ids are unique, and a
 * ' #2' duplicate is the second of the same name).
 */
export function findTest(results: readonly TestCaseResult[], name: string): TestCaseResult | undefined {
  const wanted = normalise(name);
  return results.find((r) => {
    const id = normalise(r.id);
    return id === wanted || id.endsWith(ID_SEPARATOR + wanted) || normalise(r.name) === wanted;
  });
}

const normalise = (s: string): string => s.replace(/&quot;/g, '"').trim();

const suffix = (message: string | null): string => (message ? `: ${firstLine(message)}` : '');

const firstLine = (message: string): string => {
  const line = message.trim().split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
};

/** A file that does not load shows as one failed case named after it; say so, it is why the name is missing. */
function loadFailure(results: readonly TestCaseResult[]): string {
  const failed = results.filter((r) => r.status === 'failed');
  if (results.length === 0) return ' (the report is empty)';
  if (failed.length === results.length)
    return ` (${failed.length} failed case(s) instead, e.g. "${failed[0]!.name}"${suffix(failed[0]!.message)})`;
  return '';
}
