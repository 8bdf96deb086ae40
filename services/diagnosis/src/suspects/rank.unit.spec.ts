import { describe, expect, it } from 'vitest';
import { rankCommits, sentrySuspect } from './rank.js';

const DAY = 24 * 3600 * 1000;

describe('rankCommits', () => {
  const commits = [
    { sha: 'new', depth: 0, time: 100 * DAY },
    { sha: 'style', depth: 1, time: 99 * DAY, styleOnly: true },
    { sha: 'mid', depth: 2, time: 90 * DAY },
    { sha: 'old', depth: 30, time: 1 * DAY },
  ];
  it('weighs the suspiciousness of blamed lines by recency and ignores style-only commits', () => {
    const ranked = rankCommits(
      [
        { path: 'a.js', line: 1, score: 0.9, commit: 'old' },
        { path: 'a.js', line: 2, score: 0.9, commit: 'old' },
        { path: 'a.js', line: 3, score: 0.8, commit: 'mid' },
        { path: 'a.js', line: 4, score: 0.1, commit: 'new' },
        { path: 'a.js', line: 5, score: 0.9, commit: 'style' },
      ],
      commits,
    );
    // old has twice the suspiciousness of mid, but thirty commits of age discount it below even new's one line
    expect(ranked.map((s) => s.sha)).toEqual(['mid', 'new', 'old']);
    expect(ranked[0]!.score).toBeCloseTo(0.8 * 0.9 ** 2);
    expect(ranked[2]!.lines).toBe(2);
  });
});

describe('sentrySuspect', () => {
  it('takes the frame commit only when under a year old', () => {
    expect(sentrySuspect({ sha: 'x', depth: 0, time: 0 }, 100 * DAY)?.sha).toBe('x');
    expect(sentrySuspect({ sha: 'x', depth: 0, time: 0 }, 400 * DAY)).toBeUndefined();
    expect(sentrySuspect(undefined, 0)).toBeUndefined();
  });
});
