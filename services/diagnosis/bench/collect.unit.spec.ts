import { describe, expect, it } from 'vitest';
import { faultRevealingTests, parseJsonStream, type ReporterOutcome } from './collect.js';

const pass = (fullTitle: string): ReporterOutcome => ({ fullTitle, state: 'passed' });
const fail = (fullTitle: string): ReporterOutcome => ({ fullTitle, state: 'failed' });

describe('faultRevealingTests', () => {
  it('keeps tests failing in every buggy run and passing in every fixed run', () => {
    const buggy = [
      [fail('a'), fail('b'), pass('c')],
      [fail('a'), fail('b'), pass('c')],
    ];
    const fixed = [
      [pass('a'), fail('b'), pass('c')],
      [pass('a'), fail('b'), pass('c')],
    ];
    expect(faultRevealingTests(buggy, fixed)).toEqual(['a']);
  });
  it('does not count a test reported both passed and failed (a late asynchronous error) as passing', () => {
    const buggy = [[fail('late')], [fail('late')]];
    const fixed = [[pass('late'), fail('late')], [pass('late')]];
    expect(faultRevealingTests(buggy, fixed)).toEqual([]);
  });
  it('leaves out a test that fails only in some buggy runs or passes only in some fixed runs (flaky)', () => {
    const buggy = [
      [fail('x'), fail('y')],
      [pass('x'), fail('y')],
    ];
    const fixed = [[pass('x'), pass('y')], [fail('y')]];
    expect(faultRevealingTests(buggy, fixed)).toEqual([]);
  });
});

describe('parseJsonStream', () => {
  it('reads pass and fail events and skips other lines', () => {
    const out = [
      '["start",{"total":2}]',
      '["pass",{"title":"t","fullTitle":"s t"}]',
      'console output [not json',
      '["fail",{"title":"u","fullTitle":"s u","err":"boom"}]',
      '["end",{}]',
    ].join('\n');
    expect(parseJsonStream(out)).toEqual([pass('s t'), fail('s u')]);
  });
});
