import { badRequest } from '../errors.js';
import { parseCard, type Card } from '../payment/card.js';
import { parseAddress, type Address } from '../shipping/address.js';

export interface CheckoutRequest {
  cartId: string;
  coupon?: string;
  card: Card;
  address: Address;
  /** Where the confirmation goes; the account's email when absent. */
  email?: string;
}

/** The body of `POST /checkout`, checked in full before any step runs so that bad input changes nothing. */
export function parseCheckout(body: unknown, now: number): CheckoutRequest {
  if (typeof body !== 'object' || body === null) throw badRequest('invalid_body', 'expected a JSON object');
  const fields = body as Record<string, unknown>;
  if (typeof fields.cartId !== 'string' || fields.cartId === '')
    throw badRequest('invalid_cart', 'cartId is required');
  if (fields.coupon !== undefined && typeof fields.coupon !== 'string') {
    throw badRequest('invalid_coupon', 'coupon must be a string');
  }
  if (fields.email !== undefined && typeof fields.email !== 'string') {
    throw badRequest('invalid_email', 'email must be a string');
  }
  const coupon = typeof fields.coupon === 'string' && fields.coupon.trim() !== '' ? fields.coupon : undefined;
  return {
    cartId: fields.cartId,
    ...(coupon ? { coupon } : {}),
    card: parseCard(fields.card, now),
    address: parseAddress(fields.address),
    ...(typeof fields.email === 'string' ? { email: fields.email.trim() } : {}),
  };
}
