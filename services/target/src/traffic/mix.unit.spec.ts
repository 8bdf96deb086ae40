import { describe, expect, it } from 'vitest';
import { defaultWeights, planScenarios } from './mix.js';
import { quantile, summarize } from './driver.js';

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
