import { describe, expect, it } from 'vitest';
import { isSplitHalf, splitByPosition } from './split.js';

const f = (relativePath: string) => ({ relativePath });

describe('splitByPosition', () => {
  it('given files in any order, when split odd, then the 1st, 3rd, ... of the sorted names are the development half', () => {
    const files = [f('c.csv'), f('a.csv'), f('e.csv'), f('b.csv'), f('d.csv')];

    const { dev, heldout } = splitByPosition(files, 'odd');

    expect(dev.map((x) => x.relativePath)).toEqual(['a.csv', 'c.csv', 'e.csv']);
    expect(heldout.map((x) => x.relativePath)).toEqual(['b.csv', 'd.csv']);
  });

  it('given the same files, when split even, then the halves swap and together cover every file once', () => {
    const files = [f('c.csv'), f('a.csv'), f('e.csv'), f('b.csv'), f('d.csv')];

    const odd = splitByPosition(files, 'odd');
    const even = splitByPosition(files, 'even');

    expect(even.dev).toEqual(odd.heldout);
    expect(even.heldout).toEqual(odd.dev);
    expect([...even.dev, ...even.heldout].map((x) => x.relativePath).sort()).toEqual(
      files.map((x) => x.relativePath).sort(),
    );
  });

  it('accepts only odd and even as halves', () => {
    expect(isSplitHalf('odd')).toBe(true);
    expect(isSplitHalf('even')).toBe(true);
    expect(isSplitHalf('first')).toBe(false);
  });
});
