/**
 * The request mix of the sample checkout service, as data: each scenario is what one shopper does (a few
 * requests in order, the later ones using ids the earlier answers returned). Pure and seeded: the same seed gives
 * the same scenarios, so two runs (or the stable and canary sides of one) see the same mix.
 */

export type ScenarioKind =
  | 'browse'
  | 'product'
  | 'coupon-checkout'
  | 'plain-checkout'
  | 'empty-cart-checkout'
  | 'large-cart-checkout'
  | 'payment-decline'
  | 'expired-coupon'
  | 'unknown-product'
  | 'unknown-order';

/** One HTTP request; `{cart}` in a path or body is replaced by the cart id the scenario created. */
export interface PlannedRequest {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  body?: unknown;
  auth?: boolean;
  /** Statuses that are the service working as designed (a decline is a 402, not an error of the service). */
  expect: readonly number[];
  /** Sent with a W3C `traceparent` header, as a traced frontend sends it. */
  traced?: boolean;
}

export interface Scenario {
  kind: ScenarioKind;
  requests: PlannedRequest[];
}

export const defaultWeights: Readonly<Record<ScenarioKind, number>> = {
  browse: 30,
  product: 20,
  'plain-checkout': 14,
  'coupon-checkout': 12,
  'empty-cart-checkout': 6,
  'large-cart-checkout': 6,
  'payment-decline': 6,
  'expired-coupon': 3,
  'unknown-product': 3,
  'unknown-order': 2,
};

const SKUS = [
  'SKU-1001',
  'SKU-1002',
  'SKU-1003',
  'SKU-1004',
  'SKU-2001',
  'SKU-2002',
  'SKU-2003',
  'SKU-2004',
  'SKU-3001',
  'SKU-3002',
  'SKU-4001',
  'SKU-4002',
  'SKU-4003',
  'SKU-5001',
  'SKU-5002',
];
const COUPONS = ['SAVE10', 'SAVE15', 'FIVEOFF', 'SHIPFREE'];
/** Stock runs out under sustained load (the service does not restock): a 409 is the service working. */
const OUT_OF_STOCK = 409;
/** An unknown or expired coupon, or a subtotal under its minimum. */
const COUPON_REFUSED = 422;
const GOOD_CARD = { number: '4242 4242 4242 4242', expiry: '12/30', cvc: '123' };
const DECLINED_CARD = { number: '4000 0000 0000 0002', expiry: '12/30', cvc: '123' };
/**
 * Where shoppers live: every country the service ships to, with and without a second address line, in the shares
 * of a shop based in Germany. A single address would leave whole branches of the shipping code unused by the
 * traffic, and a fault there invisible to the platform.
 */
const ADDRESSES: ReadonlyArray<{ weight: number; address: Record<string, string> }> = [
  {
    weight: 40,
    address: {
      name: 'Ada Lovelace',
      street: 'Unter den Linden 1',
      postalCode: '10115',
      city: 'Berlin',
      country: 'DE',
    },
  },
  {
    weight: 10,
    address: {
      name: 'Karl Weber',
      street: 'Hauptstr. 5',
      line2: 'Hinterhaus',
      postalCode: '80331',
      city: 'München',
      country: 'DE',
    },
  },
  {
    weight: 10,
    address: {
      name: 'Claire Martin',
      street: '12 rue de Rivoli',
      postalCode: '75001',
      city: 'Paris',
      country: 'FR',
    },
  },
  {
    weight: 8,
    address: {
      name: 'Daan de Vries',
      street: 'Damrak 1',
      postalCode: '1012 LG',
      city: 'Amsterdam',
      country: 'NL',
    },
  },
  {
    weight: 8,
    address: {
      name: 'Tom Jones',
      street: '10 Downing St',
      postalCode: 'SW1A 2AA',
      city: 'London',
      country: 'GB',
    },
  },
  {
    weight: 6,
    address: {
      name: 'Mary Smith',
      street: '1 High St',
      line2: 'Flat 2b',
      postalCode: 'M1 1AE',
      city: 'Manchester',
      country: 'GB',
    },
  },
  {
    weight: 10,
    address: {
      name: 'John Doe',
      street: '1 Main St',
      line2: 'Apt 4',
      postalCode: '02139',
      city: 'Cambridge',
      country: 'US',
    },
  },
  {
    weight: 8,
    address: {
      name: 'Jane Roe',
      street: '500 Market St',
      postalCode: '94105',
      city: 'San Francisco',
      country: 'US',
    },
  },
];

