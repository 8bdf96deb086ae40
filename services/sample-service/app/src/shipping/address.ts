import { badRequest } from '../errors.js';

export interface Address {
  name: string;
  street: string;
  line2?: string;
  postalCode: string;
  city: string;
  country: string;
}

/** Postal code formats of the countries the shop ships to. */
const POSTAL_CODES: Record<string, RegExp> = {
  DE: /^\d{5}$/,
  FR: /^\d{5}$/,
  NL: /^\d{4} ?[A-Z]{2}$/,
  GB: /^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$/,
  US: /^\d{5}(-\d{4})?$/,
};

export const shippingCountries = Object.keys(POSTAL_CODES);

export function parseAddress(raw: unknown): Address {
  if (typeof raw !== 'object' || raw === null) throw badRequest('invalid_address', 'address is required');
  const fields = raw as Record<string, unknown>;
  const text = (name: string, required: boolean): string | undefined => {
    const value = fields[name];
    if (value === undefined || value === null || value === '') {
      if (required) throw badRequest('invalid_address', `address.${name} is required`);
      return undefined;
    }
    if (typeof value !== 'string') throw badRequest('invalid_address', `address.${name} must be a string`);
    return value.trim();
  };
  const country = text('country', true)!.toUpperCase();
  const format = POSTAL_CODES[country];
  if (!format) throw badRequest('unsupported_country', `we do not ship to ${country}`);
  const postalCode = text('postalCode', true)!.toUpperCase();
  if (!format.test(postalCode))
    throw badRequest('invalid_postal_code', `${postalCode} is not a postal code of ${country}`);
  const line2 = text('line2', false);
  return {
    name: text('name', true)!,
    street: text('street', true)!,
    ...(line2 ? { line2 } : {}),
    postalCode,
    city: text('city', true)!,
    country,
  };
}

/** The address as printed on the label, one line per entry. */
export function formatAddress(address: Address): string[] {
  const lines = [address.name, address.street];
  if (address.line2) lines.push(address.line2);
  const cityLine =
    address.country === 'GB' || address.country === 'US'
      ? `${address.city} ${address.postalCode}`
      : `${address.postalCode} ${address.city}`;
  lines.push(cityLine, address.country);
  return lines;
}
