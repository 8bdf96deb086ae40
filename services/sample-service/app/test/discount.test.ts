import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PricedLine } from '../src/cart/validate.js';
import { quote } from '../src/pricing/discount.js';
import { formatCents, percentOf } from '../src/pricing/money.js';
import { FIXED_NOW } from './harness.js';

const line = (sku: string, quantity: number, unitPriceCents: number): PricedLine => ({
  sku,
  name: sku,
  quantity,
  unitPriceCents,
  lineTotalCents: quantity * unitPriceCents,
  weightGrams: 100 * quantity,
});

describe('quote', () => {
  it('charges flat shipping below the free-shipping threshold', () => {
    const q = quote([line('SKU-1002', 2, 990)], undefined, FIXED_NOW);
    assert.deepEqual(q, {
      subtotalCents: 1980,
      bulkDiscountCents: 0,
      couponDiscountCents: 0,
      shippingCents: 495,
      totalCents: 2475,
    });
  });

  it('grants the bulk discount on lines with many units', () => {
    assert.equal(quote([line('SKU-2002', 9, 450)], undefined, FIXED_NOW).bulkDiscountCents, 0);
    assert.equal(quote([line('SKU-2002', 12, 450)], undefined, FIXED_NOW).bulkDiscountCents, 270);
  });

  it('applies a percent coupon after the bulk discount', () => {
    const q = quote([line('SKU-2002', 12, 450), line('SKU-1003', 1, 700)], 'save10', FIXED_NOW);
    // 5400 + 700 = 6100; bulk: 5% of 5400 = 270; coupon: 10% of 5830 = 583
    assert.equal(q.bulkDiscountCents, 270);
    assert.equal(q.couponDiscountCents, 583);
    assert.equal(q.coupon, 'SAVE10');
  });

  it('never lets a fixed coupon make the merchandise negative', () => {
    const q = quote([line('SKU-2001', 2, 1500)], 'FIVEOFF', FIXED_NOW);
    assert.equal(q.couponDiscountCents, 500);
  });

  it('accepts a coupon whose minimum is met exactly', () => {
    const q = quote([line('SKU-2001', 2, 1000)], 'SAVE10', FIXED_NOW);
    assert.equal(q.couponDiscountCents, 200);
  });

  it('waives shipping with a free-shipping coupon', () => {
    const q = quote([line('SKU-5002', 1, 390)], 'SHIPFREE', FIXED_NOW);
    assert.equal(q.shippingCents, 0);
    assert.equal(q.totalCents, 390);
  });

  it('rejects unknown, expired and unmet coupons with the reason', () => {
    assert.throws(() => quote([line('SKU-1001', 1, 1890)], 'NOPE', FIXED_NOW), { code: 'unknown_coupon' });
    assert.throws(() => quote([line('SKU-1001', 1, 1890)], 'SUMMER19', FIXED_NOW), {
      code: 'coupon_expired',
    });
    assert.throws(() => quote([line('SKU-1001', 1, 1890)], 'SAVE10', FIXED_NOW), {
      code: 'coupon_minimum_not_met',
    });
  });

  it('keeps a coupon valid through its last day', () => {
    const lastDay = Date.parse('2019-09-30T23:59:59Z');
    assert.equal(quote([line('SKU-1001', 1, 1890)], 'SUMMER19', lastDay).couponDiscountCents, 378);
  });
});

describe('money', () => {
  it('formats cents with two decimals and a sign', () => {
    assert.equal(formatCents(5112), '51.12');
    assert.equal(formatCents(5), '0.05');
    assert.equal(formatCents(-250), '-2.50');
  });

  it('rounds percentages half up', () => {
    assert.equal(percentOf(5195, 10), 520);
    assert.equal(percentOf(4970, 10), 497);
    assert.equal(percentOf(25, 10), 3);
  });
});
