import { describe, expect, it } from 'vitest';
import { leaveOneOut, objective } from './loo.js';

describe('leaveOneOut', () => {
  it('scores each bug with the configuration best on the other bugs', () => {
    // config 0 is perfect on bugs 0 and 1 but misses bug 2; config 1 only finds bug 2.
    const matrix = [
      [
        { file: 1, line: 1 },
        { file: 1, line: 1 },
        { file: 9, line: 50 },
      ],
      [
        { file: 9, line: 50 },
        { file: 9, line: 50 },
        { file: 1, line: 1 },
      ],
    ];
    const { ranks, chosen } = leaveOneOut(matrix);
    expect(chosen).toEqual([0, 0, 0]);
    expect(ranks[2]).toEqual({ file: 9, line: 50 });
    expect(objective(matrix[0]!)).toBeGreaterThan(objective(matrix[1]!));
  });
});
