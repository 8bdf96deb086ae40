/**
 * Per-application replay tables. A route template with parameters cannot be replayed from its text alone: a fresh
 * instance has none of production's carts or orders, so each recipe says how to create what the route needs (the
 * way the application's own bench does), and which fixed values (seed data) to use. Add an application here with
 * its routes; routes missing from its table are replayed only when they are parameterless GETs.
 */
import type { AppProfile, SetupStep } from './replayPlan.js';

const card = { number: '4242 4242 4242 4242', expiry: '12/30', cvc: '123' };
const address = { name: 'Bench', street: 'Loop 1', postalCode: '10115', city: 'Berlin', country: 'DE' };
const auth = { authorization: 'Bearer tok-grace-9b2e' };
const json = { 'content-type': 'application/json' };

const newCart: SetupStep = { method: 'POST', path: '/carts', bind: { id: 'id' } };
const addItem = (sku: string, quantity: number): SetupStep => ({
  method: 'POST',
  path: '/cart/:id/items',
  headers: json,
  body: { sku, quantity },
});

/**
 * The sample checkout service (services/sample-service/app), after bench/routes.ts. Its `main.ts` starts its own
 * payment provider when PAYMENT_URL is unset, so a replay needs no stub. Stock is in memory per instance: SKU-2002
 * has 300 units, so one side can take at most ~300 checkouts (warm-up included) before they fail with 409.
 */
export const CHECKOUT_SERVICE_PROFILE: AppProfile = {
  name: 'checkout-service',
  recipes: [
    { name: 'GET /healthz', request: { method: 'GET', path: '/healthz' } },
    { name: 'GET /products', request: { method: 'GET', path: '/products', query: 'limit=10' } },
    {
      name: 'GET /products/:sku',
      request: { method: 'GET', path: '/products/:sku', params: { sku: 'SKU-2001' } },
    },
    { name: 'POST /carts', request: { method: 'POST', path: '/carts' } },
    {
      name: 'GET /cart/:id',
      request: { method: 'GET', path: '/cart/:id' },
      setup: {
        once: [
          newCart,
          addItem('SKU-1001', 1),
          addItem('SKU-2002', 2),
          addItem('SKU-4001', 1),
          addItem('SKU-5001', 3),
        ],
      },
    },
    {
      name: 'POST /cart/:id/items',
      request: {
        method: 'POST',
        path: '/cart/:id/items',
        headers: json,
        body: { sku: 'SKU-2002', quantity: 1 },
      },
      setup: { each: [newCart] },
    },
    {
      name: 'DELETE /cart/:id/items/:sku',
      request: { method: 'DELETE', path: '/cart/:id/items/:sku', params: { sku: 'SKU-2002' } },
      setup: { each: [newCart, addItem('SKU-2002', 1)] },
    },
    {
      name: 'POST /checkout',
      request: {
        method: 'POST',
        path: '/checkout',
        headers: { ...json, ...auth },
        body: { cartId: '{{id}}', card, address },
      },
      setup: { each: [newCart, addItem('SKU-2002', 1)] },
    },
    {
      name: 'GET /orders/:id',
      request: { method: 'GET', path: '/orders/:id' },
      setup: {
        once: [
          newCart,
          addItem('SKU-5001', 1),
          {
            method: 'POST',
            path: '/checkout',
            headers: { ...json, ...auth },
            body: { cartId: '{{id}}', card, address },
            bind: { id: 'id' },
          },
        ],
      },
    },
  ],
  // bench/routes.ts measures these five, each as often.
  benchmark: [
    { name: 'GET /products', weight: 1 },
    { name: 'GET /products/:sku', weight: 1 },
    { name: 'GET /cart/:id', weight: 1 },
    { name: 'POST /cart/:id/items', weight: 1 },
    { name: 'POST /checkout', weight: 1 },
  ],
};

/** Any application without a table: its health route only, which says little; name one in the report. */
export const GENERIC_PROFILE: AppProfile = {
  name: 'generic',
  recipes: [{ name: 'GET /healthz', request: { method: 'GET', path: '/healthz' } }],
  benchmark: [{ name: 'GET /healthz', weight: 1 }],
};

const PROFILES: Record<string, AppProfile> = { 'checkout-service': CHECKOUT_SERVICE_PROFILE };

/** The profile for an application by its package name (package.json "name"), else the generic one. */
export function profileFor(packageName: string | undefined): AppProfile {
  return (
    (packageName && Object.hasOwn(PROFILES, packageName) ? PROFILES[packageName] : undefined) ??
    GENERIC_PROFILE
  );
}
