import { describe, expect, it } from 'vitest';
import type { TemplatedEvent } from '@self-healing/schemas';
import { compareSeries } from '../compare/series.js';
import {
  companionRows,
  metricOf,
  newValuesOf,
  valueRows,
  violationRows,
  windowOf,
  type ViolationView,
} from './compareMetrics.js';

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

describe("a parameter's new values, judged by the lines that still carry them", () => {
  const unseen = {
    kind: 'behavioral' as const,
    rule: 'unseen-values',
    service: 'checkout',
    templateIds: ['t-charged'],
    evidence: { parameter: 1, newValueList: JSON.stringify(['54.80', '64.75']) },
  };
  const charged = (minute: number, amount: string, service = 'checkout'): TemplatedEvent => ({
    timestamp: minute * MIN + 500,
    service,
    host: null,
    level: 'info',
    component: null,
    templateId: 't-charged',
    template: 'charged <*> EUR to card <*>',
    params: [amount, '4242'],
    traceId: null,
    spanId: null,
    sessionId: null,
    numbers: {},
    stack: [],
  });

  it('is measured in values, and reads the parameter and values the finding named', () => {
    expect(metricOf(unseen)).toBe('values');
    expect(newValuesOf(unseen)).toEqual({ parameter: 1, values: new Set(['54.80', '64.75']) });
    expect(newValuesOf({ evidence: { parameter: 1, newValueList: 'not json' } })).toBeNull();
    expect(newValuesOf({ evidence: { parameter: 1, newValueList: '[]' } })).toBeNull();
  });

  it('counts per second the lines of the template carrying a named value, other services not at all', () => {
    const rows = valueRows(
      [
        charged(1, '54.80'),
        charged(1, '49.85'),
        charged(1, '64.75'),
        charged(2, '54.80', 'other'),
        charged(2, '9.45'),
      ],
      unseen,
      newValuesOf(unseen)!,
    );
    expect([...rows]).toEqual([
      [1 * MIN, { count: 3, carrying: 2 }],
      [2 * MIN, { count: 1, carrying: 0 }],
    ]);
    // Seconds apart, two rows: the comparison's windows start at the onset, which is not on a minute.
    expect([
      ...valueRows(
        [charged(1, '54.80'), { ...charged(1, '54.80'), timestamp: MIN + 1_500 }],
        unseen,
        newValuesOf(unseen)!,
      ).keys(),
    ]).toEqual([MIN, MIN + 1_000]);
  });

  it('given the old amounts back after the fix, then back to baseline; given the new ones still, then not', () => {
    const window = (from: number, until: number, carrying: number) => ({
      points: Array.from({ length: until - from }, (_, i) => ({
        windowStart: (from + i) * MIN,
        count: 150,
        errorCount: carrying,
        p95: null,
      })),
      spanMs: (until - from) * MIN,
    });
    const baseline = { points: [], spanMs: 30 * MIN };
    const fixed = compareSeries('values', { baseline, during: window(30, 40, 40), after: window(45, 55, 0) });
    expect(fixed).toMatchObject({ verdict: 'improved', backToBaseline: true });
    const notFixed = compareSeries('values', {
      baseline,
      during: window(30, 40, 40),
      after: window(45, 55, 38),
    });
    expect(notFixed).toMatchObject({ verdict: 'unchanged', backToBaseline: false });
  });
});

describe('a line that stopped accompanying another, judged by the sessions that log one without the other', () => {
  const missing = {
    kind: 'behavioral' as const,
    rule: 'missing-companion',
    service: 'checkout',
    subject: 't-confirmed',
    evidence: { companionOf: 't-charged' },
  };
  const event = (
    templateId: string,
    at: number,
    sessionId: string,
    service = 'checkout',
  ): TemplatedEvent => ({
    timestamp: at,
    service,
    host: null,
    level: 'info',
    component: null,
    templateId,
    template: templateId,
    params: [],
    traceId: null,
    spanId: null,
    sessionId,
    numbers: {},
    stack: [],
  });

  it('is measured in companions', () => {
    expect(metricOf(missing)).toBe('companions');
  });

  it("counts per second of a session's end the sessions with the context, and those of them without the line", () => {
    const events = [
      event('t-charged', 1_100, 's1'),
      event('t-confirmed', 1_300, 's1'),
      event('t-charged', 1_200, 's2'),
      event('t-shipped', 2_400, 's2'),
      event('t-charged', 1_500, 's3', 'catalog'),
      event('t-confirmed', 2_100, 's4'),
    ];
    expect([...companionRows(events, missing)]).toEqual([
      [1_000, { count: 1, missing: 0 }],
      [2_000, { count: 1, missing: 1 }],
    ]);
    expect(companionRows(events, { ...missing, evidence: {} }).size).toBe(0);
  });

  it('given the line back after the fix, then back to baseline', () => {
    const window = (from: number, until: number, count: number, lacking: number) => ({
      points: Array.from({ length: until - from }, (_, i) => ({
        windowStart: (from + i) * MIN,
        count,
        errorCount: lacking,
        p95: null,
      })),
      spanMs: (until - from) * MIN,
    });
    const baseline = window(0, 30, 450, 2);
    const fixed = compareSeries('companions', {
      baseline,
      during: window(30, 40, 450, 30),
      after: window(45, 55, 450, 2),
    });
    expect(fixed).toMatchObject({ verdict: 'improved', backToBaseline: true });
    const notFixed = compareSeries('companions', {
      baseline,
      during: window(30, 40, 450, 30),
      after: window(45, 55, 450, 29),
    });
    expect(notFixed).toMatchObject({ verdict: 'unchanged', backToBaseline: false });
  });
});
