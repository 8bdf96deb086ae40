import { describe, expect, it } from 'vitest';
import {
  addedLines,
  changedSpan,
  changedTexts,
  formatUnifiedDiff,
  lineMap,
  normalizeCode,
  parseUnifiedDiff,
} from './diff.js';

const show = [
  'diff --git a/src/a.ts b/src/a.ts',
  'index 1111111..2222222 100644',
  '--- a/src/a.ts',
  '+++ b/src/a.ts',
  '@@ -3,2 +3,3 @@ export function f() {',
  '   const a = 1;',
  '-  if (a > 1) return;',
  '+  if (a >= 1) return;',
  '+  log(a);',
  '@@ -10,2 +11 @@ export function f() {',
  '-  gone();',
  '   kept();',
  'diff --git a/src/new.ts b/src/new.ts',
  'new file mode 100644',
  '--- /dev/null',
  '+++ b/src/new.ts',
  '@@ -0,0 +1 @@',
  '+export const x = 1;',
  '',
].join('\n');

describe('parseUnifiedDiff / formatUnifiedDiff', () => {
  it('given git diff output, then files, hunks and paths; written back, the same text', () => {
    const files = parseUnifiedDiff(show);
    expect(files.map((f) => [f.oldPath, f.newPath, f.hunks.length])).toEqual([
      ['src/a.ts', 'src/a.ts', 2],
      [null, 'src/new.ts', 1],
    ]);
    expect(files[0]!.hunks[1]).toMatchObject({ oldStart: 10, oldLines: 2, newStart: 11, newLines: 1 });
    expect(formatUnifiedDiff(files)).toBe(show);
  });

  it('given a hunk, then the lines it adds and the span it changes (a pure deletion: the lines around the cut)', () => {
    const [first, second] = parseUnifiedDiff(show)[0]!.hunks;
    expect(addedLines(first!)).toEqual([4, 5]);
    expect(changedSpan(first!)).toEqual({ from: 4, to: 5 });
    expect(changedSpan(second!)).toEqual({ from: 10, to: 11 });
  });

  it('given a diff, then removed and added texts per file without layout', () => {
    const t = changedTexts(parseUnifiedDiff(show)).get('src/a.ts')!;
    expect(t.removed).toEqual([normalizeCode('if (a > 1) return;'), normalizeCode('gone();')]);
    expect(normalizeCode('  if ( a>1 )  return ;')).toBe(normalizeCode('if (a > 1) return;'));
  });
});

describe('lineMap', () => {
  it('given -U0 hunks of later commits, then old lines map to where they stand now', () => {
    const later = parseUnifiedDiff(
      [
        'diff --git a/f b/f',
        '--- a/f',
        '+++ b/f',
        '@@ -2,0 +3,2 @@',
        '+one',
        '+two',
        '@@ -5,2 +7 @@',
        '-x',
        '-y',
        '+z',
        '',
      ].join('\n'),
    );
    const map = lineMap(later, 'f');
    expect([1, 2, 3, 5, 6, 7].map(map)).toEqual([1, 2, 5, 7, 7, 8]);
  });
});
