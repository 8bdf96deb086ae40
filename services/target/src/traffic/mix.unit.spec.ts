import { describe, expect, it } from 'vitest';
import {
  defaultWeights,
  planScenarios,
  type PlannedRequest,
  type Scenario,
  type ScenarioKind,
} from './mix.js';
import { quantile, summarize, traceparentOf } from './driver.js';

const checkoutOf = (s: Scenario) => s.requests.find((r) => r.path === '/checkout')!;
const bodyOf = (r: PlannedRequest) => r.body as Record<string, unknown>;

describe('request mix', () => {
  it('is the same for the same seed and different for another', () => {
    expect(planScenarios(7, 50)).toEqual(planScenarios(7, 50));
    expect(planScenarios(7, 50)).not.toEqual(planScenarios(8, 50));
  });

  it('draws every kind of shopper in about its share', () => {
    const plan = planScenarios(1, 5000);
    const total = Object.values(defaultWeights).reduce((a, b) => a + b, 0);
    for (const [kind, weight] of Object.entries(defaultWeights)) {
      const share = plan.filter((s) => s.kind === kind).length / plan.length;
      expect(Math.abs(share - weight / total)).toBeLessThan(0.02);
    }
  });

  it('builds carts before checking them out, and large carts are large', () => {
    for (const s of planScenarios(3, 300)) {
      const checkout = s.requests.findIndex((r) => r.path === '/checkout');
      if (checkout >= 0) expect(s.requests[0]!.path).toBe('/carts');
      if (s.kind === 'large-cart-checkout') expect(s.requests.length).toBeGreaterThanOrEqual(22);
      if (s.kind === 'empty-cart-checkout')
        expect(s.requests.map((r) => r.path)).toEqual(['/carts', '/checkout']);
    }
  });
});

describe('who the shoppers are', () => {
  it('ships to every country the service serves, with and without a second address line', () => {
    const addresses = planScenarios(5, 2000)
      .flatMap((s) => s.requests)
      .filter((r) => r.path === '/checkout')
      .map((r) => (r.body as { address: { country: string; line2?: string } }).address);
    expect(new Set(addresses.map((a) => a.country))).toEqual(new Set(['DE', 'FR', 'NL', 'GB', 'US']));
    const gb = addresses.filter((a) => a.country === 'GB');
    expect(gb.some((a) => a.line2)).toBe(true);
    expect(gb.some((a) => !a.line2)).toBe(true);
  });

  it('looks orders up only after a checkout, and traces about half the checkouts', () => {
    const plan = planScenarios(9, 2000);
    for (const s of plan) {
      const lookup = s.requests.findIndex((r) => r.path === '/orders/{order}');
      if (lookup >= 0) expect(s.requests[lookup - 1]!.path).toBe('/checkout');
    }
    const checkouts = plan.flatMap((s) => s.requests).filter((r) => r.path === '/checkout');
    const traced = checkouts.filter((r) => r.traced).length / checkouts.length;
    expect(traced).toBeGreaterThan(0.4);
    expect(traced).toBeLessThan(0.6);
  });
});

