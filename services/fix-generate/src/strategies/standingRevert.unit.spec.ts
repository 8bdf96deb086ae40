import { describe, expect, it } from 'vitest';
import { readAlike, standingPart, undoBlocks } from './standingRevert.js';

describe('readAlike', () => {
  it('given one line edited, then alike; given different statements, then not', () => {
    expect(
      readAlike(
        "const preferred = heavy ? ['dpd'] : ['dhl'];",
        "const preferred = heavy ? ['dpd', 'dhl'] : ['dhl'];",
      ),
    ).toBe(true);
    expect(readAlike("return 'ups';", "if (!c) throw new Error('no carrier');")).toBe(false);
    expect(readAlike('', 'x')).toBe(false);
  });
});

describe('standingPart', () => {
  const block = { newStart: 10, removed: ['a = 1;', 'b();'], added: ['a = 2;', 'c();', 'd();'] };

  it('given no later change, then the whole block', () => {
    expect(standingPart(block, new Set([3, 20]))).toEqual(block);
  });

  it('given the first line changed later and alike its old line, then the block without that pair', () => {
    expect(standingPart(block, new Set([10]))).toEqual({
      newStart: 11,
      removed: ['b();'],
      added: ['c();', 'd();'],
    });
  });

  it('given a later change in the middle, or at an edge that replaced nothing alike, then null', () => {
    expect(standingPart(block, new Set([11]))).toBeNull();
    expect(standingPart(block, new Set([12]))).toBeNull();
  });
});

describe('undoBlocks', () => {
  it('given blocks still standing, then each replaced by its old lines, bottom first', () => {
    const base = ['x', 'a = 2;', 'c();', 'y', 'new();', 'z'].join('\n');
    const text = undoBlocks(
      base,
      [
        { newStart: 2, removed: ['a = 1;'], added: ['a = 2;', 'c();'] },
        { newStart: 5, removed: [], added: ['new();'] },
      ],
      (l) => l,
    );
    expect(text).toBe(['x', 'a = 1;', 'y', 'z'].join('\n'));
  });

  it('given a block no longer as the suspect left it, then undefined', () => {
    expect(
      undoBlocks('x\na = 3;\n', [{ newStart: 2, removed: ['a = 1;'], added: ['a = 2;'] }], (l) => l),
    ).toBe(undefined);
  });
});
