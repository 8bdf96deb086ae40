import { badRequest } from '../errors.js';

export interface Card {
  number: string;
  expMonth: number;
  expYear: number;
  cvc: string;
}

/**
 * Parses the card of a checkout request: `{ number, expiry: "MM/YY", cvc }`. Spaces and dashes in the number are
 * accepted; the number must pass the Luhn check and the card must not have expired at `now`.
 */
export function parseCard(raw: unknown, now: number): Card {
  if (typeof raw !== 'object' || raw === null) throw badRequest('invalid_card', 'card is required');
  const { number, expiry, cvc } = raw as Record<string, unknown>;
  if (typeof number !== 'string') throw badRequest('invalid_card', 'card.number must be a string');
  const digits = number.replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(digits) || !luhn(digits))
    throw badRequest('invalid_card', 'card.number is not valid');
  const parsed = typeof expiry === 'string' ? /^(\d{2})\s*\/\s*(\d{2})$/.exec(expiry) : null;
  if (!parsed) throw badRequest('invalid_card', 'card.expiry must look like MM/YY');
  const expMonth = Number(parsed[1]);
  const expYear = 2000 + Number(parsed[2]);
  if (expMonth < 1 || expMonth > 12) throw badRequest('invalid_card', 'card.expiry has no such month');
  // A card is valid through the last day of its expiry month.
  if (Date.UTC(expYear, expMonth, 1) <= now) throw badRequest('card_expired', 'the card has expired');
  if (typeof cvc !== 'string' || !/^\d{3,4}$/.test(cvc))
    throw badRequest('invalid_card', 'card.cvc must be 3 or 4 digits');
  return { number: digits, expMonth, expYear, cvc };
}

export function luhn(digits: string): boolean {
  let total = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    total += d;
  }
  return total % 10 === 0;
}

export const lastFour = (card: Card): string => card.number.slice(-4);