describe("what a real shop's traffic also holds", () => {
  const plan = planScenarios(13, 6000);
  const of = (kind: ScenarioKind) => plan.filter((s) => s.kind === kind);

  it('draws each added kind at a few per cent, and the slow acquirer only when asked', () => {
    const total = Object.values(defaultWeights).reduce((a, b) => a + b, 0);
    for (const kind of [
      'bulk-order',
      'gift-order',
      'legacy-app-checkout',
      'odd-traceparent',
      'double-submit',
      'order-link',
      'acquirer-outage',
    ] as const) {
      expect(defaultWeights[kind] / total).toBeGreaterThan(0.01);
      expect(defaultWeights[kind] / total).toBeLessThan(0.04);
      expect(Math.abs(of(kind).length / plan.length - defaultWeights[kind] / total)).toBeLessThan(0.01);
    }
    expect(of('slow-acquirer')).toEqual([]);
    const asked = planScenarios(13, 2000, { ...defaultWeights, 'slow-acquirer': 2 });
    const slow = asked.filter((s) => s.kind === 'slow-acquirer');
    expect(slow.length).toBeGreaterThan(10);
    for (const s of slow) expect(checkoutOf(s).expect).toContain(502);
  });

  it('expects of every request what the healthy service answers, and no server error but from a dead acquirer', () => {
    for (const s of planScenarios(17, 3000, { ...defaultWeights, 'slow-acquirer': 2 }))
      for (const r of s.requests) {
        expect(r.expect.length).toBeGreaterThan(0);
        if (s.kind !== 'slow-acquirer') expect(r.expect.every((status) => status < 500)).toBe(true);
      }
  });

  it('bulk buyers take round quantities, at most the 20 a line may hold, one line per product', () => {
    for (const s of of('bulk-order')) {
      const lines = s.requests.filter((r) => r.path === '/cart/{cart}/items').map(bodyOf);
      expect(lines.length).toBeGreaterThan(0);
      expect(new Set(lines.map((l) => l.sku)).size).toBe(lines.length);
      for (const l of lines) expect([10, 12, 15, 20]).toContain(l.quantity);
      expect(checkoutOf(s).expect).toEqual([201, 409, 422]);
    }
    const quantities = of('bulk-order').flatMap((s) => s.requests.map((r) => bodyOf(r)?.quantity));
    expect(quantities).toContain(10);
    expect(quantities).toContain(20);
    expect(of('bulk-order').some((s) => bodyOf(checkoutOf(s)).coupon)).toBe(true);
  });

  it('gift orders give a confirmation address, a few of them one the mail server refuses, and still buy', () => {
    const emails = of('gift-order').map((s) => bodyOf(checkoutOf(s)).email as string);
    expect(emails.every((e) => typeof e === 'string')).toBe(true);
    const refused = emails.filter((e) => e.endsWith('.invalid')).length / emails.length;
    expect(refused).toBeGreaterThan(0.1);
    expect(refused).toBeLessThan(0.3);
    for (const s of of('gift-order')) expect(checkoutOf(s).expect).toEqual([201, 409]);
  });

  it('the outdated app sends text quantities and an e-mail of any type, refused (400) unless it is text', () => {
    const types = new Set<string>();
    for (const s of of('legacy-app-checkout')) {
      for (const r of s.requests.filter((r) => r.path === '/cart/{cart}/items'))
        expect(typeof bodyOf(r).quantity).toBe('string');
      const checkout = checkoutOf(s);
      const email = bodyOf(checkout).email;
      types.add(email === null ? 'null' : typeof email);
      expect(checkout.expect).toEqual(typeof email === 'string' ? [201, 409] : [400]);
      expect(checkout.traced).toBeFalsy();
    }
    expect(types).toEqual(new Set(['null', 'number', 'string']));
  });

  it('odd trace headers come in every form, on pages the service answers 200', () => {
    const forms = new Set(of('odd-traceparent').flatMap((s) => s.requests.map((r) => r.traceparent)));
    expect(forms).toContain('00');
    expect(forms.size).toBe(5);
    for (const s of of('odd-traceparent')) for (const r of s.requests) expect(r.expect).toEqual([200]);
    expect(traceparentOf('00-{trace}-{span}-01')).toMatch(/^00-[\da-f]{32}-[\da-f]{16}-01$/);
    expect(traceparentOf('00-{TRACE}-{SPAN}-01')).toMatch(/^00-[\dA-F]{32}-[\dA-F]{16}-01$/);
    expect(traceparentOf('00')).toBe('00');
  });

  it('double submits send the same checkout twice; order links and outages expect what the service answers', () => {
    for (const s of of('double-submit')) {
      const pays = s.requests.filter((r) => r.path === '/checkout');
      expect(pays).toHaveLength(2);
      expect(pays[1]).toEqual(pays[0]);
    }
    for (const s of of('order-link')) {
      expect(s.requests[0]!.path).toMatch(/^\/orders\/o-\d+$/);
      expect(s.requests[0]!.expect).toEqual([200, 404]);
    }
    for (const s of of('acquirer-outage')) {
      const checkout = checkoutOf(s);
      expect((bodyOf(checkout).card as { number: string }).number).toMatch(/0036$/);
      expect(checkout.expect).toEqual([201, 409]);
    }
  });

  it('browses categories and next pages as well as the first page', () => {
    const listings = of('browse').map((s) => s.requests[0]!.path);
    expect(listings.some((p) => p.includes('category='))).toBe(true);
    expect(listings.some((p) => p.includes('offset='))).toBe(true);
    expect(listings.some((p) => /^\/products\?limit=\d+$/.test(p))).toBe(true);
  });
});

describe('traffic report', () => {
  it('takes nearest-rank quantiles and groups by server', () => {
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95)).toBe(10);
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5)).toBe(5);
    const r = (server: string, status: number, latencyMs: number) => ({
      scenario: 'browse' as const,
      method: 'GET',
      route: '/products',
      status,
      expected: status === 200,
      latencyMs,
      server,
    });
    const report = summarize([r('a1', 200, 5), r('b1', 500, 50), r('b1', 200, 7)], 3, 1000);
    expect(report.byServer).toEqual({
      a1: { requests: 1, unexpected: 0, p95: 5 },
      b1: { requests: 2, unexpected: 1, p95: 50 },
    });
    expect(report.byStatus).toEqual({ 200: 2, 500: 1 });
    expect(report.achievedRate).toBe(3);
  });
});
