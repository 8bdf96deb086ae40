/**
 * The request mix of the sample checkout service, as data: each scenario is what one shopper does (a few
 * requests in order, the later ones using ids the earlier answers returned). Pure and seeded: the same seed gives
 * the same scenarios, so two runs (or the stable and canary sides of one) see the same mix.
 */

import { prng } from '@self-healing/shared';

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
  | 'unknown-order'
  | 'bulk-order'
  | 'gift-order'
  | 'legacy-app-checkout'
  | 'odd-traceparent'
  | 'double-submit'
  | 'order-link'
  | 'acquirer-outage'
  | 'slow-acquirer';

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
  /**
   * A `traceparent` header sent as it is, for clients whose tracer does not follow the W3C format; `{trace}` and
   * `{span}` (`{TRACE}`, `{SPAN}` in upper case) are replaced by fresh random ids.
   */
  traceparent?: string;
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
  // What a real shop's traffic also holds, each a few per cent (see scenarioOf for the client each one models).
  'bulk-order': 3,
  'gift-order': 3,
  'legacy-app-checkout': 2,
  'odd-traceparent': 2,
  'double-submit': 2,
  'order-link': 2,
  'acquirer-outage': 2,
  // Off by default: the healthy service answers these 502 (it gives up on the acquirer), and the healing tests
  // count every 5xx of a fixed version as a failure. Pass weights to driveTraffic or planScenarios to add them.
  'slow-acquirer': 0,
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
 * Cards whose charge meets acquirer trouble. The sample service's payment provider (started in each instance,
 * there is no other acquirer to point it at) keys its behaviour on the card number, as real acquirers' test cards
 * do: a card ending 0036 meets a transient outage (the first attempt of a charge answers 503), one ending 0119 an
 * acquirer that answers only after two seconds, beyond the service's timeout.
 */
const OUTAGE_CARD = { number: '4000 0000 0000 0036', expiry: '12/30', cvc: '123' };
const SLOW_ACQUIRER_CARD = { number: '4000 0000 0000 0119', expiry: '12/30', cvc: '123' };
/** The service gave up on the acquirer (payment_unavailable): how the healthy service answers a dead acquirer. */
const PAYMENT_UNAVAILABLE = 502;
const CATEGORIES = ['coffee', 'brewing', 'grinders', 'cups', 'care'];
/** Consumables that offices and cafés buy by the dozen (paper filters, mugs): the best stocked products. */
const BULK_SKUS = ['SKU-2002', 'SKU-4001'];
/** Round quantities a buyer types for a team or a café; 20 is the most a line may hold. */
const BULK_QUANTITIES = [10, 10, 12, 15, 20];
/** Addresses typed for a gift or a work mailbox; the service trims them. */
const CONFIRMATION_EMAILS = ['grace.hopper@example.org', ' Linus@Example.COM ', 'office@kaffee.example.de'];
/**
 * Mistyped domains: the notifier refuses mail to `.invalid` (RFC 2606), its model of a domain that does not exist,
 * and the paid order stands with its confirmation marked failed.
 */
const UNDELIVERABLE_EMAILS = ['ada@gmial.invalid', 'tom.jones@hotmial.invalid'];
/**
 * `traceparent` headers seen from tracers that do not follow the W3C format: cut after the version (a hand-rolled
 * SDK, a gateway that rewrites the header), without the flags field, a later version with an extra field (which
 * the specification tells version-00 parsers to accept), the all-zero context of a tracer with no active span, and
 * upper-case hex. The service answers each with a trace id of its own.
 */
const ODD_TRACEPARENTS = [
  '00',
  '00-{trace}-{span}',
  '01-{trace}-{span}-01-0a',
  '00-00000000000000000000000000000000-0000000000000000-00',
  '00-{TRACE}-{SPAN}-01',
];
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

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/**
 * Units of one line: most shoppers take one of a product, some a few (up to `max`). Stock is finite (the service
 * does not restock), so how many units an order takes decides how many orders a fresh instance can serve.
 */
function quantityOf(random: () => number, max: number): number {
  return random() < 0.7 || max < 2 ? 1 : 2 + Math.floor(random() * (max - 1));
}

