import { describe, expect, it } from 'vitest';
import {
  mergeRanges,
  offsetCount,
  onePerPartition,
  overlaps,
  subtractRanges,
  unrequestedRanges,
} from './offsetRanges.js';

const r = (partition: number, fromOffset: number, toOffset: number) => ({ partition, fromOffset, toOffset });

describe('merging offset ranges', () => {
  it('given overlapping, touching, unordered and empty ranges, when merged, then each run of offsets is one range', () => {
    expect(
      mergeRanges([r(1, 5, 8), r(0, 4, 6), r(0, 0, 2), r(0, 2, 3), r(0, 5, 9), r(1, 3, 3), r(1, 0, 5)]),
    ).toEqual([r(0, 0, 3), r(0, 4, 9), r(1, 0, 8)]);
  });

  it('given a range inside another, when merged, then only the outer one remains', () => {
    expect(mergeRanges([r(0, 0, 10), r(0, 2, 4)])).toEqual([r(0, 0, 10)]);
  });

  it('does not modify its input', () => {
    const input = [r(0, 0, 2), r(0, 2, 4)];
    mergeRanges(input);
    expect(input).toEqual([r(0, 0, 2), r(0, 2, 4)]);
  });
});

describe('subtracting offset ranges', () => {
  it('given holes inside, at the edges and across a range, when subtracted, then only the offsets outside them remain', () => {
    expect(subtractRanges([r(0, 0, 20)], [r(0, 3, 5), r(0, 0, 1), r(0, 18, 25), r(1, 0, 20)])).toEqual([
      r(0, 1, 3),
      r(0, 5, 18),
    ]);
  });

  it('given a hole covering the whole range, then nothing remains', () => {
    expect(subtractRanges([r(0, 5, 8)], [r(0, 0, 10)])).toEqual([]);
  });

  it('given holes only on other partitions, then the range is untouched', () => {
    expect(subtractRanges([r(2, 5, 8), r(0, 1, 2)], [r(1, 0, 10)])).toEqual([r(0, 1, 2), r(2, 5, 8)]);
  });
});

describe('what is left to request', () => {
  const ends = [
    { partition: 1, low: 0, high: 10 },
    { partition: 0, low: 5, high: 8 },
    { partition: 2, low: 0, high: 0 },
  ];

  it('given nothing requested, then everything the partitions hold', () => {
    expect(unrequestedRanges(ends, [])).toEqual([r(0, 5, 8), r(1, 0, 10)]);
  });

  it('given requests with a gap between them, then the gap and the tail, and nothing below the log start', () => {
    expect(unrequestedRanges(ends, [r(1, 0, 3), r(1, 6, 8), r(0, 0, 6)])).toEqual([
      r(0, 6, 8),
      r(1, 3, 6),
      r(1, 8, 10),
    ]);
  });

  it('given everything requested, then nothing', () => {
    expect(unrequestedRanges(ends, [r(0, 0, 8), r(1, 0, 10)])).toEqual([]);
  });
});

describe('one range per partition and command', () => {
  it('given one range per partition, then one group', () => {
    expect(onePerPartition([r(1, 0, 3), r(0, 2, 4)])).toEqual([[r(0, 2, 4), r(1, 0, 3)]]);
  });

  it('given a partition with a gap, then as many groups as its ranges, each naming a partition once', () => {
    expect(onePerPartition([r(1, 8, 10), r(0, 6, 8), r(1, 3, 6)])).toEqual([
      [r(0, 6, 8), r(1, 3, 6)],
      [r(1, 8, 10)],
    ]);
  });

  it('given no ranges, then no group', () => {
    expect(onePerPartition([])).toEqual([]);
  });
});

describe('overlap and counts', () => {
  it('touching ranges do not overlap, a shared offset does', () => {
    expect(overlaps([r(0, 0, 5)], [r(0, 5, 9)])).toBe(false);
    expect(overlaps([r(0, 0, 5)], [r(1, 0, 5)])).toBe(false);
    expect(overlaps([r(0, 0, 5)], [r(0, 4, 9)])).toBe(true);
  });

  it('counts offsets', () => {
    expect(offsetCount([r(0, 0, 5), r(1, 3, 4)])).toBe(6);
    expect(offsetCount([])).toBe(0);
  });
});
