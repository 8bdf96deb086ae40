import { describe, expect, it } from 'vitest';
import { normalizeCode } from '../diff.js';
import { conditionDrafts } from './condition.js';

const src = (...lines: string[]) => `${lines.join('\n')}\n`;

const text = src(
  'export function page<T>(all: T[], offset: number, limit: number) {',
  '  const end = Math.min(offset + limit, all.length - 1);',
  '  if (limit > 100) throw new Error("too many");',
  '  return { items: all.slice(offset, end), more: end < all.length - 1 };',
  '}',
);

describe('conditionDrafts', () => {
  it('given a bound used on two evidence lines, then dropping it on both is a candidate above each alone', () => {
    const drafts = conditionDrafts(
      'src/page.ts',
      text,
      [
        { line: 2, weight: 1 },
        { line: 4, weight: 0.8 },
      ],
      [],
      'behavioral',
    );
    const both = drafts.find((d) => d.text === text.replaceAll('all.length - 1', 'all.length'))!;
    expect(both).toBeDefined();
    const single = drafts.find((d) => d.text === text.replace('all.length - 1);', 'all.length);'))!;
    expect(both.fit).toBeGreaterThan(single.fit);
    // the relational operator on line 4 is a candidate too
    expect(drafts.map((d) => d.text)).toContain(text.replace('end < all', 'end <= all'));
  });

  it('given evidence lines with different weights, then the stronger line ranks higher', () => {
    const drafts = conditionDrafts(
      'src/page.ts',
      text,
      [
        { line: 3, weight: 1 },
        { line: 4, weight: 0.2 },
      ],
      [],
      'behavioral',
    );
    const strong = drafts.find((d) => d.text.includes('limit >= 100'))!;
    const weak = drafts.find((d) => d.text.includes('end <= all'))!;
    expect(strong.fit).toBeGreaterThan(weak.fit);
  });

  it('given the suspect commit removed the mutated line, then that mutation ranks first', () => {
    const removed = [normalizeCode('  if (limit >= 100) throw new Error("too many");')];
    const drafts = conditionDrafts(
      'src/page.ts',
      text,
      [
        { line: 2, weight: 1 },
        { line: 3, weight: 0.3 },
      ],
      removed,
      'behavioral',
    );
    const best = drafts.sort((a, b) => b.fit - a.fit)[0]!;
    expect(best.text).toBe(text.replace('limit > 100', 'limit >= 100'));
    expect(best.fit).toBeGreaterThanOrEqual(0.95);
  });

  it('given the suspect commit removed a longer line holding the mutated comparison, then it ranks above a plain flip', () => {
    const removed = [normalizeCode('  return limit >= 100 || offset < 0 ? [] : all;')];
    const drafts = conditionDrafts(
      'src/page.ts',
      text,
      [
        { line: 3, weight: 1 },
        { line: 4, weight: 1 },
      ],
      removed,
      'behavioral',
    );
    const confirmed = drafts.find((d) => d.text.includes('limit >= 100'))!;
    const plain = drafts.find((d) => d.text.includes('end <= all'))!;
    expect(confirmed.fit).toBeGreaterThanOrEqual(0.9);
    expect(plain.fit).toBeLessThan(0.8);
  });

  it('given a condition the suspect extended with a conjunct, then the condition without it ranks first', () => {
    const guarded = src(
      'export function release(charged: boolean, error: unknown): boolean {',
      '  if (!charged && !(error instanceof TimeoutError)) {',
      '    return true;',
      '  }',
      '  return false;',
      '}',
    );
    const removed = [normalizeCode('  if (!charged) {')];
    const drafts = conditionDrafts('src/r.ts', guarded, [{ line: 2, weight: 1 }], removed, 'behavioral');
    const best = drafts.sort((a, b) => b.fit - a.fit)[0]!;
    expect(best.text).toBe(guarded.replace('!charged && !(error instanceof TimeoutError)', '!charged'));
    expect(drafts.map((d) => d.text)).toContain(guarded.replace('!charged && !(error', '!(error'));
  });

  it('given removed code that compared one of the operands (not a literal) with the new operator, then the flip ranks above plain ones', () => {
    const removed = [normalizeCode('  if (limit >= maxPage) throw new Error("too many");')];
    const drafts = conditionDrafts(
      'src/page.ts',
      text,
      [
        { line: 3, weight: 1 },
        { line: 4, weight: 1 },
      ],
      removed,
      'behavioral',
    );
    const confirmed = drafts.find((d) => d.text.includes('limit >= 100'))!;
    const plain = drafts.find((d) => d.text.includes('end <= all'))!;
    expect(confirmed.fit).toBeGreaterThanOrEqual(0.85);
    expect(plain.fit).toBeLessThan(confirmed.fit);
  });

  it('given a line without comparisons or bounds, then nothing', () => {
    expect(
      conditionDrafts('src/x.ts', src('export const x = f(1);'), [{ line: 1, weight: 1 }], [], 'error'),
    ).toEqual([]);
  });
});
