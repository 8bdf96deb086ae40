import { describe, expect, it } from 'vitest';
import { touchesOf } from './changes.js';
import { rankSuspects, sentryRule } from './suspects.js';
import type { ChangeWindow, RangeCommit, ScoredLine } from './types.js';

const sha = (c: string) => c.repeat(40);
const commit = (c: string, depth: number, diff: string, styleOnly = false): RangeCommit => ({
  sha: sha(c),
  time: 1_000_000 - depth * 1000,
  author: 'A <a@x>',
  subject: `commit ${c}`,
  depth,
  styleOnly,
  touches: touchesOf(diff),
});
const hunk = (path: string, header: string) => `--- a/${path}\n+++ b/${path}\n${header}\n`;
const line = (path: string, n: number, score: number): ScoredLine => ({ path, line: n, score, why: 'test' });

describe('rankSuspects', () => {
  it('given the fault line blamed on an older commit of the window, then it outranks a newer decoy that touched weaker lines', () => {
    const window: ChangeWindow = {
      good: sha('0'),
      bad: sha('c'),
      bounded: true,
      commits: [
        commit('c', 0, hunk('src/catalog.ts', '@@ -3 +3 @@')), // decoy, newest
        commit('b', 1, hunk('src/address.ts', '@@ -55 +55,2 @@')), // the fault
      ],
    };
    const blame = new Map([
      [
        'src/address.ts',
        new Map([
          [55, sha('b')],
          [56, sha('b')],
          [57, sha('9')],
        ]),
      ],
      ['src/catalog.ts', new Map([[3, sha('c')]])],
    ]);
    const ranked = rankSuspects(
      [
        line('src/address.ts', 56, 4),
        line('src/address.ts', 55, 0.8),
        line('src/address.ts', 57, 0.8),
        line('src/catalog.ts', 3, 0.3),
      ],
      blame,
      window,
    );
    expect(ranked.map((s) => s.sha)).toEqual([sha('b'), sha('c')]);
    expect(ranked[0]).toMatchObject({ lines: 2, score: (4 + 0.8) * 0.9 });
    // A commit outside the window (the 9s) is never a suspect: the good deployment ran without the symptom.
    expect(ranked.some((s) => s.sha === sha('9'))).toBe(false);
  });

  it('given a guard removed beside the evidence, then the commit that removed it is a suspect, and a style-only commit never is', () => {
    const window: ChangeWindow = {
      good: null,
      bad: sha('e'),
      bounded: false,
      commits: [
        commit('e', 0, hunk('src/flow.ts', '@@ -20 +20 @@'), true),
        commit('d', 1, hunk('src/flow.ts', '@@ -30,1 +29,0 @@')),
      ],
    };
    const blame = new Map([
      [
        'src/flow.ts',
        new Map([
          [20, sha('e')],
          [30, sha('1')],
        ]),
      ],
    ]);
    const ranked = rankSuspects([line('src/flow.ts', 30, 1), line('src/flow.ts', 20, 1)], blame, window);
    expect(ranked.map((s) => s.sha)).toEqual([sha('d')]);
    expect(ranked[0]!.score).toBeCloseTo(0.5 * 0.9);
  });
});

describe('sentryRule', () => {
  it('names the commit blamed for the innermost frame when it is under a year old', () => {
    const blame = new Map([['src/a.ts', new Map([[3, sha('a')]])]]);
    const now = Date.UTC(2026, 0, 1);
    expect(sentryRule({ path: 'src/a.ts', line: 3 }, blame, () => now - 86_400_000, now)).toBe(sha('a'));
    expect(sentryRule({ path: 'src/a.ts', line: 3 }, blame, () => now - 400 * 86_400_000, now)).toBeNull();
    expect(sentryRule(undefined, blame, () => now, now)).toBeNull();
  });
});
