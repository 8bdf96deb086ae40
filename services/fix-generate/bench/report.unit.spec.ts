import { describe, expect, it } from 'vitest';
import { median, totals, type BugRow } from './report.js';

const row = (over: Partial<BugRow>): BugRow => ({
  id: 'x',
  generated: 5,
  tried: 5,
  firstPlausibleRank: null,
  correct: false,
  sameTreeRank: null,
  localizationRank: 3,
  strategy: null,
  seconds: 10,
  install: { uncachedMs: 10_000, cachedMs: [] },
  stop: 'candidates',
  ...over,
});

describe('median', () => {
  it('middle value, mean of the two middle ones, null for nothing', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });
});

describe('totals', () => {
  it('counts plausible and correct over the bugs tried, and the install time the cache saved', () => {
    const t = totals([
      row({
        id: 'a',
        firstPlausibleRank: 1,
        correct: true,
        sameTreeRank: 1,
        seconds: 20,
        tried: 1,
        install: { uncachedMs: 10_000, cachedMs: [5] },
      }),
      row({
        id: 'b',
        firstPlausibleRank: 3,
        seconds: 40,
        tried: 3,
        install: { uncachedMs: 20_000, cachedMs: [0, 0, 0] },
      }),
      row({ id: 'c', seconds: 60, tried: 10, install: { uncachedMs: null, cachedMs: [10, 10] } }),
      row({
        id: 'd',
        sameTreeRank: 4,
        seconds: 80,
        tried: 10,
        install: { uncachedMs: 30_000, cachedMs: [] },
      }),
    ]);
    expect(t).toMatchObject({
      bugs: 4,
      plausible: 2,
      correct: 1,
      plausiblePct: 50,
      correctPct: 25,
      sameTreeGenerated: 2,
      candidatesTried: 24,
      medianSecondsPerBug: 50,
    });
    // a: 10 s - 5 ms once; b: 20 s three times; c: no uncached install of its own, the median (20 s) twice.
    expect(t.install).toMatchObject({ medianUncachedMs: 20_000, medianCachedMs: 2.5, cachedInstalls: 6 });
    expect(t.install.savedSeconds).toBe(Math.round((9_995 + 60_000 + 2 * 19_990) / 1000));
  });

  it('no bug: zero rates, no medians', () => {
    expect(totals([])).toMatchObject({ bugs: 0, plausiblePct: 0, correctPct: 0, medianSecondsPerBug: null });
  });
});
