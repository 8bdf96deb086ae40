import type { Clock } from '../clock.js';
import { config } from '../config.js';
import { HttpError } from '../errors.js';
import type { IdSequence } from '../ids.js';

export interface Reservation {
  id: string;
  warehouse: string;
  lines: { sku: string; quantity: number }[];
  expiresAt: number;
  state: 'held' | 'committed' | 'released';
}

export class OutOfStockError extends HttpError {
  constructor(
    readonly sku: string,
    requested: number,
    available: number,
  ) {
    super(409, 'out_of_stock', `only ${available} of ${sku} available, ${requested} requested`, {
      sku,
      requested,
      available,
    });
    this.name = 'OutOfStockError';
  }
}

/**
 * Stock per SKU and warehouse, with reservations: checkout holds the units of a whole order in one warehouse
 * (one parcel) until the payment is through, then commits them, or releases them when it fails.
 */
export class Inventory {
  private readonly stock = new Map<string, Map<string, number>>();
  private readonly reservations = new Map<string, Reservation>();

  constructor(
    seed: Readonly<Record<string, Readonly<Record<string, number>>>>,
    private readonly ids: IdSequence,
    private readonly clock: Clock,
  ) {
    for (const [sku, perWarehouse] of Object.entries(seed)) {
      this.stock.set(sku, new Map(Object.entries(perWarehouse)));
    }
  }

  /** Units of a SKU that can still be reserved, over all warehouses. */
  available(sku: string): number {
    this.sweep();
    let total = 0;
    for (const units of this.stock.get(sku)?.values() ?? []) total += units;
    return total;
  }

  /**
   * Holds all lines in the first warehouse (by name) that has every one of them; fails with the line that no
   * warehouse can serve in full.
   */
  reserve(lines: readonly { sku: string; quantity: number }[]): Reservation {
    this.sweep();
    const warehouses = new Set<string>();
    for (const line of lines) for (const wh of this.stock.get(line.sku)?.keys() ?? []) warehouses.add(wh);
    const candidate = [...warehouses]
      .sort()
      .find((wh) => lines.every((line) => (this.stock.get(line.sku)?.get(wh) ?? 0) >= line.quantity));
    if (!candidate) {
      const short = lines.find((line) => this.bestWarehouseUnits(line.sku) < line.quantity) ?? lines[0]!;
      throw new OutOfStockError(short.sku, short.quantity, this.bestWarehouseUnits(short.sku));
    }
    for (const line of lines) {
      const perWarehouse = this.stock.get(line.sku)!;
      perWarehouse.set(candidate, perWarehouse.get(candidate)! - line.quantity);
    }
    const reservation: Reservation = {
      id: this.ids.take('r'),
      warehouse: candidate,
      lines: lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
      expiresAt: this.clock.now() + config.reservationTtlMs,
      state: 'held',
    };
    this.reservations.set(reservation.id, reservation);
    return reservation;
  }

  /** The held units become sold: they will not come back to stock. */
  commit(id: string): void {
    const reservation = this.held(id);
    reservation.state = 'committed';
  }

  /** The held units go back to stock. Releasing twice is harmless (a retried rollback). */
  release(id: string): void {
    const reservation = this.reservations.get(id);
    if (!reservation || reservation.state !== 'held') return;
    for (const line of reservation.lines) {
      const perWarehouse = this.stock.get(line.sku)!;
      perWarehouse.set(reservation.warehouse, (perWarehouse.get(reservation.warehouse) ?? 0) + line.quantity);
    }
    reservation.state = 'released';
  }

  private held(id: string): Reservation {
    const reservation = this.reservations.get(id);
    if (!reservation || reservation.state !== 'held') throw new Error(`reservation ${id} is not held`);
    return reservation;
  }

  private bestWarehouseUnits(sku: string): number {
    let best = 0;
    for (const units of this.stock.get(sku)?.values() ?? []) best = Math.max(best, units);
    return best;
  }

  /** Releases holds whose checkout never finished (a crashed request, an abandoned payment). */
  private sweep(): void {
    const now = this.clock.now();
    for (const reservation of this.reservations.values()) {
      if (reservation.state === 'held' && reservation.expiresAt <= now) this.release(reservation.id);
    }
  }

  /**
   * A supplier's delivery: every SKU and warehouse of `levels` is filled up to its level again; stock above it
   * (units released after the delivery) is kept. Deliveries come on a schedule (main.ts), so a busy hour sells
   * an item out for a while, not for the rest of the process's life.
   */
  restock(levels: Readonly<Record<string, Readonly<Record<string, number>>>>): number {
    let units = 0;
    for (const [sku, perWarehouse] of Object.entries(levels)) {
      const stock = this.stock.get(sku) ?? new Map<string, number>();
      this.stock.set(sku, stock);
      for (const [warehouse, level] of Object.entries(perWarehouse)) {
        const now = stock.get(warehouse) ?? 0;
        if (now < level) {
          stock.set(warehouse, level);
          units += level - now;
        }
      }
    }
    return units;
  }
}
