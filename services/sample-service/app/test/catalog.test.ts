import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADA, cartWith, start, type Running } from './harness.js';

describe('catalogue and cart routes', () => {
  let svc: Running;
  before(async () => {
    svc = await start();
  });
  after(() => svc.stop());

  it('answers the health check', async () => {
    assert.deepEqual(await svc.request('GET', '/healthz'), { status: 200, body: { status: 'ok' } });
  });

  it('pages through the products with stock', async () => {
    const first = await svc.request('GET', '/products?limit=5');
    assert.equal(first.status, 200);
    assert.equal(first.body.total, 16);
    assert.deepEqual(
      first.body.items.map((p: { sku: string }) => p.sku),
      ['SKU-1001', 'SKU-1002', 'SKU-1003', 'SKU-1004', 'SKU-2001'],
    );
    assert.equal(first.body.items[0].available, 65);
    const coffee = await svc.request('GET', '/products?category=coffee');
    assert.equal(coffee.body.total, 4);
    assert.equal((await svc.request('GET', '/products?limit=-1')).status, 400);
  });

  it('reads the product listing from the store once while it is cached', async () => {
    const before = svc.app.deps.store.queries;
    await svc.request('GET', '/products');
    await svc.request('GET', '/products?offset=3');
    assert.equal(svc.app.deps.store.queries, before);
  });

  it('finds one product and 404s an unknown one', async () => {
    const found = await svc.request('GET', '/products/SKU-3002');
    assert.equal(found.body.name, 'Hand grinder');
    assert.equal(found.body.available, 1);
    assert.equal((await svc.request('GET', '/products/SKU-0000')).status, 404);
  });

  it('builds a cart line by line and prices it with one catalogue query', async () => {
    const id = await cartWith(svc, [
      ['SKU-1001', 1],
      ['SKU-1001', 2],
      ['SKU-2002', 1],
      ['SKU-4001', 2],
    ]);
    const before = svc.app.deps.store.queries;
    const cart = await svc.request('GET', `/cart/${id}`);
    assert.equal(svc.app.deps.store.queries - before, 1);
    assert.equal(cart.status, 200);
    assert.deepEqual(
      cart.body.lines.map((l: { sku: string; quantity: number }) => [l.sku, l.quantity]),
      [
        ['SKU-1001', 3],
        ['SKU-2002', 1],
        ['SKU-4001', 2],
      ],
    );
    assert.equal(cart.body.subtotalCents, 3 * 1890 + 450 + 2 * 1200);
    const removed = await svc.request('DELETE', `/cart/${id}/items/SKU-2002`);
    assert.equal(removed.body.lines.length, 2);
  });

  it('rejects bad items with a 4xx and leaves the cart unchanged', async () => {
    const id = await cartWith(svc, [['SKU-1002', 1]]);
    assert.equal(
      (await svc.request('POST', `/cart/${id}/items`, { sku: 'SKU-1002', quantity: 0 })).status,
      400,
    );
    assert.equal(
      (await svc.request('POST', `/cart/${id}/items`, { sku: 'SKU-9001', quantity: 1 })).status,
      400,
    );
    assert.equal(
      (await svc.request('POST', `/cart/${id}/items`, { sku: 'SKU-0000', quantity: 1 })).status,
      404,
    );
    assert.equal((await svc.request('POST', `/cart/${id}/items`, '{"sku":')).status, 400);
    assert.equal(
      (await svc.request('POST', '/cart/c-999/items', { sku: 'SKU-1002', quantity: 1 })).status,
      404,
    );
    assert.equal((await svc.request('GET', `/cart/${id}`)).body.lines[0].quantity, 1);
  });

  it('answers 404 and 405 for unknown routes and methods', async () => {
    assert.equal((await svc.request('GET', '/nope')).status, 404);
    assert.equal((await svc.request('DELETE', '/products', undefined, ADA)).status, 405);
  });

  it('logs one completion line per request with its route, trace id and duration', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    await svc.request('GET', '/products/SKU-1001', undefined, {
      traceparent: `00-${traceId}-b7ad6b7169203331-01`,
    });
    const line = svc.logs.find((l) => l.traceId === traceId && l.step === 'respond');
    assert.ok(line);
    assert.equal(line.route, 'GET /products/:sku');
    assert.equal(line.msg, `GET /products/:sku completed status=200 took ${line.durationMs} ms`);
    assert.equal(line.name, 'checkout');
  });
});
