import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { config } from '../src/config.js';
import { IdSequence } from '../src/ids.js';
import { Inventory, OutOfStockError } from '../src/inventory/inventory.js';

function inventory(now = { t: 0 }): Inventory {
  return new Inventory(
    { 'SKU-A': { 'wh-1': 5, 'wh-2': 2 }, 'SKU-B': { 'wh-2': 4 }, 'SKU-C': { 'wh-1': 1 } },
    new IdSequence(),
    { now: () => now.t },
  );
}

describe('Inventory', () => {
  it('holds a whole order in the first warehouse that has every line', () => {
    const inv = inventory();
    const r = inv.reserve([
      { sku: 'SKU-A', quantity: 1 },
      { sku: 'SKU-B', quantity: 1 },
    ]);
    assert.equal(r.warehouse, 'wh-2');
    assert.equal(inv.available('SKU-A'), 6);
    assert.equal(inv.available('SKU-B'), 3);
  });

  it('refuses more than one warehouse holds, naming the line', () => {
    const inv = inventory();
    assert.throws(
      () => inv.reserve([{ sku: 'SKU-A', quantity: 6 }]),
      (e: unknown) => e instanceof OutOfStockError && e.sku === 'SKU-A' && e.status === 409,
    );
    assert.equal(inv.available('SKU-A'), 7);
  });

  it('puts released units back, once', () => {
    const inv = inventory();
    const r = inv.reserve([{ sku: 'SKU-A', quantity: 3 }]);
    inv.release(r.id);
    inv.release(r.id);
    assert.equal(inv.available('SKU-A'), 7);
  });

  it('keeps committed units sold', () => {
    const inv = inventory();
    const r = inv.reserve([{ sku: 'SKU-A', quantity: 3 }]);
    inv.commit(r.id);
    inv.release(r.id);
    assert.equal(inv.available('SKU-A'), 4);
    assert.throws(() => inv.commit(r.id));
  });

  it('releases holds that outlive their time to live', () => {
    const now = { t: 1_000 };
    const inv = inventory(now);
    inv.reserve([{ sku: 'SKU-A', quantity: 4 }]);
    assert.equal(inv.available('SKU-A'), 3);
    now.t += config.reservationTtlMs;
    assert.equal(inv.available('SKU-A'), 7);
  });

  it('fills sold-out stock up to its level at a delivery, and keeps what is above it', () => {
    const inv = inventory();
    const sold = inv.reserve([{ sku: 'SKU-A', quantity: 4 }]);
    inv.commit(sold.id);
    const held = inv.reserve([{ sku: 'SKU-B', quantity: 3 }]);
    assert.equal(inv.restock({ 'SKU-A': { 'wh-1': 5, 'wh-2': 2 }, 'SKU-B': { 'wh-2': 4 } }), 7);
    assert.equal(inv.available('SKU-A'), 7);
    inv.release(held.id);
    assert.equal(inv.available('SKU-B'), 7);
    assert.equal(inv.restock({ 'SKU-B': { 'wh-2': 4 } }), 0);
    assert.equal(inv.available('SKU-B'), 7);
  });
});