function pickAddress(random: () => number): Record<string, string> {
  const total = ADDRESSES.reduce((a, x) => a + x.weight, 0);
  let r = random() * total;
  return (ADDRESSES.find((x) => (r -= x.weight) < 0) ?? ADDRESSES[0]!).address;
}

/** mulberry32: small, fast, and the same sequence on every platform. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function cartWith(random: () => number, lines: number, maxQuantity: number): PlannedRequest[] {
  const out: PlannedRequest[] = [{ method: 'POST', path: '/carts', expect: [201] }];
  for (let i = 0; i < lines; i++)
    out.push({
      method: 'POST',
      path: '/cart/{cart}/items',
      body: { sku: pick(random, SKUS), quantity: 1 + Math.floor(random() * maxQuantity) },
      expect: [201],
    });
  return out;
}

const checkout = (
  random: () => number,
  extra: Record<string, unknown>,
  expect: readonly number[],
): PlannedRequest => ({
  method: 'POST',
  path: '/checkout',
  auth: true,
  body: { cartId: '{cart}', card: GOOD_CARD, address: pickAddress(random), ...extra },
  expect,
  traced: random() < 0.5,
});

/**
 * About half the shoppers look at their order after paying. `{order}` is the id the checkout answered; the driver
 * skips the lookup when the checkout made no order (out of stock, a refused coupon).
 */
const afterCheckout = (random: () => number): PlannedRequest[] =>
  random() < 0.5
    ? [{ method: 'GET', path: '/orders/{order}', auth: true, expect: [200], traced: random() < 0.5 }]
    : [];

export function scenarioOf(kind: ScenarioKind, random: () => number): Scenario {
  switch (kind) {
    case 'browse':
      return {
        kind,
        requests: [
          { method: 'GET', path: `/products?limit=${5 + Math.floor(random() * 20)}`, expect: [200] },
        ],
      };
    case 'product':
      return { kind, requests: [{ method: 'GET', path: `/products/${pick(random, SKUS)}`, expect: [200] }] };
    case 'unknown-product':
      return { kind, requests: [{ method: 'GET', path: '/products/SKU-0000', expect: [404] }] };
    case 'unknown-order':
      // An old link or a mistyped order number: the service answers 404.
      return { kind, requests: [{ method: 'GET', path: '/orders/ord-00000000', expect: [404] }] };
    case 'plain-checkout':
      return {
        kind,
        requests: [
          ...cartWith(random, 1 + Math.floor(random() * 3), 3),
          checkout(random, {}, [201, OUT_OF_STOCK]),
          ...afterCheckout(random),
        ],
      };
    case 'coupon-checkout':
      return {
        kind,
        requests: [
          ...cartWith(random, 2 + Math.floor(random() * 3), 4),
          checkout(random, { coupon: pick(random, COUPONS) }, [201, OUT_OF_STOCK, COUPON_REFUSED]),
          ...afterCheckout(random),
        ],
      };
    case 'expired-coupon':
      return {
        kind,
        requests: [
          ...cartWith(random, 1, 2),
          checkout(random, { coupon: 'SUMMER19' }, [COUPON_REFUSED, OUT_OF_STOCK]),
        ],
      };
    case 'empty-cart-checkout':
      return {
        kind,
        requests: [{ method: 'POST', path: '/carts', expect: [201] }, checkout(random, {}, [400])],
      };
    case 'large-cart-checkout':
      return {
        kind,
        requests: [
          ...cartWith(random, 20 + Math.floor(random() * 20), 10),
          checkout(random, {}, [201, 400, OUT_OF_STOCK]),
        ],
      };
    case 'payment-decline':
      return {
        kind,
        requests: [
          ...cartWith(random, 1, 2),
          {
            ...checkout(random, {}, [402, OUT_OF_STOCK]),
            body: { cartId: '{cart}', card: DECLINED_CARD, address: pickAddress(random) },
          },
        ],
      };
  }
}

/** `count` scenarios drawn by weight from a seeded generator. */
export function planScenarios(
  seed: number,
  count: number,
  weights: Readonly<Record<ScenarioKind, number>> = defaultWeights,
): Scenario[] {
  const random = prng(seed);
  const kinds = Object.entries(weights).filter(([, w]) => w > 0) as Array<[ScenarioKind, number]>;
  const total = kinds.reduce((s, [, w]) => s + w, 0);
  if (total <= 0) throw new Error('every scenario weight is 0');
  return Array.from({ length: count }, () => {
    let r = random() * total;
    const kind = kinds.find(([, w]) => (r -= w) < 0)?.[0] ?? kinds[kinds.length - 1]![0];
    return scenarioOf(kind, random);
  });
}
