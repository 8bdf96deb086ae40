import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Db, MongoClient } from 'mongodb';
import { connectMongo, platformTopicNames } from '@self-healing/shared';
import { AnomalyDetectDeps, UNEXAMINED_HORIZON_MS, type Requested } from './deps.js';

/**
 * Which parse runs an event-fed detector takes in, on the real MongoDB-compatible server: a detection run that got
 * the detectors' memory before an earlier parse run's detection takes that run's events too.
 */
describe("the parse runs a detection run's event-fed detectors take in", () => {
  let client: MongoClient;
  let db: Db;
  const T = Date.UTC(2026, 11, 6, 12, 0, 0);

  beforeAll(async () => {
    ({ client, db } = await connectMongo(inject('endpoints').mongodbUri, `unexamined_${Date.now()}`));
    await db.collection<{ _id: string; storedAt: Date }>('telemetry_runs').insertMany([
      { _id: 'p-too-old', storedAt: new Date(T - UNEXAMINED_HORIZON_MS - 1) },
      { _id: 'p-examined', storedAt: new Date(T - 20_000) },
      { _id: 'p-earlier', storedAt: new Date(T - 10_000) },
      { _id: 'p-mine', storedAt: new Date(T) },
      { _id: 'p-later', storedAt: new Date(T + 5_000) },
    ]);
  });
  afterAll(async () => {
    await db.dropDatabase().catch(() => undefined);
    await client.close();
  });

  const deps = () =>
    new AnomalyDetectDeps(db, {} as never, platformTopicNames('unexamined.'), 'anomaly-detect/test');
  const request = (parseRunIds: string[]): Requested => ({
    runId: parseRunIds[0] ?? 'verdict',
    parseRunIds,
    services: [],
    timeRange: { from: T - 5_000, until: T },
    detectors: [],
    trigger: 'upstream_event',
    requestedBy: 'test',
    verdict: null,
  });

  it('given an earlier parse run no detection examined yet, then it is taken in first, besides its own', async () => {
    expect(await deps().unexaminedRuns(request(['p-mine']), ['p-examined'])).toEqual({
      own: ['p-mine'],
      earlier: ['p-earlier'],
    });
  });

  it('given its own run examined already (a second detection of it), then only what is still new', async () => {
    expect(await deps().unexaminedRuns(request(['p-mine']), ['p-examined', 'p-earlier', 'p-mine'])).toEqual({
      own: [],
      earlier: [],
    });
  });

  it('given a run without parse runs (a verdict), then nothing', async () => {
    expect(await deps().unexaminedRuns(request([]), [])).toEqual({ own: [], earlier: [] });
  });
});
