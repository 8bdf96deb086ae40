import { describe, expect, it } from 'vitest';
import { compareSeries, rateTest, type SeriesWindow } from './series.js';
import { assess, countsAgainstFix, improvementOf } from './assess.js';

const MIN = 60_000;
/** `minutes` one-minute windows with these error counts per minute and p95 latency. */
const window = (perMinute: number[], p95: number | null = null): SeriesWindow => ({
  points: perMinute.map((e, i) => ({ windowStart: i * MIN, count: 100 + e, errorCount: e, p95 })),
  spanMs: perMinute.length * MIN,
});

describe('compareSeries: errors', () => {
  const baseline = window(
    Array(30)
      .fill(0)
      .map((_, i) => (i % 10 === 0 ? 1 : 0)),
  );
  const during = window(Array(15).fill(6));

  it('a fix that stops the errors is back to baseline', () => {
    const c = compareSeries('errors', { baseline, during, after: window(Array(15).fill(0)) });
    expect(c).toMatchObject({ verdict: 'improved', backToBaseline: true, sufficient: true });
    expect(c.during).toBe(6);
  });

  it('a fix that halves them is better, but not back', () => {
    const c = compareSeries('errors', { baseline, during, after: window(Array(15).fill(3)) });
    expect(c).toMatchObject({ verdict: 'improved', backToBaseline: false });
  });

  it('a fix that does nothing is unchanged, one that doubles them is worse', () => {
    expect(compareSeries('errors', { baseline, during, after: window(Array(15).fill(6)) }).verdict).toBe(
      'unchanged',
    );
    expect(compareSeries('errors', { baseline, during, after: window(Array(15).fill(12)) }).verdict).toBe(
      'regressed',
    );
  });
});

describe('compareSeries: latency and rates', () => {
  it('judges per-window p95 values with Mann-Whitney', () => {
    const c = compareSeries('latency.p95', {
      baseline: window(Array(10).fill(0), 300),
      during: window(Array(10).fill(0), 1400),
      after: window(Array(10).fill(0), 310),
    });
    expect(c).toMatchObject({
      verdict: 'improved',
      backToBaseline: true,
      baseline: 300,
      during: 1400,
      observed: 310,
    });
  });

  it('says when there are too few windows to judge latency', () => {
    const c = compareSeries('latency.p95', {
      baseline: window([0], 300),
      during: window([0, 0], 1400),
      after: window([0, 0], 300),
    });
    expect(c.sufficient).toBe(false);
  });

  it('a step that vanished and came back is better and back to baseline', () => {
    const w = (n: number[]): SeriesWindow => ({
      points: n.map((c, i) => ({ windowStart: i * MIN, count: c, errorCount: 0, p95: null })),
      spanMs: n.length * MIN,
    });
    const c = compareSeries('rate', {
      baseline: w(Array(20).fill(40)),
      during: w(Array(10).fill(2)),
      after: w(Array(10).fill(39)),
    });
    expect(c).toMatchObject({ verdict: 'improved', backToBaseline: true });
  });

  it('the exact rate test is the binomial given the total', () => {
    // 10 events in 1 minute against 0 in 9: P(all 10 in the first tenth) = 0.1^10.
    expect(rateTest(10, 1, 0, 9, 'upper')).toBeCloseTo(1e-10, 15);
    expect(rateTest(0, 1, 0, 1, 'upper')).toBe(1);
  });
});

describe('assess', () => {
  const baseline = window(Array(30).fill(0));
  const during = window(Array(15).fill(6));
  const back = compareSeries('errors', { baseline, during, after: window(Array(15).fill(0)) });
  const same = compareSeries('errors', { baseline, during, after: window(Array(15).fill(6)) });
  const worse = compareSeries('errors', { baseline, during, after: window(Array(15).fill(12)) });

  it('resolved, no change, regressed, improved', () => {
    expect(assess([back], 0).outcome).toBe('resolved');
    expect(assess([same], 0).outcome).toBe('no_change');
    expect(assess([worse], 0)).toMatchObject({ outcome: 'regressed', rollbackRecommended: true });
    expect(assess([back, same], 0).outcome).toBe('improved');
    expect(assess([back], 2).outcome).toBe('regressed');
    expect(assess([], 0).outcome).toBe('no_change');
  });

  it('scores each finding', () => {
    expect(improvementOf([back, same, worse])).toEqual({ score: 0, cleared: 1, remaining: 2 });
  });

  it("counts new errors, rates and changed flows against a fix, not one session's odd path", () => {
    expect(countsAgainstFix({ kind: 'error', rule: 'new-error-template', evidence: {} })).toBe(true);
    expect(countsAgainstFix({ kind: 'performance', rule: 'latency-shift' })).toBe(true);
    expect(
      countsAgainstFix({
        kind: 'behavioral',
        rule: 'unexpected-step',
        evidence: { sessionKey: 's1', observed: 'x → (end)' },
      }),
    ).toBe(false);
    expect(
      countsAgainstFix({
        kind: 'behavioral',
        rule: 'step-out-of-order',
        evidence: { sessionKey: 's1', flowWindowSessions: 9 },
      }),
    ).toBe(true);
    // A template never seen is news about the whole service, in a session or not.
    expect(
      countsAgainstFix({ kind: 'behavioral', rule: 'unseen-template', evidence: { sessionKey: null } }),
    ).toBe(true);
    expect(
      countsAgainstFix({ kind: 'behavioral', rule: 'unseen-template', evidence: { sessionKey: 's2' } }),
    ).toBe(true);
  });
});
