import { describe, expect, it } from 'vitest';
import { aggregate } from './aggregate.js';
import type { CheckRecord } from '../service/case.js';

const ok: CheckRecord = { verdict: 'passed', summary: 'ok', reasons: [] };
const bad = (code: string): CheckRecord => ({
  verdict: 'failed',
  summary: code,
  reasons: [{ code, message: code, field: null }],
});
const all = ['tests', 'coverage', 'performance', 'documentation'] as const;

describe('aggregate verdict', () => {
  it('given every check passed, then the validation passed with no reason', () => {
    const v = aggregate(all, { tests: ok, coverage: ok, performance: ok, documentation: ok });
    expect(v.verdict).toBe('passed');
    expect(v.reasons).toEqual([]);
    expect(v.checks.map((c) => c.verdict)).toEqual(['passed', 'passed', 'passed', 'passed']);
  });

  it('given a broken test, then failed, with the test check’s reason', () => {
    const v = aggregate(all, {
      tests: bad('tests-broken'),
      coverage: ok,
      performance: ok,
      documentation: ok,
    });
    expect(v.verdict).toBe('failed');
    expect(v.reasons.map((r) => r.code)).toEqual(['tests-broken']);
  });

  it('given only coverage short, then inconclusive, not failed: unproven is not wrong', () => {
    const v = aggregate(all, {
      tests: ok,
      coverage: bad('changed-lines-uncovered'),
      performance: ok,
      documentation: ok,
    });
    expect(v.verdict).toBe('inconclusive');
  });

  it('given a check that did not run, then inconclusive even if the others passed', () => {
    const v = aggregate(all, { tests: ok, coverage: ok, documentation: ok });
    expect(v.verdict).toBe('inconclusive');
    expect(v.reasons.map((r) => r.code)).toEqual(['performance-not-run']);
  });

  it('given a failure and an inconclusive check, then failed wins', () => {
    const v = aggregate(all, {
      tests: { verdict: 'inconclusive', summary: 'hung on both', reasons: [] },
      coverage: ok,
      performance: bad('latency-regressed'),
      documentation: ok,
    });
    expect(v.verdict).toBe('failed');
    expect(v.reasons.map((r) => r.code)).toEqual(['tests-inconclusive', 'latency-regressed']);
  });
});
