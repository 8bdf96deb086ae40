import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db, MongoClient } from 'mongodb';
import { connectMongo, Lease, LEASES_COLLECTION } from '@self-healing/shared';
import { serviceEnv, testEnvironment, type TestEnvironment } from './src/environment.js';
import { testEndpoints, uniqueName, waitFor } from './src/endpoints.js';
import { startAnomalyDetect } from './src/services.js';

/** The leader lease on the real MongoDB-compatible server (FerretDB in CI), and the exclusive stage it guards. */
describe('a lease on the real store', () => {
  let client: MongoClient;
  let db: Db;

  beforeAll(async () => {
    ({ client, db } = await connectMongo(testEndpoints().mongodbUri, uniqueName('lease')));
  });
  afterAll(async () => {
    await db.dropDatabase().catch(() => undefined);
    await client.close();
  });

  it('given contenders racing for a free lease, then exactly one holds it', async () => {
    const name = uniqueName('race');
    const contenders = Array.from(
      { length: 5 },
      (_, i) => new Lease(db, name, { ttlMs: 30_000, holder: `c${i}` }),
    );
    const won = await Promise.all(contenders.map((l) => l.tryAcquire()));
    expect(won.filter(Boolean)).toHaveLength(1);
    expect(contenders.filter((l) => l.isHeld)).toHaveLength(1);
    await Promise.all(contenders.map((l) => l.release()));
  });

  it('given a holder that releases, then a waiting contender takes over at once', async () => {
    const name = uniqueName('handover');
    const first = new Lease(db, name, { ttlMs: 30_000, holder: 'first' });
    const second = new Lease(db, name, { ttlMs: 30_000, holder: 'second' });
    expect(await first.tryAcquire()).toBe(true);
    expect(await second.tryAcquire()).toBe(false);
    expect((await second.current())?.holder).toMatch(/^first\//);
    await first.release();
    expect(await second.tryAcquire()).toBe(true);
    expect((await first.current())?.epoch).toBe(2);
    await second.release();
  });

  it('given a holder that stops renewing (frozen or dead), then another takes over after the lease, and the old holder learns it lost', async () => {
    const name = uniqueName('takeover');
    let clock = Date.now();
    const lost: string[] = [];
    const frozen = new Lease(db, name, {
      ttlMs: 60_000,
      holder: 'frozen',
      now: () => clock,
      onLost: (reason) => lost.push(reason),
    });
    const next = new Lease(db, name, { ttlMs: 60_000, holder: 'next', now: () => clock });
    expect(await frozen.tryAcquire()).toBe(true);
    expect(await next.tryAcquire()).toBe(false);
    clock += 61_000; // the frozen holder's lease ran out without a renewal
    expect(await next.tryAcquire()).toBe(true);
    expect(await frozen.renew()).toBe(false);
    expect(frozen.isHeld).toBe(false);
    expect(lost).toEqual([expect.stringMatching(/taken over by next\/\S+ \(epoch 2\)/)]);
    // Only the live tenure is kept.
    expect(await db.collection(LEASES_COLLECTION).countDocuments({ name })).toBe(1);
    await next.release();
    await frozen.release();
  });

  it('given a holder whose lease expired before it could renew and nobody took over, then it still gives the lease up', async () => {
    const name = uniqueName('expired');
    let clock = Date.now();
    const lost: string[] = [];
    const holder = new Lease(db, name, {
      ttlMs: 60_000,
      holder: 'late',
      now: () => clock,
      onLost: (reason) => lost.push(reason),
    });
    expect(await holder.tryAcquire()).toBe(true);
    clock += 61_000;
    expect(await holder.renew()).toBe(false);
    expect(lost).toEqual(['expired before it could be renewed']);
    await holder.release();
  });
});

describe('anomaly.detect runs one active instance', () => {
  let env: TestEnvironment;
  beforeAll(async () => {
    env = await testEnvironment('lease');
  });
  afterAll(async () => {
    await env.mongo.close();
  });

  const start = () => startAnomalyDetect(serviceEnv(env));

  it('given two instances, then one consumes and the other waits as a standby until the first stops', async () => {
    const first = await start();
    expect(await first.active).toBe(true);
    const second = await start();
    let secondActive = false;
    void second.active.then((a) => (secondActive = a));
    // A few renewal periods (SESSION_TIMEOUT_MS 6 s in tests: renewed every 2 s): still a standby.
    await new Promise((r) => setTimeout(r, 5_000));
    expect(secondActive).toBe(false);
    const health = await fetch(`http://127.0.0.1:${portOf(second)}/health`).then((r) => r.json());
    expect(JSON.stringify(health)).toContain('standby');

    await first.stop();
    await waitFor(() => secondActive, { timeoutMs: 10_000, message: 'the standby took over' });
    await second.stop();
  });

  it('given the active instance finds its lease taken over (it was frozen past it), then it stops at its next renewal', async () => {
    const active = await start();
    expect(await active.active).toBe(true);
    const name = `${env.prefix}anomaly.detect`;
    // What another instance's takeover leaves: a later tenure.
    await env.db.collection(LEASES_COLLECTION).insertOne({
      _id: `${name}#1000` as never,
      name,
      epoch: 1000,
      holder: 'another-instance',
      acquiredAt: Date.now(),
      expiresAt: Date.now() + 60_000,
    });
    // Renewed every 2 s in tests; once stopped, its health endpoint is gone.
    await waitFor(
      async () =>
        fetch(`http://127.0.0.1:${portOf(active)}/health`).then(
          () => false,
          () => true,
        ),
      { timeoutMs: 10_000, message: 'the superseded instance stopped' },
    );
    await active.stop();
  });
});

function portOf(s: { http: { address(): unknown } }): number {
  const a = s.http.address();
  return typeof a === 'object' && a !== null ? (a as { port: number }).port : Number(a);
}
