import { describe, expect, it } from 'vitest';
import { windowEnds } from './telemetryProgress.js';

describe('windowEnds', () => {
  it('gives each service the end of its latest window, whatever the order', () => {
    const ends = windowEnds([
      { service: 'a', windowStart: 10_000, windowMs: 5000 },
      { service: 'b', windowStart: 0, windowMs: 60_000 },
      { service: 'a', windowStart: 0, windowMs: 5000 },
    ]);
    expect([...ends]).toEqual([
      ['a', 15_000],
      ['b', 60_000],
    ]);
  });
});