function cartWith(
  random: () => number,
  lines: number,
  maxQuantity: number,
  quantityAsText = false,
): PlannedRequest[] {
  const out: PlannedRequest[] = [{ method: 'POST', path: '/carts', expect: [201] }];
  for (let i = 0; i < lines; i++) {
    const quantity = quantityOf(random, maxQuantity);
    out.push({
      method: 'POST',
      path: '/cart/{cart}/items',
      body: { sku: pick(random, SKUS), quantity: quantityAsText ? String(quantity) : quantity },
      expect: [201],
    });
  }
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

/** The listing as storefront pages ask for it: the first page, a category's page, or the next page. */
function listingPath(random: () => number): string {
  const limit = 5 + Math.floor(random() * 20);
  const r = random();
  if (r < 0.25) return `/products?category=${pick(random, CATEGORIES)}&limit=${limit}`;
  if (r < 0.4) return `/products?offset=${limit}&limit=${limit}`;
  return `/products?limit=${limit}`;
}

export function scenarioOf(kind: ScenarioKind, random: () => number): Scenario {
  switch (kind) {
    case 'browse':
      return { kind, requests: [{ method: 'GET', path: listingPath(random), expect: [200] }] };
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
    case 'bulk-order': {
      // An office manager or a café restocking consumables: one or two products in round quantities, sometimes
      // with the coupon their newsletter sent. A coupon below its minimum is refused (422).
      const skus = random() < 0.4 ? [...BULK_SKUS] : [pick(random, BULK_SKUS)];
      const coupon = random() < 0.4 ? { coupon: pick(random, ['SAVE10', 'SAVE15', 'SHIPFREE']) } : {};
      return {
        kind,
        requests: [
          { method: 'POST', path: '/carts', expect: [201] },
          ...skus.map((sku): PlannedRequest => ({
            method: 'POST',
            path: '/cart/{cart}/items',
            body: { sku, quantity: pick(random, BULK_QUANTITIES) },
            expect: [201],
          })),
          checkout(random, coupon, [201, OUT_OF_STOCK, COUPON_REFUSED]),
          ...afterCheckout(random),
        ],
      };
    }
    case 'gift-order': {
      // A confirmation sent elsewhere than the account's mailbox (a gift, a work address); one in five has a
      // mistyped domain the mail server refuses, and the order still stands.
      const email = random() < 0.2 ? pick(random, UNDELIVERABLE_EMAILS) : pick(random, CONFIRMATION_EMAILS);
      return {
        kind,
        requests: [
          ...cartWith(random, 1 + Math.floor(random() * 2), 2),
          checkout(random, { email }, [201, OUT_OF_STOCK]),
          ...afterCheckout(random),
        ],
      };
    }
    case 'legacy-app-checkout': {
      // An outdated version of the mobile app: it sends form values as text (quantities, a lower-case postal
      // code), no trace header, and always sends the optional contact e-mail field: null when the shopper left it
      // empty, a number when the field held only digits (a phone number typed in it). The service refuses a
      // non-text e-mail (400) before anything else; the shopper then gives up.
      const r = random();
      const email = r < 0.3 ? null : r < 0.5 ? 4915112345678 : 'Ada@Example.com';
      const address = pickAddress(random);
      return {
        kind,
        requests: [
          ...cartWith(random, 1 + Math.floor(random() * 2), 3, true),
          {
            method: 'POST',
            path: '/checkout',
            auth: true,
            body: {
              cartId: '{cart}',
              card: GOOD_CARD,
              address: { ...address, postalCode: address.postalCode!.toLowerCase() },
              email,
            },
            expect: typeof email === 'string' ? [201, OUT_OF_STOCK] : [400],
          },
        ],
      };
    }
    case 'odd-traceparent': {
      // A client whose tracer does not follow the W3C format (an old SDK, a partner's integration): a listing
      // and a product page, both with its header.
      const traceparent = pick(random, ODD_TRACEPARENTS);
      return {
        kind,
        requests: [
          { method: 'GET', path: listingPath(random), expect: [200], traceparent },
          { method: 'GET', path: `/products/${pick(random, SKUS)}`, expect: [200], traceparent },
        ],
      };
    }
    case 'double-submit': {
      // A double click on "Pay", or a client that sends the checkout again when the first answer is slow: the
      // second finds the cart already ordered (409), or still out of stock.
      const pay = checkout(random, {}, [201, OUT_OF_STOCK]);
      return {
        kind,
        requests: [
          ...cartWith(random, 1 + Math.floor(random() * 2), 2),
          pay,
          { ...pay },
          ...afterCheckout(random),
        ],
      };
    }
    case 'order-link':
      // An order page opened from a link: an older confirmation mail, a link a family member forwarded, a
      // customer-service agent pasting a number. The order may be on this instance (200) or not (404).
      return {
        kind,
        requests: [
          {
            method: 'GET',
            path: `/orders/o-${1 + Math.floor(random() * 400)}`,
            auth: true,
            expect: [200, 404],
            traced: random() < 0.5,
          },
        ],
      };
    case 'acquirer-outage':
      // A charge that meets a transient acquirer outage (the provider's first answer is 503): the service
      // retries under the same idempotency key and the order goes through.
      return {
        kind,
        requests: [
          ...cartWith(random, 1 + Math.floor(random() * 2), 2),
          {
            ...checkout(random, {}, [201, OUT_OF_STOCK]),
            body: { cartId: '{cart}', card: OUTAGE_CARD, address: pickAddress(random) },
          },
          ...afterCheckout(random),
        ],
      };
    case 'slow-acquirer':
      // An acquirer slower than the service's timeout: the service gives up after its attempts (502), unless a
      // retry comes late enough to find the first attempt captured (the provider is idempotent): then 201.
      return {
        kind,
        requests: [
          ...cartWith(random, 1, 2),
          {
            ...checkout(random, {}, [PAYMENT_UNAVAILABLE, 201, OUT_OF_STOCK]),
            body: { cartId: '{cart}', card: SLOW_ACQUIRER_CARD, address: pickAddress(random) },
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
