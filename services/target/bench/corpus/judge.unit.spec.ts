import { describe, expect, it } from 'vitest';
import {
  judgeFault,
  missReason,
  sameTemplate,
  tallyRoutes,
  templateOfExplanation,
  totalsOf,
  type ObservedFinding,
} from './judge.js';

const deployedAt = 1_000_000;
const finding = (over: Partial<ObservedFinding>): ObservedFinding => ({
  id: 'f1',
  kind: 'error',
  rule: 'new-error-template',
  service: 'checkout',
  subject: 't-1',
  since: deployedAt + 4000,
  at: deployedAt + 9000,
  explanation: 'a new error template',
  firstSeenAt: deployedAt + 25_000,
  incidentId: 'inc-1',
  ...over,
});
const truth = {
  id: 'email-not-string',
  kind: 'exception',
  symptom: 'error' as const,
  routes: ['POST /checkout'],
};

describe('judgeFault', () => {
  it('sees a fault when a finding of its symptom family began after the deploy, timed from the deploy', () => {
    const v = judgeFault(truth, [finding({})], deployedAt, 5000);
    expect(v).toMatchObject({
      seen: true,
      detector: 'error/new-error-template',
      secondsAfterDeploy: 25,
      incidentId: 'inc-1',
      warmupFindings: 0,
    });
  });

  it('does not count warm-up findings, nor findings of another family, as the symptom', () => {
    const v = judgeFault(
      truth,
      [
        finding({ id: 'old', since: deployedAt - 60_000, firstSeenAt: deployedAt - 50_000 }),
        finding({ id: 'perf', kind: 'performance', rule: 'level-shift', subject: 'latency p95' }),
      ],
      deployedAt,
      5000,
    );
    expect(v.seen).toBe(false);
    expect(v.warmupFindings).toBe(1);
    expect(v.seenInstead).toEqual([
      {
        detector: 'performance/level-shift',
        subject: 'latency p95',
        secondsAfterDeploy: 25,
        explanation: 'a new error template',
      },
    ]);
    expect(missReason(v)).toContain('performance/level-shift on latency p95');
  });

  it('takes the first matching finding the bench saw stored', () => {
    const v = judgeFault(
      { ...truth, symptom: 'latency' },
      [
        finding({ id: 'late', kind: 'performance', rule: 'spike', firstSeenAt: deployedAt + 60_000 }),
        finding({ id: 'early', kind: 'performance', rule: 'level-shift', firstSeenAt: deployedAt + 30_000 }),
      ],
      deployedAt,
      5000,
    );
    expect(v).toMatchObject({ seen: true, detector: 'performance/level-shift', secondsAfterDeploy: 30 });
  });
});

describe('totalsOf', () => {
  it('counts and rates', () => {
    expect(
      totalsOf([
        { seen: true, onFaultTemplate: true },
        { seen: false, onFaultTemplate: null },
        { seen: true, onFaultTemplate: false },
      ]),
    ).toEqual({ faults: 3, seen: 2, ratio: 0.667, seenOnFaultTemplate: 1 });
    expect(totalsOf([])).toEqual({ faults: 0, seen: 0, ratio: 0, seenOnFaultTemplate: 0 });
  });
});

describe('tallyRoutes', () => {
  it("counts the answers on the fault's routes, path parameters matching the driver's placeholders", () => {
    const r = (method: string, route: string, status: number, expected = true, latencyMs = 10) => ({
      method,
      route,
      status,
      expected,
      latencyMs,
    });
    const t = tallyRoutes(
      [
        r('POST', '/cart/{cart}/items', 201),
        r('POST', '/cart/{cart}/items', 500, false, 90),
        r('POST', '/carts', 201),
        r('GET', '/cart/{cart}/items', 200),
      ],
      ['POST /cart/:id/items'],
    );
    expect(t).toEqual({ requests: 2, unexpected: 1, byStatus: { 201: 1, 500: 1 }, p95Ms: 90 });
  });
});

describe('onFaultTemplate', () => {
  it("tells whether the matching finding names one of the fault's log templates, variables aside", () => {
    const explanation =
      'latency p95 of checkout "user <*> authenticated via token took <*> ms" rose to 80 ms against 4 ms';
    expect(templateOfExplanation(explanation)).toBe('user <*> authenticated via token took <*> ms');
    expect(
      sameTemplate('cart <*> added sku=<*> quantity=<*>', 'cart <*> added sku=SKU-<*> quantity=<*>'),
    ).toBe(true);
    expect(sameTemplate('cart <*> added', 'cart <*> removed')).toBe(false);
    expect(
      sameTemplate(
        'unhandled error in POST /checkout: <*>',
        'unhandled error in POST <*>: fields.email.trim is not a function',
      ),
    ).toBe(true);
    expect(sameTemplate('request failed code=<*>', 'request failed code=<*> after <*> retries')).toBe(false);
    expect(sameTemplate('payment failed for order <*>', 'payment failed')).toBe(false);
    const latency = {
      ...truth,
      symptom: 'latency' as const,
      logTemplates: ['user <*> authenticated via token took <*> ms'],
    };
    const on = judgeFault(latency, [finding({ kind: 'performance', explanation })], deployedAt, 5000);
    expect(on.onFaultTemplate).toBe(true);
    const off = judgeFault(
      latency,
      [finding({ kind: 'performance', explanation: 'throughput of checkout "GET <*> completed" rose' })],
      deployedAt,
      5000,
    );
    expect(off.onFaultTemplate).toBe(false);
  });

  it("prefers a finding on the fault's templates to an earlier one of the same family, naming any of its steps", () => {
    const behaviour = {
      ...truth,
      symptom: 'behaviour' as const,
      logTemplates: ['applied coupon <*> took <*> ms'],
    };
    const unrelated = finding({
      id: 'f-1',
      kind: 'behavioral',
      explanation: 'Template "stock delivery: <*> units restocked" was never seen',
    });
    const onFault = finding({
      id: 'f-2',
      kind: 'behavioral',
      firstSeenAt: deployedAt + 30_000,
      explanation:
        'missing step in session s of checkout: expected "cart validated" → "applied coupon SAVE10 took <*> ms", observed "charged <*>"',
    });
    const v = judgeFault(behaviour, [unrelated, onFault], deployedAt, 5000);
    expect(v.onFaultTemplate).toBe(true);
    expect(v.secondsAfterDeploy).toBe(30);
    expect(judgeFault(behaviour, [unrelated], deployedAt, 5000).onFaultTemplate).toBe(false);
  });
});
