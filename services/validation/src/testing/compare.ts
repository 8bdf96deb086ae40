import type { TestCaseResult, TestStatus } from './types.js';

/** What one side (base or patched) says about one test over all its runs. */
export interface SideOutcome {
  /** 'absent': in no run; 'skipped': only skipped; 'flaky': passed in a run and failed in another. */
  outcome: 'passed' | 'failed' | 'flaky' | 'skipped' | 'absent';
  passed: number;
  failed: number;
  skipped: number;
  /** The first failure's message on this side. */
  message: string | null;
}

export interface TestComparison {
  id: string;
  base: SideOutcome;
  patched: SideOutcome;
}

export interface SuiteComparison {
  /** Passed on the base in every run that ran it, failed on the patch in every run: the patch broke it. */
  broken: TestComparison[];
  /** Failed on the base, passed on the patch. */
  fixed: TestComparison[];
  /** Failed on both sides: not the patch's doing, but not healthy either. */
  stillFailing: TestComparison[];
  /** Flipped between runs of the same side: reported, never counted as a verdict. */
  flaky: TestComparison[];
  /** Only the patched tree has them (a regression test, or tests the patch adds). */
  newTests: TestComparison[];
  /** Only the base has them: a patch that deletes a failing test must not look like a fix. */
  removed: TestComparison[];
  /** Ids to run again on both trees before `broken`/`fixed` are believed (see needsRerun; minRuns as given). */
  needsRerun: string[];
  counts: {
    tests: number;
    passedBoth: number;
    broken: number;
    fixed: number;
    stillFailing: number;
    flaky: number;
    newTests: number;
    removed: number;
    /** Skipped on a side (or both), so neither passed nor failed there. */
    skipped: number;
    baseRuns: number;
    patchedRuns: number;
  };
}

function sideOf(runs: readonly TestCaseResult[][]): Map<string, SideOutcome> {
  const sides = new Map<string, SideOutcome>();
  for (const run of runs) {
    for (const test of run) {
      let side = sides.get(test.id);
      if (!side) {
        side = { outcome: 'absent', passed: 0, failed: 0, skipped: 0, message: null };
        sides.set(test.id, side);
      }
      side[test.status]++;
      if (test.status === 'failed') side.message ??= test.message;
    }
  }
  for (const side of sides.values()) side.outcome = outcomeOf(side);
  return sides;
}

function outcomeOf(s: Pick<SideOutcome, 'passed' | 'failed' | 'skipped'>): SideOutcome['outcome'] {
  if (s.passed > 0 && s.failed > 0) return 'flaky';
  if (s.failed > 0) return 'failed';
  if (s.passed > 0) return 'passed';
  return s.skipped > 0 ? 'skipped' : 'absent';
}

const ABSENT: SideOutcome = { outcome: 'absent', passed: 0, failed: 0, skipped: 0, message: null };

/**
 * The patched suite against the base suite, each side given as one or more runs (reruns). The issue's rule: no test
 * that passed on the base may fail on the patch; a test that flips on a rerun is flaky and reported as such, not
 * counted as a verdict. A test missing from some runs of a side (a file that crashed) is judged on the runs that
 * have it. Whether there were enough runs to believe a flip is `needsRerun`'s question.
 */
export function compareRuns(
  base: readonly TestCaseResult[][],
  patched: readonly TestCaseResult[][],
  minRuns = 2,
): SuiteComparison {
  const b = sideOf(base);
  const p = sideOf(patched);
  const out: SuiteComparison = {
    broken: [],
    fixed: [],
    stillFailing: [],
    flaky: [],
    newTests: [],
    removed: [],
    needsRerun: [],
    counts: {
      tests: 0,
      passedBoth: 0,
      broken: 0,
      fixed: 0,
      stillFailing: 0,
      flaky: 0,
      newTests: 0,
      removed: 0,
      skipped: 0,
      baseRuns: base.length,
      patchedRuns: patched.length,
    },
  };
  const ids = [...new Set([...b.keys(), ...p.keys()])].sort();
  for (const id of ids) {
    const c: TestComparison = { id, base: b.get(id) ?? ABSENT, patched: p.get(id) ?? ABSENT };
    out.counts.tests++;
    const list = classify(c.base.outcome, c.patched.outcome);
    if (list === 'passedBoth' || list === 'skipped') out.counts[list]++;
    else out[list].push(c);
  }
  for (const key of ['broken', 'fixed', 'stillFailing', 'flaky', 'newTests', 'removed'] as const) {
    out.counts[key] = out[key].length;
  }
  const rerun = rerunsOf(out, minRuns);
  out.needsRerun = [...new Set([...rerun.base, ...rerun.patched])].sort();
  return out;
}

type Verdict =
  'broken' | 'fixed' | 'stillFailing' | 'flaky' | 'newTests' | 'removed' | 'passedBoth' | 'skipped';

function classify(base: SideOutcome['outcome'], patched: SideOutcome['outcome']): Verdict {
  if (base === 'absent') return 'newTests';
  if (patched === 'absent') return 'removed';
  if (base === 'flaky' || patched === 'flaky') return 'flaky';
  if (base === 'skipped' || patched === 'skipped') return 'skipped';
  if (base === 'passed') return patched === 'passed' ? 'passedBoth' : 'broken';
  return patched === 'passed' ? 'fixed' : 'stillFailing';
}

export interface RerunRequest {
  /** Test ids to run again on the base tree. */
  base: string[];
  /** Test ids to run again on the patched tree. */
  patched: string[];
}

/**
 * The tests to run again before their comparison is believed: every test whose outcome differs between the sides
 * (broken or fixed), or that fails only on the patch as a new test, while a side has fewer than `minRuns` results
 * for it. A flip seen once may be the test, not the patch; one that holds over `minRuns` runs on both sides is not
 * flaky as far as we can tell. Flaky tests need nothing more: they are already decided as flaky.
 */
export function needsRerun(
  base: readonly TestCaseResult[][],
  patched: readonly TestCaseResult[][],
  minRuns = 2,
): RerunRequest {
  return rerunsOf(compareRuns(base, patched, minRuns), minRuns);
}

function rerunsOf(comparison: SuiteComparison, minRuns: number): RerunRequest {
  const ran = (s: SideOutcome): number => s.passed + s.failed;
  const request: RerunRequest = { base: [], patched: [] };
  for (const c of [...comparison.broken, ...comparison.fixed]) {
    if (ran(c.base) < minRuns) request.base.push(c.id);
    if (ran(c.patched) < minRuns) request.patched.push(c.id);
  }
  for (const c of comparison.newTests) {
    if (c.patched.outcome === 'failed' && ran(c.patched) < minRuns) request.patched.push(c.id);
  }
  return request;
}

/** Statuses as one line per side, for reasons and logs: `passed 2/2`, `failed 1/2, passed 1/2`. */
export function describeSide(side: SideOutcome): string {
  const total = side.passed + side.failed + side.skipped;
  if (total === 0) return 'absent';
  const parts = (['passed', 'failed', 'skipped'] as const satisfies readonly TestStatus[])
    .filter((s) => side[s] > 0)
    .map((s) => `${s} ${side[s]}/${total}`);
  return parts.join(', ');
}
