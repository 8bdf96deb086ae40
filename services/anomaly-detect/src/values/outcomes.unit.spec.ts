import { describe, expect, it } from 'vitest';
import type { Finding, TemplatedEvent } from '@self-healing/schemas';
import { prng } from '@self-healing/shared';
import { ChangedOutcomeDetector, labelOf } from './outcomes.js';

// The cart's id rides on the deciding line: an identifier that must not split its keys.
const VALIDATED = 'cart <*> validated items=<*> total=<*> took <*> ms';
const COUPON = 'applied coupon <*> discount=<*>';
const CHARGED = 'charged <*> EUR to card <*> auth=<*> took <*> ms';
const AUTHENTICATED = 'user <*> authenticated';

function line(
  timestamp: number,
  traceId: string,
  templateId: string,
  template: string,
  params: string[],
  numbers: Record<string, number> = {},
): TemplatedEvent {
  return {
    timestamp,
    service: 'shop',
    host: null,
    level: 'info',
    component: null,
    templateId,
    template,
    params,
    traceId,
    spanId: null,
    sessionId: null,
    numbers,
    stack: [],
  };
}

const PRICES = [885, 1185, 1285, 1485, 2085, 2485, 3985, 12900, 499, 1999];
const COUPONS: Record<string, number> = { SAVE10: 10, SAVE15: 15 };
const euros = (cents: number) => (cents / 100).toFixed(2);

interface Shop {
  /** Percent off at and above 10 units (a release may change the comparison). */
  bulk: (units: number) => number;
  /** Percent of an amount in cents, as the service rounds it. */
  percentOf: (cents: number, percent: number) => number;
}

const healthy: Shop = {
  bulk: (units) => (units >= 10 ? 5 : 0),
  percentOf: (cents, percent) => Math.round((cents * percent) / 100),
};

/**
 * `minutes` of checkouts, `perMinute` a minute: a user, a basket (one to three products, mostly one unit, some bulk
 * orders of 10-20), sometimes a coupon; each request logs the user, the validated cart, the coupon and the charge
 * (random card and authorization code: inputs and outcomes that depend on nothing). From `releaseAt` on, `release`.
 */
function traffic(
  detector: ChangedOutcomeDetector,
  minutes: number,
  opts: { perMinute?: number; seed?: number; releaseAt?: number; release?: Shop } = {},
): Finding[] {
  const rnd = prng(opts.seed ?? 7);
  const perMinute = opts.perMinute ?? 240;
  const findings: Finding[] = [];
  for (let i = 0; i < minutes * perMinute; i++) {
    const t = Math.floor((i * 60_000) / perMinute);
    const shop = opts.release && opts.releaseAt !== undefined && t >= opts.releaseAt ? opts.release : healthy;
    const trace = `tr-${i}`;
    const bulkOrder = rnd() < 0.1;
    const lines = bulkOrder ? 1 : 1 + Math.floor(rnd() * 3);
    let units = 0;
    let subtotal = 0;
    for (let l = 0; l < lines; l++) {
      const price = PRICES[Math.floor(rnd() * (bulkOrder ? 2 : PRICES.length))]!;
      const quantity = bulkOrder ? [10, 12, 15, 20][Math.floor(rnd() * 4)]! : rnd() < 0.8 ? 1 : 2;
      units += quantity;
      subtotal += price * quantity;
    }
    const user = `u-${Math.floor(rnd() * 40)}`;
    const coupon = rnd() < 0.2 ? (rnd() < 0.5 ? 'SAVE10' : 'SAVE15') : null;
    const bulk = shop.percentOf(subtotal, shop.bulk(units));
    const discount = coupon ? shop.percentOf(subtotal - bulk, COUPONS[coupon]!) : 0;
    const took = 1 + Math.floor(rnd() * 9);
    const push = (e: TemplatedEvent) => findings.push(...detector.push(e));
    push(line(t, trace, 't-auth', AUTHENTICATED, [user]));
    push(
      line(t, trace, 't-valid', VALIDATED, [`c-${i}`, String(units), euros(subtotal), String(took)], {
        durationMs: took,
      }),
    );
    if (coupon) push(line(t + 1, trace, 't-coupon', COUPON, [coupon, euros(discount)]));
    const card = String(1000 + Math.floor(rnd() * 9000));
    const auth = Math.floor(rnd() * 2 ** 40).toString(16);
    push(
      line(
        t + 2,
        trace,
        't-charged',
        CHARGED,
        [euros(subtotal - bulk - discount), card, auth, String(took)],
        {
          durationMs: took,
        },
      ),
    );
  }
  findings.push(...detector.advance(minutes * 60_000 + 10_000, 'shop'));
  return findings;
}

