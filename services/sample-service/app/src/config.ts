/** Tunables of the checkout service. Money is in cents; durations in milliseconds. */
export const config = {
  serviceName: 'checkout',
  currency: 'EUR',

  /** A line may not ask for more units than this. */
  maxQuantityPerLine: 20,
  /** Carts with more lines than this are rejected at validation. */
  maxLinesPerCart: 50,

  /** Orders at or above this amount (after discount) ship for free. */
  freeShippingThresholdCents: 5000,
  shippingFlatFeeCents: 495,
  /** Lines with at least this many units get the bulk discount. */
  bulkQuantity: 10,
  bulkDiscountPercent: 5,

  /** How long the product listing stays cached before it is read again from the catalogue store. */
  catalogCacheTtlMs: 30_000,

  /** A reservation not committed within this time is released on the next sweep. */
  reservationTtlMs: 15 * 60_000,

  /** One payment attempt is abandoned after this long. */
  paymentTimeoutMs: 800,
  paymentMaxAttempts: 3,
  /** Backoff before retry n (1-based) is `paymentBackoffMs * 2 ** (n - 1)`. */
  paymentBackoffMs: 40,

  /** Default page size of the product listing. */
  defaultPageSize: 20,
  maxPageSize: 100,
} as const;

/** Latencies of the simulated backing stores, overridable so that tests and benchmarks can choose them. */
export const simulatedLatency = {
  /** One query against the catalogue store. */
  catalogQueryMs: envNumber('CATALOG_QUERY_MS', 3),
  /** One full scan of the catalogue store (the product listing). */
  catalogScanMs: envNumber('CATALOG_SCAN_MS', 25),
  /** The payment provider's processing time of one charge. */
  providerMs: envNumber('PAYMENT_PROVIDER_MS', 15),
};

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`${name} must be a non-negative number, got "${raw}"`);
  return value;
}
