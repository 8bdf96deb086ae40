import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAddItem, parseQuantity } from '../src/cart/input.js';
import { validateCart } from '../src/cart/validate.js';
import { seedProducts } from '../src/catalog/products.js';
import { parseCheckout } from '../src/checkout/request.js';
import { traceIdFrom } from '../src/observability/logger.js';
import { luhn, parseCard } from '../src/payment/card.js';
import { formatAddress, parseAddress } from '../src/shipping/address.js';
import { chooseCarrier } from '../src/shipping/shipment.js';
import { ADDRESS, CARD, FIXED_NOW } from './harness.js';

const catalogue = new Map(seedProducts.map((p) => [p.sku, p]));

describe('cart input', () => {
  it('accepts quantities as numbers or numeric strings', () => {
    assert.deepEqual(parseAddItem({ sku: 'SKU-1001', quantity: 2 }), { sku: 'SKU-1001', quantity: 2 });
    assert.deepEqual(parseAddItem({ sku: 'SKU-1001', quantity: '3' }), { sku: 'SKU-1001', quantity: 3 });
  });

  it('rejects bad quantities and SKUs', () => {
    for (const q of [0, -1, 1.5, 'two', '', null, undefined, 21])
      assert.throws(() => parseQuantity(q), { status: 400 });
    assert.throws(() => parseAddItem({ sku: 'espresso', quantity: 1 }), { code: 'invalid_sku' });
    assert.throws(() => parseAddItem(null), { code: 'invalid_body' });
  });
});

describe('validateCart', () => {
  it('prices lines and drops discontinued products', () => {
    const v = validateCart(
      [
        { sku: 'SKU-1001', quantity: 2 },
        { sku: 'SKU-9001', quantity: 1 },
      ],
      catalogue,
    );
    assert.equal(v.subtotalCents, 3780);
    assert.deepEqual(v.dropped, ['SKU-9001']);
    assert.equal(v.lines[0]!.weightGrams, 2000);
  });

  it('rejects empty carts, unknown SKUs and carts of discontinued products only', () => {
    assert.throws(() => validateCart([], catalogue), { code: 'empty_cart' });
    assert.throws(() => validateCart([{ sku: 'SKU-0000', quantity: 1 }], catalogue), { status: 422 });
    assert.throws(() => validateCart([{ sku: 'SKU-9001', quantity: 1 }], catalogue), {
      code: 'nothing_to_buy',
    });
  });
});

describe('card', () => {
  it('parses a valid card and checks Luhn and expiry', () => {
    assert.deepEqual(parseCard(CARD, FIXED_NOW), {
      number: '4242424242424242',
      expMonth: 12,
      expYear: 2030,
      cvc: '123',
    });
    assert.equal(luhn('4000000000000002'), true);
    assert.equal(luhn('4000000000000003'), false);
    assert.throws(() => parseCard({ ...CARD, number: '4242 4242 4242 4243' }, FIXED_NOW), {
      code: 'invalid_card',
    });
    assert.throws(() => parseCard({ ...CARD, expiry: '02/26' }, FIXED_NOW + 31 * 86_400_000), {
      code: 'card_expired',
    });
    assert.doesNotThrow(() => parseCard({ ...CARD, expiry: '03/26' }, FIXED_NOW));
  });

  it('rejects malformed expiry dates with a 400', () => {
    for (const expiry of ['1230', '12/2030', '13/30', '', 1230]) {
      assert.throws(() => parseCard({ ...CARD, expiry }, FIXED_NOW), { status: 400 });
    }
  });
});

describe('address', () => {
  it('normalizes and checks the postal code of the country', () => {
    assert.equal(parseAddress({ ...ADDRESS, country: 'de' }).country, 'DE');
    assert.throws(() => parseAddress({ ...ADDRESS, postalCode: '1011' }), { code: 'invalid_postal_code' });
    assert.throws(() => parseAddress({ ...ADDRESS, country: 'JP' }), { code: 'unsupported_country' });
    assert.throws(() => parseAddress({ ...ADDRESS, city: 7 }), { code: 'invalid_address' });
  });

  it('prints the label with the optional second line', () => {
    assert.deepEqual(formatAddress(parseAddress(ADDRESS)), [
      'Ada Lovelace',
      'Invalidenstr. 1',
      '10115 Berlin',
      'DE',
    ]);
    assert.deepEqual(
      formatAddress(parseAddress({ ...ADDRESS, line2: 'c/o Babbage', country: 'US', postalCode: '02139' })),
      ['Ada Lovelace', 'Invalidenstr. 1', 'c/o Babbage', 'Berlin 02139', 'US'],
    );
  });

  it('chooses the carrier by country and weight', () => {
    assert.equal(chooseCarrier('DE', 1000), 'dhl');
    assert.equal(chooseCarrier('GB', 1000), 'dpd');
    assert.equal(chooseCarrier('US', 1000), 'ups');
    assert.equal(chooseCarrier('FR', 9000), 'dpd');
  });
});

describe('checkout request', () => {
  it('treats a blank coupon as none', () => {
    const r = parseCheckout({ cartId: 'c-1', coupon: ' ', card: CARD, address: ADDRESS }, FIXED_NOW);
    assert.equal(r.coupon, undefined);
  });

  it('rejects a missing cart id and wrongly typed fields', () => {
    assert.throws(() => parseCheckout({ card: CARD, address: ADDRESS }, FIXED_NOW), { code: 'invalid_cart' });
    assert.throws(
      () => parseCheckout({ cartId: 'c-1', coupon: 10, card: CARD, address: ADDRESS }, FIXED_NOW),
      {
        code: 'invalid_coupon',
      },
    );
  });
});

describe('trace ids', () => {
  it('takes the trace id of a W3C traceparent, else x-trace-id, else a new one', () => {
    const id = '4bf92f3577b34da6a3ce929d0e0e4736';
    assert.equal(traceIdFrom({ traceparent: `00-${id}-00f067aa0ba902b7-01` }), id);
    assert.equal(traceIdFrom({ 'x-trace-id': 'ABCDEF0123456789' }), 'abcdef0123456789');
    assert.match(traceIdFrom({ traceparent: 'garbage' }), /^[\da-f]{32}$/);
    assert.match(traceIdFrom({}), /^[\da-f]{32}$/);
  });
});
