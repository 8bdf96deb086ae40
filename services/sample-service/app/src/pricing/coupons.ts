export type Coupon =
  | { code: string; kind: 'percent'; percent: number; minSubtotalCents: number; expiresAt: string }
  | { code: string; kind: 'fixed'; amountCents: number; minSubtotalCents: number; expiresAt: string }
  | { code: string; kind: 'free-shipping'; minSubtotalCents: number; expiresAt: string };

/** The coupons on offer. `expiresAt` is an ISO date: the coupon is valid through the end of that day (UTC). */
export const coupons: readonly Coupon[] = [
  { code: 'SAVE10', kind: 'percent', percent: 10, minSubtotalCents: 2000, expiresAt: '2099-12-31' },
  { code: 'SAVE15', kind: 'percent', percent: 15, minSubtotalCents: 8000, expiresAt: '2099-12-31' },
  { code: 'FIVEOFF', kind: 'fixed', amountCents: 500, minSubtotalCents: 3000, expiresAt: '2099-12-31' },
  { code: 'SHIPFREE', kind: 'free-shipping', minSubtotalCents: 0, expiresAt: '2099-12-31' },
  { code: 'SUMMER19', kind: 'percent', percent: 20, minSubtotalCents: 0, expiresAt: '2019-09-30' },
];

export function findCoupon(code: string): Coupon | undefined {
  const normalized = code.trim().toUpperCase();
  return coupons.find((c) => c.code === normalized);
}
