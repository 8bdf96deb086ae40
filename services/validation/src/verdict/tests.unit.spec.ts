import { describe, expect, it } from 'vitest';
import { judgeSuites } from './tests.js';
import type { SuiteRun } from '../service/suites.js';
import type { TestCaseResult } from '../testing/index.js';

const REGRESSION = 'prints labels without a second line';
const t = (name: string, status: TestCaseResult['status']): TestCaseResult => ({
  id: `address > ${name}`,
  name,
  file: null,
  status,
  durationMs: 1,
  message: status === 'failed' ? 'boom' : null,
});
const suite = (
  side: 'base' | 'patched',
  results: TestCaseResult[] | null,
  over: Partial<SuiteRun['step']> = {},
): SuiteRun => ({
  side,
  step: {
    step: `test ${side}`,
    argv: ['npm', 'test'],
    exitCode: results?.some((r) => r.status === 'failed') ? 1 : 0,
    killedFor: null,
    durationMs: 10,
    tail: '',
    ...over,
  },
  results,
  coverageDir: `${side}/.validation/coverage-0`,
});
const judge = (
  base: SuiteRun[],
  patched: SuiteRun[],
  over: Partial<Parameters<typeof judgeSuites>[0]> = {},
) =>
  judgeSuites({
    runs: { base, patched },
    steps: [],
    command: 'npm test',
    testNames: [REGRESSION],
    rewrittenTests: [],
    baseBuilt: true,
    ...over,
  });

const healthy = [t('label', 'passed'), t('carrier', 'passed')];

describe('the tests check', () => {
  it('given the regression test failing on the base and passing on the patch, nothing else changed, then passed', () => {
    const r = judge(
      [suite('base', [...healthy, t(REGRESSION, 'failed')])],
      [suite('patched', [...healthy, t(REGRESSION, 'passed')])],
    );
    expect(r.verdict).toBe('passed');
    expect(r.regression.verdict).toBe('passed');
    expect(r.fixed).toEqual([`address > ${REGRESSION}`]);
  });

  it('given a regression test that passes on the base, then failed: it proves nothing', () => {
    const r = judge(
      [suite('base', [...healthy, t(REGRESSION, 'passed')])],
      [suite('patched', [...healthy, t(REGRESSION, 'passed')])],
    );
    expect(r.verdict).toBe('failed');
    expect(r.reasons.map((x) => x.code)).toContain('regression-test-passes-on-base');
  });

  it('given a test that passed on the base deleted or skipped by the patch, then failed: a regression cannot be hidden so', () => {
    const r = judge(
      [suite('base', [...healthy, t(REGRESSION, 'failed')])],
      [suite('patched', [t('carrier', 'skipped'), t(REGRESSION, 'passed')])],
    );
    expect(r.verdict).toBe('failed');
    expect(r.reasons.map((x) => x.code)).toContain('tests-removed');
    expect(r.broken.sort()).toEqual(['address > carrier', 'address > label']);
  });

  it('given the patched suite exiting non-zero with every test passing, then failed', () => {
    const r = judge(
      [suite('base', [...healthy, t(REGRESSION, 'failed')])],
      [suite('patched', [...healthy, t(REGRESSION, 'passed')], { exitCode: 2 })],
    );
    expect(r.verdict).toBe('failed');
    expect(r.reasons.map((x) => x.code)).toContain('suite-fails');
  });

  it("given no regression test, then inconclusive, unless the patch gives back the last good deployment's code", () => {
    const runs: [SuiteRun[], SuiteRun[]] = [[suite('base', healthy)], [suite('patched', healthy)]];
    const none = judge(runs[0], runs[1], { testNames: [] });
    expect(none.verdict).toBe('inconclusive');
    expect(none.reasons.map((x) => x.code)).toEqual(['no-regression-test']);
    const restored = judge(runs[0], runs[1], {
      testNames: [],
      restores: { commit: 'a'.repeat(40), files: ['src/checkout.ts'] },
    });
    expect(restored.verdict).toBe('passed');
    expect(restored.reasons).toEqual([]);
    expect(restored.regression.reason).toMatch(/gives back the code production ran before the release/);
    // A broken test is not excused by it.
    const broken = judge(
      [suite('base', healthy)],
      [suite('patched', [t('label', 'failed'), t('carrier', 'passed')])],
      {
        testNames: [],
        restores: { commit: 'a'.repeat(40), files: ['src/checkout.ts'] },
      },
    );
    expect(broken.verdict).toBe('failed');
  });

  it('given a patch that rewrites existing tests, then at best inconclusive', () => {
    const r = judge(
      [suite('base', [...healthy, t(REGRESSION, 'failed')])],
      [suite('patched', [...healthy, t(REGRESSION, 'passed')])],
      {
        rewrittenTests: ['test/input.test.ts'],
      },
    );
    expect(r.verdict).toBe('inconclusive');
    expect(r.reasons.map((x) => x.code)).toEqual(['existing-tests-rewritten']);
  });

  it('given a suite stopped at its limit on the patch only, then failed; on both, inconclusive', () => {
    const killed = { killedFor: 'timeout', exitCode: null };
    expect(judge([suite('base', healthy)], [suite('patched', null, killed)]).verdict).toBe('failed');
    const both = judge([suite('base', null, killed)], [suite('patched', null, killed)]);
    expect(both.verdict).toBe('inconclusive');
    expect(both.summary).toContain('base: timeout');
  });

  it('given control characters in a test name, then they do not reach the record', () => {
    const evil = t('x\u001b[2Jy', 'failed');
    const r = judge(
      [suite('base', [...healthy, evil, t(REGRESSION, 'failed')])],
      [suite('patched', [...healthy, t('x\u001b[2Jy', 'failed'), t(REGRESSION, 'passed')])],
    );
    expect(JSON.stringify(r)).not.toContain('\u001b');
  });
});
