import type { CartStore } from '../cart/store.js';
import { parseAddItem } from '../cart/input.js';
import { validateCart } from '../cart/validate.js';
import type { CatalogService } from '../catalog/service.js';
import { checkout, type CheckoutDeps } from '../checkout/flow.js';
import { config } from '../config.js';
import { badRequest, notFound } from '../errors.js';
import type { Inventory } from '../inventory/inventory.js';
import type { OrderStore } from '../orders/store.js';
import { Router } from './router.js';

export interface RouteDeps extends CheckoutDeps {
  carts: CartStore;
  catalog: CatalogService;
  inventory: Inventory;
  orders: OrderStore;
}

export function buildRoutes(deps: RouteDeps): Router {
  return new Router()
    .add('GET', '/healthz', () => ({ status: 200, body: { status: 'ok' } }))
    .add('GET', '/products', async ({ query }) => {
      const offset = nonNegativeInt(query.get('offset'), 0, 'offset');
      const limit = Math.min(
        nonNegativeInt(query.get('limit'), config.defaultPageSize, 'limit'),
        config.maxPageSize,
      );
      const category = query.get('category') ?? undefined;
      const page = await deps.catalog.list({ offset, limit, ...(category ? { category } : {}) });
      return {
        status: 200,
        body: {
          ...page,
          items: page.items.map((p) => ({ ...p, available: deps.inventory.available(p.sku) })),
        },
      };
    })
    .add('GET', '/products/:sku', async ({ params }) => {
      const product = await deps.catalog.get(params.sku!);
      if (!product) throw notFound('product', params.sku!);
      return { status: 200, body: { ...product, available: deps.inventory.available(product.sku) } };
    })
    .add('POST', '/carts', () => {
      const cart = deps.carts.create();
      return { status: 201, body: { id: cart.id, lines: cart.lines } };
    })
    .add('GET', '/cart/:id', async ({ params }) => {
      const cart = deps.carts.get(params.id!);
      if (!cart) throw notFound('cart', params.id!);
      if (cart.lines.length === 0) return { status: 200, body: { id: cart.id, lines: [], subtotalCents: 0 } };
      const priced = validateCart(cart.lines, await deps.catalog.getMany(cart.lines.map((l) => l.sku)));
      return {
        status: 200,
        body: {
          id: cart.id,
          lines: priced.lines,
          dropped: priced.dropped,
          subtotalCents: priced.subtotalCents,
        },
      };
    })
    .add('POST', '/cart/:id/items', async ({ params, body, log }) => {
      const cart = deps.carts.get(params.id!);
      if (!cart) throw notFound('cart', params.id!);
      if (cart.checkedOutAs)
        throw badRequest('cart_closed', `cart ${cart.id} is already order ${cart.checkedOutAs}`);
      const item = parseAddItem(body);
      const product = await deps.catalog.get(item.sku);
      if (!product) throw notFound('product', item.sku);
      if (product.discontinued) throw badRequest('discontinued', `${product.sku} is no longer sold`);
      deps.carts.addLine(cart, item.sku, item.quantity);
      log.info(
        { step: 'addItem', sku: item.sku },
        `cart ${cart.id} added sku=${item.sku} quantity=${item.quantity}`,
      );
      return { status: 201, body: { id: cart.id, lines: cart.lines } };
    })
    .add('DELETE', '/cart/:id/items/:sku', ({ params }) => {
      const cart = deps.carts.get(params.id!);
      if (!cart) throw notFound('cart', params.id!);
      if (!deps.carts.removeLine(cart, params.sku!)) throw notFound('cart line', params.sku!);
      return { status: 200, body: { id: cart.id, lines: cart.lines } };
    })
    .add('POST', '/checkout', async ({ body, headers, log }) => {
      const order = await checkout(deps, body, headers.authorization, log);
      return { status: 201, body: order };
    })
    .add('GET', '/orders/:id', ({ params }) => {
      const order = deps.orders.get(params.id!);
      if (!order) throw notFound('order', params.id!);
      return { status: 200, body: order };
    });
}

function nonNegativeInt(raw: string | null, fallback: number, name: string): number {
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw badRequest('invalid_query', `${name} must be a non-negative integer`);
  return value;
}
