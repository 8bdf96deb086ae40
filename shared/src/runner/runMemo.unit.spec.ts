import { describe, expect, it } from 'vitest';
import { RunMemo } from './runMemo.js';

interface Work {
  records: number[];
  events: string[];
}

describe('RunMemo', () => {
  it('gives back what a beat left for the next one, per run', () => {
    const memo = new RunMemo<Work>(2);
    memo.set('a', 'records', [1, 2]);
    memo.set('b', 'events', ['x']);
    expect(memo.get('a', 'records')).toEqual([1, 2]);
    expect(memo.get('a', 'events')).toBeUndefined();
    expect(memo.get('b', 'events')).toEqual(['x']);
    expect(memo.get('c', 'records')).toBeUndefined();
  });

  it('evicts the least recently used run beyond its capacity', () => {
    const memo = new RunMemo<Work>(2);
    memo.set('a', 'records', [1]);
    memo.set('b', 'records', [2]);
    memo.get('a', 'records'); // a is now more recent than b
    memo.set('c', 'records', [3]);
    expect(memo.size).toBe(2);
    expect(memo.get('b', 'records')).toBeUndefined();
    expect(memo.get('a', 'records')).toEqual([1]);
    expect(memo.get('c', 'records')).toEqual([3]);
  });

  it('forgets one item or a whole run', () => {
    const memo = new RunMemo<Work>(2);
    memo.set('a', 'records', [1]);
    memo.set('a', 'events', ['e']);
    memo.forget('a', 'records');
    expect(memo.get('a', 'records')).toBeUndefined();
    expect(memo.get('a', 'events')).toEqual(['e']);
    memo.drop('a');
    expect(memo.get('a', 'events')).toBeUndefined();
    expect(memo.size).toBe(0);
  });

  it('refuses a capacity below one', () => {
    expect(() => new RunMemo<Work>(0)).toThrow(/maxRuns/);
  });
});
