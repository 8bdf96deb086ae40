import { describe, expect, it } from 'vitest';
import { CHECKOUT_SERVICE_PROFILE, GENERIC_PROFILE, profileFor } from './profiles.js';
import { pathSegments, replayPlan } from './replayPlan.js';

describe('replay plan', () => {
  it("maps the incident's concrete routes to the profile's recipes and keeps their mix", () => {
    const plan = replayPlan(
      {
        routes: [
          { method: 'POST', path: '/checkout', share: 60 },
          { method: 'get', path: '/cart/c-000123', share: 30 },
          { method: 'GET', path: '/cart/c-000999', share: 10 },
        ],
      },
      CHECKOUT_SERVICE_PROFILE,
    );
    expect(plan.source).toBe('evidence');
    expect(plan.routes.map((r) => [r.name, r.share])).toEqual([
      ['POST /checkout', 0.6],
      ['GET /cart/:id', 0.4],
    ]);
    // The recipe, not the logged id, decides what is requested: a fresh instance has no cart c-000123.
    const cart = plan.routes[1]!;
    expect(cart.request.path).toBe('/cart/:id');
    expect(cart.setup?.once?.[0]).toMatchObject({ method: 'POST', path: '/carts', bind: { id: 'id' } });
    expect(plan.dropped).toEqual([]);
  });

  it('prefers a literal template over a parameter, and replays an unknown parameterless GET as it is', () => {
    const plan = replayPlan(
      {
        routes: [
          { method: 'POST', path: '/carts', share: 1 },
          { method: 'GET', path: '/metrics/summary', share: 1 },
          { method: 'GET', path: '/products/:sku', share: 2 },
        ],
      },
      CHECKOUT_SERVICE_PROFILE,
    );
    expect(plan.routes.map((r) => [r.name, r.request.path, r.share])).toEqual([
      ['POST /carts', '/carts', 0.25],
      ['GET /metrics/summary', '/metrics/summary', 0.25],
      ['GET /products/:sku', '/products/:sku', 0.5],
    ]);
  });

  it('drops evidence outside the grammar and never builds requests from it', () => {
    const hostile = [
      { method: 'GET', path: '/../../etc/passwd', share: 1 },
      { method: 'GET', path: 'http://169.254.169.254/latest', share: 1 },
      { method: 'GET', path: '/products?limit=1000000', share: 1 },
      { method: 'GET', path: '/products/%2e%2e', share: 1 },
      { method: 'GET', path: '/a/./b', share: 1 },
      { method: 'CONNECT', path: '/products', share: 1 },
      { method: 'GET\r\nX-Injected: 1', path: '/products', share: 1 },
      { method: 'POST', path: '/admin/reset', share: 1 },
      { method: 'GET', path: `/${'a'.repeat(300)}`, share: 1 },
      { method: 42, path: null, share: 'x' },
    ] as unknown as { method: string; path: string; share: number }[];
    const plan = replayPlan({ routes: hostile }, CHECKOUT_SERVICE_PROFILE);
    expect(plan.source).toBe('benchmark');
    expect(plan.dropped).toHaveLength(hostile.length);
    expect(plan.dropped.map((d) => d.reason)).toContain(
      'no recipe in the checkout-service profile for this route',
    );
    // Quoted, shortened, printable only.
    expect(plan.dropped.every((d) => d.route.length <= 84 && !/[\r\n]/.test(d.route))).toBe(true);
  });

  it("falls back to the application's benchmark mix without usable evidence", () => {
    for (const evidence of [null, undefined, { routes: [] }]) {
      const plan = replayPlan(evidence, CHECKOUT_SERVICE_PROFILE);
      expect(plan.source).toBe('benchmark');
      expect(plan.routes.map((r) => r.name)).toEqual([
        'GET /products',
        'GET /products/:sku',
        'GET /cart/:id',
        'POST /cart/:id/items',
        'POST /checkout',
      ]);
      expect(plan.routes.every((r) => r.share === 0.2)).toBe(true);
    }
    expect(profileFor('checkout-service')).toBe(CHECKOUT_SERVICE_PROFILE);
    expect(profileFor('__proto__')).toBe(GENERIC_PROFILE);
  });

  it('evidence without usable shares gets an even mix', () => {
    const plan = replayPlan(
      {
        routes: [
          { method: 'GET', path: '/products', share: Number.NaN },
          { method: 'POST', path: '/checkout', share: -3 },
        ],
      },
      CHECKOUT_SERVICE_PROFILE,
    );
    expect(plan.routes.map((r) => r.share)).toEqual([0.5, 0.5]);
  });

  it('accepts only /segment paths of unreserved characters and :params', () => {
    expect(pathSegments('/cart/:id/items')).toEqual(['cart', ':id', 'items']);
    expect(pathSegments('/')).toEqual([]);
    for (const bad of ['', 'cart', '/cart//items', '/cart/', '/c%20', '/..', '/:1x', '/a b'])
      expect(pathSegments(bad)).toBeNull();
  });
});
