import type { Product } from '../catalog/products.js';
import { config } from '../config.js';
import { HttpError, badRequest } from '../errors.js';
import type { CartLine } from './store.js';

export interface PricedLine {
  sku: string;
  name: string;
  quantity: number;
  unitPriceCents: number;
  lineTotalCents: number;
  weightGrams: number;
}

export interface ValidatedCart {
  lines: PricedLine[];
  /** Lines dropped because their product was discontinued since it was added. */
  dropped: string[];
  subtotalCents: number;
}

/**
 * Checks a cart against the catalogue: every SKU must exist, quantities must be within limits, and discontinued
 * products are dropped (the customer is told) rather than failing the whole checkout.
 */
export function validateCart(
  lines: readonly CartLine[],
  products: ReadonlyMap<string, Product>,
): ValidatedCart {
  if (lines.length === 0) throw badRequest('empty_cart', 'the cart is empty');
  if (lines.length > config.maxLinesPerCart) {
    throw badRequest('too_many_lines', `a cart holds at most ${config.maxLinesPerCart} lines`);
  }
  const priced: PricedLine[] = [];
  const dropped: string[] = [];
  for (const line of lines) {
    const product = products.get(line.sku);
    if (!product) throw new HttpError(422, 'unknown_sku', `product ${line.sku} does not exist`);
    if (product.discontinued) {
      dropped.push(line.sku);
      continue;
    }
    if (line.quantity > config.maxQuantityPerLine) {
      throw badRequest('quantity_too_large', `at most ${config.maxQuantityPerLine} units of ${line.sku}`);
    }
    priced.push({
      sku: line.sku,
      name: product.name,
      quantity: line.quantity,
      unitPriceCents: product.priceCents,
      lineTotalCents: product.priceCents * line.quantity,
      weightGrams: product.weightGrams * line.quantity,
    });
  }
  if (priced.length === 0)
    throw new HttpError(422, 'nothing_to_buy', 'every product in the cart is discontinued');
  let subtotalCents = 0;
  for (const line of priced) subtotalCents += line.lineTotalCents;
  return { lines: priced, dropped, subtotalCents };
}
