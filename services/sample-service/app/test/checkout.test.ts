import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADA, ADDRESS, CARD, cartWith, start, type Running } from './harness.js';

describe('POST /checkout', () => {
  let svc: Running;
  before(async () => {
    svc = await start();
  });
  after(() => svc.stop());

  const checkout = (cartId: string, extra: Record<string, unknown> = {}, headers = ADA) =>
    svc.request('POST', '/checkout', { cartId, card: CARD, address: ADDRESS, ...extra }, headers);
  const stepsOfTrace = (traceId: string) =>
    svc.logs.filter((l) => l.traceId === traceId && l.step).map((l) => l.step);
  const lastTrace = () => svc.logs.at(-1)!.traceId!;

  it('turns a cart into a paid, shipped and confirmed order', async () => {
    const cartId = await cartWith(svc, [
      ['SKU-1001', 2],
      ['SKU-2002', 3],
    ]);
    const res = await checkout(cartId, { coupon: 'SAVE10' });
    assert.equal(res.status, 201);
    assert.equal(res.body.quote.totalCents, 5130 - 513 + 495);
    assert.equal(res.body.carrier, 'dhl');
    assert.equal(res.body.confirmation, 'queued');
    const steps = stepsOfTrace(lastTrace());
    for (const step of [
      'authenticate',
      'validateCart',
      'reserveInventory',
      'applyDiscount',
      'chargePayment',
    ]) {
      assert.ok(steps.includes(step), `${step} missing from ${steps.join(', ')}`);
    }
    assert.equal(svc.provider.charges.at(-1)!.amountCents, 5112);
    assert.equal((await svc.request('GET', '/products/SKU-1001')).body.available, 63);
    assert.equal((await svc.request('GET', `/orders/${res.body.id}`)).body.paymentId, res.body.paymentId);
    assert.equal(svc.app.deps.notifier.outbox.at(-1)!.orderId, res.body.id);
    assert.equal((await checkout(cartId)).status, 409);
  });

  it('requires a known token', async () => {
    const cartId = await cartWith(svc, [['SKU-1002', 1]]);
    assert.equal((await checkout(cartId, {}, { authorization: 'Bearer wrong' })).status, 401);
    assert.equal((await checkout(cartId, {}, {} as typeof ADA)).status, 401);
  });

  it('rejects bad input before any step runs', async () => {
    const cartId = await cartWith(svc, [['SKU-1002', 1]]);
    const charges = svc.provider.charges.length;
    assert.equal((await checkout(cartId, { card: { ...CARD, expiry: '1230' } })).status, 400);
    assert.equal((await checkout(cartId, { address: { ...ADDRESS, postalCode: 'x' } })).status, 400);
    assert.equal((await checkout(cartId, { email: 'not-an-email' })).status, 400);
    assert.equal((await checkout('c-999')).status, 404);
    assert.equal(svc.provider.charges.length, charges);
  });

  it('declines without charging and puts the stock back', async () => {
    const cartId = await cartWith(svc, [['SKU-2004', 2]]);
    const res = await checkout(cartId, { card: { ...CARD, number: '4000 0000 0000 0002' } });
    assert.equal(res.status, 402);
    assert.equal((await svc.request('GET', '/products/SKU-2004')).body.available, 9);
    assert.equal(
      svc.app.deps.notifier.outbox.some((c) => c.orderId === res.body.id),
      false,
    );
  });

  it('refuses what no warehouse holds in full', async () => {
    const cartId = await cartWith(svc, [['SKU-3002', 2]]);
    const res = await checkout(cartId);
    assert.equal(res.status, 409);
    assert.equal(res.body.details.sku, 'SKU-3002');
  });

  it('releases the stock when the coupon does not apply', async () => {
    const cartId = await cartWith(svc, [['SKU-5002', 1]]);
    const res = await checkout(cartId, { coupon: 'SAVE15' });
    assert.equal(res.status, 422);
    assert.equal((await svc.request('GET', '/products/SKU-5002')).body.available, 70);
  });

  it('ships to a second address line, abroad, and drops discontinued lines', async () => {
    const cartId = await cartWith(svc, [['SKU-4003', 1]]);
    svc.app.deps.carts.get(cartId)!.lines.push({ sku: 'SKU-9001', quantity: 1 });
    const res = await checkout(cartId, {
      address: {
        name: 'Grace Hopper',
        street: '1 Main St',
        line2: 'Apt 4',
        postalCode: '02139',
        city: 'Cambridge',
        country: 'US',
      },
    });
    assert.equal(res.status, 201);
    assert.equal(res.body.carrier, 'ups');
    assert.deepEqual(
      res.body.lines.map((l: { sku: string }) => l.sku),
      ['SKU-4003'],
    );
    assert.ok(svc.logs.some((l) => l.msg === 'cart contains discontinued sku=SKU-9001, ignoring it'));
  });

  it('answers 500 with the trace id and logs the stack of an unexpected error', async () => {
    const cartId = await cartWith(svc, [['SKU-1004', 1]]);
    const original = svc.app.deps.shipments.create;
    svc.app.deps.shipments.create = () => {
      throw new TypeError('label printer jammed');
    };
    try {
      const res = await checkout(cartId);
      assert.equal(res.status, 500);
      const line = svc.logs.find((l) => l.traceId === res.body.traceId && l.level === 50);
      assert.match(line!.err!.stack, /TypeError: label printer jammed/);
      assert.equal(line!.msg, 'unhandled error in POST /checkout: label printer jammed');
    } finally {
      svc.app.deps.shipments.create = original;
    }
  });
});
