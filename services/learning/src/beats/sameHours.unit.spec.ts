import { describe, expect, it } from 'vitest';
import { sameHoursBefore, SAME_HOURS_DAYS } from './loadDeploymentInfo.js';
import { windowOver } from './compareMetrics.js';
import type { AggregateView } from './collectPostDeploymentMetrics.js';

const DAY = 24 * 60 * 60_000;
const HOUR = 60 * 60_000;

describe('the same hours of earlier days as the baseline', () => {
  it('takes the observation window back one day at a time, only those over before the onset', () => {
    const onset = 10 * DAY + 3 * HOUR;
    const after = { from: 10 * DAY + 4 * HOUR, until: 10 * DAY + 5 * HOUR };
    const ranges = sameHoursBefore(after, onset);
    expect(ranges).toHaveLength(SAME_HOURS_DAYS);
    expect(ranges[0]).toEqual({ from: 9 * DAY + 4 * HOUR, until: 9 * DAY + 5 * HOUR });
    expect(ranges.at(-1)).toEqual({ from: 3 * DAY + 4 * HOUR, until: 3 * DAY + 5 * HOUR });
    // An observation longer than a day overlaps the onset a day back: that day is not a baseline.
    expect(sameHoursBefore({ from: onset + HOUR, until: onset + 26 * HOUR }, onset)).toHaveLength(
      SAME_HOURS_DAYS - 1,
    );
  });

  it('joins the days into one window: their points together, their spans summed', () => {
    const row = (windowStart: number, count: number): AggregateView => ({
      service: 's',
      templateId: 't',
      windowStart,
      windowMs: 60_000,
      count,
      errorCount: 0,
      latency: null,
      runId: 'r',
    });
    const days = [
      { from: 2 * DAY, until: 2 * DAY + HOUR },
      { from: DAY, until: DAY + HOUR },
    ];
    const w = windowOver([row(DAY, 3), row(2 * DAY, 5), row(2 * DAY + 2 * HOUR, 99)], days);
    expect(w.spanMs).toBe(2 * HOUR);
    expect(w.points.map((p) => [p.windowStart, p.count])).toEqual([
      [DAY, 3],
      [2 * DAY, 5],
    ]);
  });
});
