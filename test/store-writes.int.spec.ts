import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db, MongoClient } from 'mongodb';
import { connectMongo, insertOrReplaceChanged } from '@self-healing/shared';
import { testEndpoints, uniqueName } from './src/endpoints.js';

/** Writing documents by id at the cost of inserts, on the real MongoDB-compatible server (FerretDB in CI). */
describe('insert, or replace what changed', () => {
  let client: MongoClient;
  let db: Db;

  beforeAll(async () => {
    ({ client, db } = await connectMongo(testEndpoints().mongodbUri, uniqueName('writes')));
  });
  afterAll(async () => {
    await db.dropDatabase().catch(() => undefined);
    await client.close();
  });

  const doc = (i: number, magnitude: number, runId: string) => ({
    _id: `f-${i}`,
    rule: 'r',
    magnitude,
    evidence: { steps: ['a', 'b'], n: i },
    runId,
  });

  it('given new documents, then all are inserted; written again by a retry, then nothing is rewritten', async () => {
    const c = db.collection<ReturnType<typeof doc>>(uniqueName('c'));
    const docs = Array.from({ length: 120 }, (_, i) => doc(i, i, 'run-1'));
    expect(await insertOrReplaceChanged(c, docs, ['runId'], 50)).toEqual({ inserted: 120, replaced: 0 });
    const retry = docs.map((d) => ({ ...d, runId: 'run-1-again' }));
    expect(await insertOrReplaceChanged(c, retry, ['runId'], 50)).toEqual({ inserted: 0, replaced: 0 });
    expect(await c.countDocuments()).toBe(120);
  });

  it('given some documents changed and some new, then the changed are replaced whole and the new inserted', async () => {
    const c = db.collection<ReturnType<typeof doc>>(uniqueName('c'));
    await insertOrReplaceChanged(c, [doc(1, 1, 'a'), doc(2, 2, 'a')], ['runId']);
    const r = await insertOrReplaceChanged(c, [doc(1, 1, 'b'), doc(2, 9, 'b'), doc(3, 3, 'b')], ['runId']);
    expect(r).toEqual({ inserted: 1, replaced: 1 });
    expect(await c.find().sort({ _id: 1 }).toArray()).toEqual([
      doc(1, 1, 'a'),
      doc(2, 9, 'b'),
      doc(3, 3, 'b'),
    ]);
  });
});
