import { describe, expect, it } from 'vitest';
import { newRanges } from './parse.js';

describe('what a parse request covers', () => {
  const ends = [
    { partition: 1, low: 0, high: 10 },
    { partition: 0, low: 5, high: 8 },
    { partition: 2, low: 0, high: 0 },
  ];

  it('everything the log holds, the first time', () => {
    expect(newRanges(ends, {})).toEqual([
      { partition: 0, fromOffset: 5, toOffset: 8 },
      { partition: 1, fromOffset: 0, toOffset: 10 },
    ]);
  });

  it('only what arrived since the last request, and from the log start when retention removed older records', () => {
    expect(newRanges(ends, { '0': 2, '1': 10 })).toEqual([{ partition: 0, fromOffset: 5, toOffset: 8 }]);
    expect(newRanges(ends, { '0': 8, '1': 10 })).toEqual([]);
  });
});
