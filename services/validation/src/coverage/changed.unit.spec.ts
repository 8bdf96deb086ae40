import { describe, expect, it } from 'vitest';
import { changedLineCoverage } from './changed.js';
import { summarize, isSourceFile } from './summary.js';
import type { FileCoverage } from './types.js';

// src/cart/validate.ts as the sample app's suite covers it (excerpt of real figures: line 32's throw never runs).
const validate: FileCoverage = {
  file: 'src/cart/validate.ts',
  lines: new Map([
    [30, 12],
    [31, 11],
    [32, 0],
    [34, 11],
  ]),
  branches: [
    { line: 30, taken: 2, total: 2 },
    { line: 31, taken: 0, total: 1 },
  ],
};
const money: FileCoverage = { file: 'src/pricing/money.ts', lines: new Map([[3, 4]]), branches: [] };

describe('changedLineCoverage', () => {
  it('given changed code, comment and blank lines, when measured, then only executable lines count and the unrun are named', () => {
    // 29 is a comment line, 33 a lone closer: neither executable, so neither covered nor uncovered.
    const result = changedLineCoverage(new Map([['src/cart/validate.ts', [29, 30, 31, 32, 33]]]), [validate, money]);
    expect(result).toEqual({
      changedLines: 3,
      covered: 2,
      uncovered: [{ file: 'src/cart/validate.ts', lines: [32] }],
      ratio: 2 / 3,
      branches: {
        total: 3,
        covered: 2,
        ratio: 2 / 3,
        untaken: [{ file: 'src/cart/validate.ts', line: 31, taken: 0, total: 1 }],
      },
      unloadedFiles: [],
      notMeasured: [],
    });
  });

  it('given a changed file no test loads, when measured, then its code lines are uncovered and its other files sorted out', () => {
    const result = changedLineCoverage(
      new Map([
        ['src/shipping/new.ts', [1, 2, 3]],
        ['README.md', [4]],
        ['src/orphan.ts', [7]],
      ]),
      [validate],
      {
        isSource: isSourceFile,
        executableLinesOf: (file) => (file === 'src/shipping/new.ts' ? [2, 3, 5] : null),
      },
    );
    expect(result.uncovered).toEqual([
      { file: 'src/orphan.ts', lines: [7] },
      { file: 'src/shipping/new.ts', lines: [2, 3] },
    ]);
    expect(result).toMatchObject({ changedLines: 3, covered: 0, ratio: 0, notMeasured: ['README.md'] });
    expect(result.unloadedFiles).toEqual(['src/orphan.ts', 'src/shipping/new.ts']);
  });

  it('given a patch of comments only, when measured, then there is nothing to cover (ratio null)', () => {
    expect(changedLineCoverage(new Map([['src/cart/validate.ts', [29]]]), [validate]).ratio).toBeNull();
  });
});

describe('summarize', () => {
  it('given files, when summarized, then ratios over executable lines and branches', () => {
    expect(summarize([validate, money])).toEqual({
      lines: 4 / 5,
      branches: 2 / 3,
      executableLines: 5,
      coveredLines: 4,
      totalBranches: 3,
      takenBranches: 2,
      files: 2,
    });
    expect(summarize([])).toMatchObject({ lines: 1, branches: null });
  });

  it('given paths, when filtered as sources, then tests, builds, declarations and dependencies are out', () => {
    const paths = ['src/a.ts', 'src/a.test.ts', 'test/harness.ts', 'dist/src/a.js', 'src/types.d.ts', 'node_modules/x/i.js', 'lib/b.mjs', 'README.md'];
    expect(paths.filter(isSourceFile)).toEqual(['src/a.ts', 'lib/b.mjs']);
  });
});
