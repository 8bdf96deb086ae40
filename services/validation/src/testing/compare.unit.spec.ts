import { describe, expect, it } from 'vitest';
import { compareRuns, describeSide, needsRerun } from './compare.js';
import type { TestCaseResult, TestStatus } from './types.js';

/** One run: id -> status. */
const run = (tests: Record<string, TestStatus>): TestCaseResult[] =>
  Object.entries(tests).map(([id, status]) => ({
    id,
    name: id.split(' > ').at(-1)!,
    file: null,
    status,
    durationMs: 1,
    message: status === 'failed' ? `${id} failed` : null,
  }));

describe('compareRuns', () => {
  it('given a test passing on the base and failing on the patch, when compared, then it is broken with the message', () => {
    const c = compareRuns(
      [run({ a: 'passed', b: 'passed', c: 'failed', d: 'skipped' })],
      [run({ a: 'passed', b: 'failed', c: 'passed', d: 'passed' })],
    );
    expect(c.broken.map((t) => t.id)).toEqual(['b']);
    expect(c.broken[0]!.patched.message).toBe('b failed');
    expect(c.fixed.map((t) => t.id)).toEqual(['c']);
    expect(c.counts).toMatchObject({ tests: 4, passedBoth: 1, broken: 1, fixed: 1, skipped: 1, flaky: 0 });
  });

  it('given a test that flips between reruns of one side, when compared, then it is flaky, not broken', () => {
    const c = compareRuns(
      [run({ a: 'passed', b: 'passed' }), run({ a: 'passed', b: 'passed' })],
      [run({ a: 'failed', b: 'failed' }), run({ a: 'passed', b: 'failed' })],
    );
    expect(c.flaky.map((t) => [t.id, describeSide(t.patched)])).toEqual([['a', 'passed 1/2, failed 1/2']]);
    expect(c.broken.map((t) => t.id)).toEqual(['b']);
  });

  it('given tests only on one side, when compared, then new tests keep their status and removed ones are listed', () => {
    const c = compareRuns(
      [run({ kept: 'passed', deleted: 'failed' })],
      [run({ kept: 'passed', 'regression > given x, when y, then z': 'passed', other: 'failed' })],
    );
    expect(c.newTests.map((t) => [t.id, t.patched.outcome])).toEqual([
      ['other', 'failed'],
      ['regression > given x, when y, then z', 'passed'],
    ]);
    expect(c.removed.map((t) => [t.id, t.base.outcome])).toEqual([['deleted', 'failed']]);
  });

  it('given a test missing from one rerun (its file crashed), when compared, then it is judged on the runs that have it', () => {
    const c = compareRuns([run({ a: 'passed' }), run({})], [run({ a: 'failed' }), run({ a: 'failed' })]);
    expect(c.broken.map((t) => [t.id, t.base.passed, t.patched.failed])).toEqual([['a', 1, 2]]);
  });
});

describe('needsRerun', () => {
  it('given one run per side, when a test differs or a new test fails, then those are rerun on the sides short of runs', () => {
    const base = [run({ a: 'passed', b: 'failed', c: 'passed' })];
    const patched = [run({ a: 'failed', b: 'passed', c: 'passed', n: 'failed', m: 'passed' })];
    expect(needsRerun(base, patched)).toEqual({ base: ['a', 'b'], patched: ['a', 'b', 'n'] });
    expect(compareRuns(base, patched).needsRerun).toEqual(['a', 'b', 'n']);
  });

  it('given a difference that held over two runs on each side, when asked, then nothing more to run', () => {
    const base = [run({ a: 'passed' }), run({ a: 'passed' })];
    const patched = [run({ a: 'failed' }), run({ a: 'failed' })];
    expect(needsRerun(base, patched)).toEqual({ base: [], patched: [] });
    // After a rerun shows the flip, the test is flaky: decided, nothing to rerun.
    expect(needsRerun(base, [run({ a: 'failed' }), run({ a: 'passed' })])).toEqual({ base: [], patched: [] });
  });
});
