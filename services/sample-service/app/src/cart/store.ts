import type { Clock } from '../clock.js';
import type { IdSequence } from '../ids.js';

export interface CartLine {
  sku: string;
  quantity: number;
}

export interface Cart {
  id: string;
  lines: CartLine[];
  createdAt: number;
  /** Set once the cart has been turned into an order: it can no longer change. */
  checkedOutAs?: string;
}

export class CartStore {
  private readonly carts = new Map<string, Cart>();

  constructor(
    private readonly ids: IdSequence,
    private readonly clock: Clock,
  ) {}

  create(): Cart {
    const cart: Cart = { id: this.ids.take('c'), lines: [], createdAt: this.clock.now() };
    this.carts.set(cart.id, cart);
    return cart;
  }

  get(id: string): Cart | undefined {
    return this.carts.get(id);
  }

  /** Adds units of a SKU; a SKU already in the cart gets its quantity increased rather than a second line. */
  addLine(cart: Cart, sku: string, quantity: number): Cart {
    const existing = cart.lines.find((l) => l.sku === sku);
    if (existing) existing.quantity += quantity;
    else cart.lines.push({ sku, quantity });
    return cart;
  }

  removeLine(cart: Cart, sku: string): boolean {
    const before = cart.lines.length;
    cart.lines = cart.lines.filter((l) => l.sku !== sku);
    return cart.lines.length !== before;
  }
}