describe('ChangedOutcomeDetector', () => {
  it('stays quiet on a service whose outcomes depend on its inputs as always', () => {
    for (const seed of [1, 2, 3]) {
      const findings = traffic(new ChangedOutcomeDetector(), 30, { seed });
      expect(findings.map((f) => f.explanation)).toEqual([]);
    }
  });

  it('sees a bulk discount no longer given at exactly the threshold, on the amount charged', () => {
    const release: Shop = { ...healthy, bulk: (units) => (units > 10 ? 5 : 0) };
    const findings = traffic(new ChangedOutcomeDetector(), 20, { releaseAt: 12 * 60_000, release });
    const charged = findings.filter((f) => f.subject === 't-charged#1');
    expect(charged.length).toBeGreaterThan(0);
    expect(charged[0]!.rule).toBe('changed-outcome');
    expect(charged[0]!.kind).toBe('behavioral');
    expect(charged[0]!.templateIds).toEqual(['t-charged']);
    // The first line that changed, not the minute it fell in (a release rarely lands on a minute).
    expect(charged[0]!.since).toBeGreaterThan(12 * 60_000);
    expect(charged[0]!.since % 60_000).not.toBe(0);
    expect(charged[0]!.explanation).toMatch(/total=\d+\.\d\d: "\d+\.\d\d" before, "\d+\.\d\d" now/);
    // Nothing else changed: the card, the authorization code and the coupon's discount are not reported.
    expect(findings.filter((f) => f.subject !== 't-charged#1')).toEqual([]);
  });

  it('sees percentages truncated instead of rounded, a cent off on some baskets', () => {
    const release: Shop = { ...healthy, percentOf: (cents, percent) => Math.floor((cents * percent) / 100) };
    const findings = traffic(new ChangedOutcomeDetector(), 20, { releaseAt: 12 * 60_000, release });
    expect(findings.map((f) => f.subject)).toContain('t-charged#1');
    expect(findings.every((f) => f.since >= 12 * 60_000)).toBe(true);
  });

  it('reports a deliberate change once, then takes it for the norm', () => {
    const release: Shop = { ...healthy, bulk: (units) => (units >= 10 ? 7 : 0) };
    const findings = traffic(new ChangedOutcomeDetector(), 90, {
      releaseAt: 12 * 60_000,
      release,
      perMinute: 120,
    });
    const since = findings.map((f) => f.since);
    expect(since.length).toBeGreaterThan(0);
    // Reported where it began; after the quiet time the keys have settled on their new amounts.
    expect(Math.min(...since)).toBeLessThan(20 * 60_000);
    expect(since.filter((t) => t > 45 * 60_000)).toEqual([]);
  });

  it('gives the same findings when its state is saved and restored between runs', () => {
    const release: Shop = { ...healthy, bulk: (units) => (units > 10 ? 5 : 0) };
    const whole = traffic(new ChangedOutcomeDetector(), 20, { releaseAt: 12 * 60_000, release, seed: 4 });
    // The same traffic fed in two halves, the state going through JSON in between.
    const rnd = { seed: 4, releaseAt: 12 * 60_000, release };
    const first = new ChangedOutcomeDetector();
    const events: TemplatedEvent[] = [];
    const recorder = { push: (e: TemplatedEvent) => (events.push(e), []), advance: () => [] };
    traffic(recorder as unknown as ChangedOutcomeDetector, 20, rnd);
    const half = Math.floor(events.length / 2);
    const findings: Finding[] = [];
    for (const e of events.slice(0, half)) findings.push(...first.push(e));
    const second = ChangedOutcomeDetector.restore(JSON.parse(JSON.stringify(first.snapshot())));
    for (const e of events.slice(half)) findings.push(...second.push(e));
    findings.push(...second.advance(20 * 60_000 + 10_000, 'shop'));
    expect(findings.map((f) => f.id)).toEqual(whole.map((f) => f.id));
    expect(findings.length).toBeGreaterThan(0);
  });

  it('follows no request without a trace, and lets an identifier go', () => {
    const d = new ChangedOutcomeDetector({ maxInputDistinct: 50 });
    for (let i = 0; i < 200; i++) {
      d.push(line(i * 100, `tr-${i}`, 't-received', 'received cart <*>', [`c-${i}`]));
      d.push({
        ...line(i * 100, `tr-${i}`, 't-charged', CHARGED, ['1.00', '4242', 'x', '1']),
        traceId: null,
      });
    }
    const state = d.snapshot();
    expect(state.inputs).toEqual([['shop\u0000t-received\u00000', true, []]]);
    expect(state.probes).toEqual([]);
    expect(state.series).toEqual([]);
  });

  it('names an input by the word its template writes before it', () => {
    expect(labelOf(VALIDATED, 3)).toBe('total');
    expect(labelOf(COUPON, 1)).toBe('coupon');
    expect(labelOf('<*> items left', 1)).toBeNull();
  });
});
