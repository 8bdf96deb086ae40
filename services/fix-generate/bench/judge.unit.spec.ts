import { describe, expect, it } from 'vitest';
import type { TestCaseResult } from '../../validation/src/testing/index.js';
import { judgePlausible, MAX_RUNS, resultsOf } from './judge.js';

const run = (outcomes: Record<string, 'passed' | 'failed'>): TestCaseResult[] =>
  resultsOf(Object.entries(outcomes).map(([fullTitle, state]) => ({ fullTitle, state })));

const FR = 'app.route should 404 on a missing route';
const buggy = run({ [FR]: 'failed', 'res.send should send a string': 'passed', 'res.json works': 'passed' });

describe('resultsOf', () => {
  it('merges the reports of one test: failed when any report failed, whatever their order', () => {
    const r = resultsOf([
      { fullTitle: 'a', state: 'passed' },
      { fullTitle: 'b', state: 'passed' },
      { fullTitle: 'a', state: 'failed' }, // an asynchronous error after it passed
      { fullTitle: 'b', state: 'passed' },
    ]);
    expect(r.map((t) => [t.id, t.status])).toEqual([
      ['a', 'failed'],
      ['b', 'passed'],
    ]);
  });
});

describe('judgePlausible', () => {
  it('plausible: the fault-revealing test passes on the candidate and every other test still passes', () => {
    const patched = run({
      [FR]: 'passed',
      'res.send should send a string': 'passed',
      'res.json works': 'passed',
    });
    expect(judgePlausible([buggy, buggy], [patched], [FR])).toMatchObject({
      plausible: true,
      reason: null,
      broken: [],
    });
  });

  it('not plausible when the fault-revealing test still fails', () => {
    const patched = run({
      [FR]: 'failed',
      'res.send should send a string': 'passed',
      'res.json works': 'passed',
    });
    const v = judgePlausible([buggy, buggy], [patched], [FR]);
    expect(v.plausible).toBe(false);
    expect(v.reason).toContain('fails on the patched tree too');
    expect(v.rerun).toBe(false);
  });

  it('not plausible when a test that passed before fails; runs are repeated up to MAX_RUNS', () => {
    const breaks = run({
      [FR]: 'passed',
      'res.send should send a string': 'failed',
      'res.json works': 'passed',
    });
    const once = judgePlausible([buggy, buggy], [breaks], [FR]);
    expect(once).toMatchObject({ plausible: false, broken: ['res.send should send a string'], rerun: true });
    const twice = judgePlausible([buggy, buggy], [breaks, breaks], [FR]);
    expect(twice.rerun).toBe(MAX_RUNS > 2);
    const thrice = judgePlausible([buggy, buggy], [breaks, breaks, breaks], [FR]);
    expect(thrice).toMatchObject({ plausible: false, rerun: false });
  });

  it('a test that fails in one run of the candidate and passes in the other is flaky, not held against it', () => {
    const bad = run({
      [FR]: 'passed',
      'res.send should send a string': 'failed',
      'res.json works': 'passed',
    });
    const good = run({
      [FR]: 'passed',
      'res.send should send a string': 'passed',
      'res.json works': 'passed',
    });
    const v = judgePlausible([buggy, buggy], [bad, good], [FR]);
    expect(v).toMatchObject({ plausible: true, flaky: ['res.send should send a string'] });
  });

  it('a passing test the candidate no longer reports, or a failing hook instead of tests, counts as broken', () => {
    const gone = run({ [FR]: 'passed', 'res.json works': 'passed' });
    expect(judgePlausible([buggy], [gone], [FR]).broken).toEqual(['res.send should send a string']);
    const hook = run({
      [FR]: 'passed',
      'res.send should send a string': 'passed',
      'res.json works': 'passed',
      'res "before each" hook for "works"': 'failed',
    });
    expect(judgePlausible([buggy], [hook], [FR]).broken).toEqual(['res "before each" hook for "works"']);
  });

  it('a crashed suite (no outcome at all) and a fault-revealing test passing on the buggy tree are not plausible', () => {
    expect(judgePlausible([buggy], [[]], [FR])).toMatchObject({ plausible: false, rerun: false });
    const passesBefore = run({ [FR]: 'passed', 'res.json works': 'passed' });
    const v = judgePlausible([passesBefore], [passesBefore], [FR]);
    expect(v.plausible).toBe(false);
    expect(v.reason).toContain('passes on the base tree');
  });
});
