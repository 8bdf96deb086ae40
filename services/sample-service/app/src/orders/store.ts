import type { Quote } from '../pricing/discount.js';

export interface Order {
  id: string;
  userId: string;
  cartId: string;
  lines: { sku: string; quantity: number; unitPriceCents: number }[];
  quote: Quote;
  paymentId: string;
  reservationId: string;
  shipmentId: string;
  carrier: string;
  confirmation: 'queued' | 'failed';
  createdAt: number;
}

export class OrderStore {
  private readonly orders = new Map<string, Order>();

  save(order: Order): void {
    this.orders.set(order.id, order);
  }

  get(id: string): Order | undefined {
    return this.orders.get(id);
  }
}
