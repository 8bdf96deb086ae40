import { describe, expect, it } from 'vitest';
import { compareSeries } from '../compare/series.js';
import { metricOf, violationRows, windowOf, type ViolationView } from './compareMetrics.js';

const MIN = 60_000;
const finding = { service: 'checkout', rule: 'step-out-of-order', subject: 'charged' };
const broken = (minute: number, over: Partial<ViolationView> = {}): ViolationView => ({
  ...finding,
  since: minute * MIN + 1_000,
  ...over,
});

describe('a broken flow, judged by the sessions broken the same way', () => {
  it('is measured in violations for the one-session rules, by rates otherwise', () => {
    expect(metricOf({ kind: 'behavioral', rule: 'step-out-of-order' })).toBe('violations');
    expect(metricOf({ kind: 'behavioral', rule: 'missing-step' })).toBe('violations');
    expect(metricOf({ kind: 'behavioral', rule: 'unseen-template' })).toBe('rate');
    expect(metricOf({ kind: 'error', rule: 'new-error-template' })).toBe('errors');
  });

  it('counts the sessions per minute, a flow window for its sessions, other rules, steps and services not at all', () => {
    const rows = violationRows(
      [
        broken(1),
        broken(1),
        broken(2, { evidence: { flowWindowSessions: 7 } }),
        broken(2, { subject: 'shipped' }),
        broken(2, { rule: 'missing-step' }),
        broken(3, { service: 'other' }),
      ],
      finding,
    );
    expect(rows.map((r) => [r.windowStart / MIN, r.errorCount])).toEqual([
      [1, 2],
      [2, 7],
    ]);
  });

  it('given the order fixed (no broken session after the deployment), then back to baseline', () => {
    const during = Array.from({ length: 10 }, (_, i) => broken(100 + (i % 5)));
    const rows = violationRows(during, finding);
    const c = compareSeries('violations', {
      baseline: windowOf(rows, { from: 0, until: 60 * MIN }),
      during: windowOf(rows, { from: 100 * MIN, until: 105 * MIN }),
      after: windowOf(rows, { from: 106 * MIN, until: 108 * MIN }),
    });
    expect(c).toMatchObject({ backToBaseline: true, observed: 0 });
    expect(c.verdict).not.toBe('regressed');
  });

  it('given the sessions still broken after the deployment, then not back to baseline', () => {
    const all = [
      ...Array.from({ length: 10 }, (_, i) => broken(100 + (i % 5))),
      ...Array.from({ length: 4 }, (_, i) => broken(106 + (i % 2))),
    ];
    const rows = violationRows(all, finding);
    const c = compareSeries('violations', {
      baseline: windowOf(rows, { from: 0, until: 60 * MIN }),
      during: windowOf(rows, { from: 100 * MIN, until: 105 * MIN }),
      after: windowOf(rows, { from: 106 * MIN, until: 108 * MIN }),
    });
    expect(c.backToBaseline).toBe(false);
    expect(c.reason).toMatch(/^violations per minute/);
  });
});
