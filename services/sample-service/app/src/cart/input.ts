import { config } from '../config.js';
import { badRequest } from '../errors.js';

const SKU = /^SKU-\d{4}$/;

/** The body of `POST /cart/:id/items`: `{ sku, quantity }`, quantity as a number or a numeric string. */
export function parseAddItem(body: unknown): { sku: string; quantity: number } {
  if (typeof body !== 'object' || body === null) throw badRequest('invalid_body', 'expected a JSON object');
  const { sku, quantity } = body as Record<string, unknown>;
  if (typeof sku !== 'string' || !SKU.test(sku))
    throw badRequest('invalid_sku', 'sku must look like SKU-1234');
  return { sku, quantity: parseQuantity(quantity) };
}

export function parseQuantity(raw: unknown): number {
  const quantity = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 1) {
    throw badRequest('invalid_quantity', 'quantity must be a positive whole number');
  }
  if (quantity > config.maxQuantityPerLine) {
    throw badRequest('quantity_too_large', `at most ${config.maxQuantityPerLine} units per line`);
  }
  return quantity;
}
