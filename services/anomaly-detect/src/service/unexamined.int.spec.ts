import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Db, MongoClient } from 'mongodb';
import { TelemetryProgress, connectMongo, platformTopicNames } from '@self-healing/shared';
import type { WindowAggregate } from '@self-healing/schemas';
import {
  RunWindowsStore,
  TelemetryStore,
  runDocument,
  type RunDocument,
} from '@self-healing/telemetry-parse';
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

/**
 * The windows a detection run feeds the performance monitor, on the real server: when it got the memory before an
 * earlier parse run's detection, the earlier run's windows come first, or the monitor (which drops windows older
 * than the newest it has seen) would never see them. On a loaded platform this lost most windows.
 */
describe("the windows a detection run's performance monitor takes in", () => {
  let client: MongoClient;
  let db: Db;
  const T = Date.UTC(2026, 11, 7, 12, 0, 0);
  const windowOf = (windowStart: number, count: number): WindowAggregate => ({
    service: 'checkout',
    templateId: 't-auth',
    template: 'user <*> authenticated took <*> ms',
    windowStart,
    windowMs: 5000,
    count,
    errorCount: 0,
    latency: null,
    latencySketch: null,
    firstSeen: windowStart,
    lastSeen: windowStart + 4000,
    newTemplate: false,
  });
  /** As telemetry-parse's store beat leaves a finished parse run (its document last: what makes it visible). */
  const storeRun = async (runId: string, aggregates: WindowAggregate[]) => {
    await new TelemetryStore(db).storeAggregates(runId, aggregates);
    await new RunWindowsStore(db).write(runId, aggregates);
    await new TelemetryProgress(db).advance(runId, aggregates);
    await db
      .collection<RunDocument>('telemetry_runs')
      .replaceOne({ _id: runId }, runDocument(runId, aggregates, 1, new Date()), { upsert: true });
  };

  beforeAll(async () => {
    ({ client, db } = await connectMongo(inject('endpoints').mongodbUri, `unexamined_windows_${Date.now()}`));
    await storeRun('p-first', [windowOf(T, 3), windowOf(T + 5000, 4)]);
    await new Promise((resolve) => setTimeout(resolve, 20)); // stored strictly later
    await storeRun('p-second', [windowOf(T + 10_000, 5), windowOf(T + 15_000, 6)]);
  });
  afterAll(async () => {
    await db.dropDatabase().catch(() => undefined);
    await client.close();
  });

  const deps = (windowSettleMs = 0) =>
    new AnomalyDetectDeps(
      db,
      { windowSettleMs } as never,
      platformTopicNames('unexamined.'),
      'anomaly-detect/test',
    );
  const second: Requested = {
    runId: 'p-second',
    parseRunIds: ['p-second'],
    services: ['checkout'],
    timeRange: { from: T + 10_000, until: T + 20_000 },
    detectors: ['performance'],
    trigger: 'upstream_event',
    requestedBy: 'test',
    verdict: null,
  };

  it('given the later parse run detected first, then its windows come with the earlier run they follow', async () => {
    const d = deps();
    const fresh = await d.unexaminedRuns(second, []);
    expect(fresh).toEqual({ own: ['p-second'], earlier: ['p-first'] });
    const windows = await d.wholeWindows('detect-second', second, fresh.earlier);
    expect(windows.map((w) => [w.windowStart - T, w.count])).toEqual([
      [0, 3],
      [5000, 4],
      [10_000, 5],
      [15_000, 6],
    ]);
  });

  it("given the earlier run fed already, then only the run's own windows", async () => {
    const windows = await deps().wholeWindows('detect-second-again', second, []);
    expect(windows.map((w) => w.windowStart - T)).toEqual([10_000, 15_000]);
  });

  it('given a settling time, then windows parsing has not passed by it wait, and the next run reaches back to them', async () => {
    // Parsed until T + 20 s: with 5 s to settle, the window ending at T + 15 s is taken, the one ending at T + 20 s not;
    // the run reaches back before its own first window (T + 10 s) to the earlier run's.
    const d = deps(5000);
    expect((await d.wholeWindows('detect-settling', second, [])).map((w) => w.windowStart - T)).toEqual([
      0, 5000, 10_000,
    ]);
  });
});
