import type { PricedLine } from '../cart/validate.js';
import { config } from '../config.js';
import { HttpError } from '../errors.js';
import { findCoupon, type Coupon } from './coupons.js';
import { percentOf } from './money.js';

export interface Quote {
  subtotalCents: number;
  /** Bulk discount on lines with many units, granted without a coupon. */
  bulkDiscountCents: number;
  couponDiscountCents: number;
  shippingCents: number;
  totalCents: number;
  coupon?: string;
}

const DAY_MS = 86_400_000;

/**
 * Prices an order: bulk discount per line, then the coupon on what remains, then shipping (free above the
 * threshold or with a free-shipping coupon). A coupon that does not apply is an error the customer sees, not
 * a silent no-op: they typed it expecting a discount.
 */
export function quote(lines: readonly PricedLine[], couponCode: string | undefined, now: number): Quote {
  let subtotalCents = 0;
  let bulkDiscountCents = 0;
  for (const line of lines) {
    subtotalCents += line.lineTotalCents;
    if (line.quantity >= config.bulkQuantity) {
      bulkDiscountCents += percentOf(line.lineTotalCents, config.bulkDiscountPercent);
    }
  }
  const afterBulk = subtotalCents - bulkDiscountCents;

  let couponDiscountCents = 0;
  let freeShipping = false;
  let coupon: Coupon | undefined;
  if (couponCode !== undefined) {
    coupon = findCoupon(couponCode);
    if (!coupon) throw new HttpError(422, 'unknown_coupon', `coupon ${couponCode} does not exist`);
    if (now >= Date.parse(coupon.expiresAt) + DAY_MS) {
      throw new HttpError(422, 'coupon_expired', `coupon ${coupon.code} expired on ${coupon.expiresAt}`);
    }
    if (afterBulk < coupon.minSubtotalCents) {
      throw new HttpError(
        422,
        'coupon_minimum_not_met',
        `coupon ${coupon.code} needs a subtotal of at least ${coupon.minSubtotalCents} cents`,
      );
    }
    if (coupon.kind === 'percent') couponDiscountCents = percentOf(afterBulk, coupon.percent);
    else if (coupon.kind === 'fixed') couponDiscountCents = Math.min(coupon.amountCents, afterBulk);
    else freeShipping = true;
  }
  const merchandiseCents = afterBulk - couponDiscountCents;
  const shippingCents =
    freeShipping || merchandiseCents >= config.freeShippingThresholdCents ? 0 : config.shippingFlatFeeCents;
  return {
    subtotalCents,
    bulkDiscountCents,
    couponDiscountCents,
    shippingCents,
    totalCents: merchandiseCents + shippingCents,
    ...(coupon ? { coupon: coupon.code } : {}),
  };
}
