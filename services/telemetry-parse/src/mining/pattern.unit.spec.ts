import { describe, expect, it } from 'vitest';
import { fitPartsInRange, fitPartsInto } from './pattern.js';

function fitAlone(parts: string[], piece: string): string[] | null {
  const out: string[] = [];
  return fitPartsInto(parts, piece, out) ? out : null;
}

function fitInPlace(parts: string[], text: string, from: number, to: number): string[] | null {
  const out = ['before'];
  const ok = fitPartsInRange(parts, text, from, to, out);
  // On failure nothing is appended.
  if (!ok) expect(out).toEqual(['before']);
  return ok ? out.slice(1) : null;
}

describe('fitPartsInRange', () => {
  it('given a piece of a longer text, then it fits exactly as that piece cut out would', () => {
    const patterns = [
      ['', ''],
      ['user=', ''],
      ['', ','],
      ['(', '),'],
      ['', ':', ''],
      ['', ':', ':', ''],
      ['a', 'b', 'c'],
      ['user=root'],
      ['ab c', ''],
      ['', 'x y'],
    ];
    // Literals also appear around the piece, where they must not be found.
    const texts = [
      'x user=bob, (7), 1:2:3 abc ab c a1b2c ab cx y:z',
      'user=root user=root: (a),) ::: abcabc',
    ];
    for (const text of texts) {
      for (let from = 0; from < text.length; from++) {
        for (let to = from + 1; to <= text.length; to++) {
          for (const parts of patterns) {
            expect(fitInPlace(parts, text, from, to)).toEqual(fitAlone(parts, text.slice(from, to)));
          }
        }
      }
    }
  });

  it('given a literal that occurs only past the piece, then the piece does not fit', () => {
    expect(fitPartsInRange(['', ':', ''], 'ab cd:e', 0, 2, null)).toBe(false);
    expect(fitPartsInRange(['ab c', ''], 'ab cd', 0, 2, null)).toBe(false);
    expect(fitInPlace(['', ':', ''], 'x 1:2 y', 2, 5)).toEqual(['1', '2']);
  });
});
