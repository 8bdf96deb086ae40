import type { IdSequence } from '../ids.js';
import { formatAddress, type Address } from './address.js';

export interface Shipment {
  id: string;
  carrier: string;
  label: string[];
  weightGrams: number;
}

/** Which carriers serve which countries, in order of preference. */
const CARRIERS: Record<string, readonly string[]> = {
  dhl: ['DE', 'NL', 'FR'],
  dpd: ['DE', 'FR', 'NL', 'GB'],
  ups: ['DE', 'FR', 'NL', 'GB', 'US'],
};

/** Parcels above this weight go by freight carrier whatever the country. */
const HEAVY_PARCEL_GRAMS = 5_000;

/**
 * Picks the carrier: the cheapest (first) one that serves the country, DPD for heavy parcels where it serves,
 * and UPS, which serves every country we ship to, when no preferred carrier does.
 */
export function chooseCarrier(country: string, weightGrams: number): string {
  const preferred = weightGrams > HEAVY_PARCEL_GRAMS ? ['dpd'] : ['dhl', 'dpd'];
  for (const carrier of preferred) if (CARRIERS[carrier]!.includes(country)) return carrier;
  return 'ups';
}

export class ShipmentService {
  private readonly shipments = new Map<string, Shipment>();

  constructor(private readonly ids: IdSequence) {}

  create(address: Address, weightGrams: number): Shipment {
    const shipment: Shipment = {
      id: this.ids.take('s'),
      carrier: chooseCarrier(address.country, weightGrams),
      label: formatAddress(address),
      weightGrams,
    };
    this.shipments.set(shipment.id, shipment);
    return shipment;
  }
}
