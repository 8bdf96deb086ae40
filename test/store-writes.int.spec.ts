import { describe, expect, it } from 'vitest';
import { ChunkStore, TelemetryProgress, insertOrReplaceChanged } from '@self-healing/shared';
import type { WindowAggregate } from '@self-healing/schemas';
import { TelemetryReadModel, TelemetryStore } from '@self-healing/telemetry-parse';
import { storeAsParseRun } from './src/parseRuns.js';
import { uniqueName } from './src/endpoints.js';
import { scratchDatabase } from './src/scratchDatabase.js';

/** One contribution to a window, as a parse run stores it. */
const windowOf = (
  service: string,
  templateId: string,
  windowStart: number,
  count: number,
  latencySketch: Uint8Array | null,
): WindowAggregate => ({
  service,
  templateId,
  template: `${templateId} <*>`,
  windowStart,
  windowMs: 5000,
  count,
  errorCount: 0,
  latency: null,
  latencySketch,
  firstSeen: windowStart,
  lastSeen: windowStart + 100,
  newTemplate: false,
});

/** Writing documents by id at the cost of inserts, on the real MongoDB-compatible server (FerretDB in CI). */
describe('insert, or replace what changed', () => {
  const db = scratchDatabase('writes');

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

/** Parsing progress per service, read by id (a filtered read of the aggregates scans them all on FerretDB). */
describe('telemetry progress', () => {
  const db = scratchDatabase('progress');

  const w = (service: string, windowStart: number) => ({ service, windowStart, windowMs: 5000 });

  it('given runs storing windows, then each service reads the end of its latest window, never moved back', async () => {
    const progress = new TelemetryProgress(db);
    expect(await progress.parsedUntil(['a'])).toBe(0);
    await progress.advance('run-1', [w('a', 0), w('a', 5000), w('b', 20_000)]);
    expect(await progress.parsedUntil(['a'])).toBe(10_000);
    expect(await progress.parsedUntil(['b'])).toBe(25_000);
    expect(await progress.parsedUntil(['a', 'b'])).toBe(25_000);
    // A late run of older logs, and the same run again (a retry), move nothing back.
    await progress.advance('run-0', [w('a', 0)]);
    await progress.advance('run-1', [w('a', 0), w('a', 5000)]);
    expect(await progress.parsedUntil(['a'])).toBe(10_000);
    await progress.advance('run-2', [w('a', 60_000)]);
    expect(await progress.parsedUntil(['a'])).toBe(65_000);
  });

  it('given two runs creating the same service at once, then both land and the later end wins', async () => {
    const progress = new TelemetryProgress(db);
    await Promise.all([progress.advance('r1', [w('c', 0)]), progress.advance('r2', [w('c', 5000)])]);
    // `$max` is not atomic on FerretDB: either end may remain until the next run, but never nothing.
    expect([5000, 10_000]).toContain(await progress.parsedUntil(['c']));
    await progress.advance('r3', [w('c', 5000)]);
    expect(await progress.parsedUntil(['c'])).toBe(10_000);
  });
});

/** A parse run's aggregates stored twice (a retried beat): one copy, and other runs' contributions untouched. */
describe('aggregates of a parse run', () => {
  const db = scratchDatabase('aggregates');

  const aggregate = (templateId: string, windowStart: number, count: number) =>
    windowOf('checkout', templateId, windowStart, count, null);

  it('given a run stored again in part and in whole, then each window has one contribution per run', async () => {
    const store = new TelemetryStore(db);
    const run = [aggregate('t1', 0, 3), aggregate('t1', 5000, 4), aggregate('t2', 0, 1)];
    await store.storeAggregates('run-b', [aggregate('t1', 0, 9)]);
    await store.storeAggregates('run-a', run.slice(0, 1)); // an attempt that stopped after its first batch
    expect(await store.storeAggregates('run-a', run)).toBe(3);
    expect(await store.storeAggregates('run-a', run)).toBe(3);
    const docs = await store.aggregates.find({}).sort({ _id: 1 }).toArray();
    expect(docs.map((d) => [d.runId, d.templateId, d.windowStart, d.count])).toEqual([
      ['run-a', 't1', 0, 3],
      ['run-b', 't1', 0, 9],
      ['run-a', 't1', 5000, 4],
      ['run-a', 't2', 0, 1],
    ]);
  });
});

/** Staged bulk data by (run, step), every document named by id: rewritten, read, cleared without a leftover. */
describe('chunks of a run', () => {
  const db = scratchDatabase('chunks');

  it('given a step written in chunks, rewritten shorter and then cleared, then reads follow the latest write and nothing is left', async () => {
    const name = uniqueName('staging');
    const store = new ChunkStore(db, name, 10);
    const items = Array.from({ length: 25 }, (_, i) => ({ i, sketch: new Uint8Array([i, i + 1]) }));
    expect(await store.write('run-1', 'steps', items)).toBe(3);
    await store.write('run-1', 'other', []);
    await store.write('run-2', 'steps', [{ i: -1 }]);
    expect(await store.read('run-1', 'steps')).toEqual(items);
    expect(await store.read('run-1', 'other')).toEqual([]);

    // A retried beat whose output fits in fewer chunks: the third chunk stays behind, unread.
    expect(await store.write('run-1', 'steps', items.slice(0, 12))).toBe(2);
    expect(await store.read('run-1', 'steps')).toEqual(items.slice(0, 12));

    await expect(store.read('run-1', 'missing')).rejects.toThrow(/missing/);
    expect(await store.read('run-1', 'missing', { missingOk: true })).toEqual([]);

    // Clearing run 1 removes its headers, every chunk any attempt wrote and its run document; run 2 is untouched.
    expect(await store.clear('run-1')).toBe(3 + 1 + 2);
    expect(await db.collection(name).countDocuments({ runId: 'run-1' })).toBe(0);
    expect(await store.read('run-1', 'steps', { missingOk: true })).toEqual([]);
    expect(await store.read('run-2', 'steps')).toEqual([{ i: -1 }]);
    expect(await store.clear('run-unknown')).toBe(0);
  });
});

/** What later stages read of the stored windows: each run's packed copy, found through the runs' documents. */
describe('the telemetry read model', () => {
  const db = scratchDatabase('readmodel');

  const w = (service: string, templateId: string, windowStart: number, count: number) =>
    windowOf(service, templateId, windowStart, count, count % 2 ? new Uint8Array([1, 2, count]) : null);

  it('given runs storing windows of two services, then contributions, covering runs and run selections are read back whole', async () => {
    await storeAsParseRun(db, 'p1', [w('a', 't1', 0, 1), w('a', 't2', 0, 2), w('b', 't1', 5000, 3)]);
    await storeAsParseRun(db, 'p2', [w('a', 't1', 0, 4), w('a', 't1', 5000, 5)]);
    await storeAsParseRun(db, 'p3', [w('a', 't1', 60_000, 6)]);
    await storeAsParseRun(db, 'p4', []);
    const read = new TelemetryReadModel(db);
    const key = (a: WindowAggregate & { runId: string }) =>
      `${a.runId}:${a.service}:${a.templateId}:${a.windowStart}`;

    expect(await read.runsCovering(['a'], 0, 10_000)).toEqual(['p1', 'p2']);
    expect(await read.runsCovering(['b'], 0, 5000)).toEqual([]);
    expect(await read.runsCovering(['b'], 5000, 5001)).toEqual(['p1']);
    expect((await read.contributionsToWindows(['a'], 0, 10_000)).map(key).sort()).toEqual([
      'p1:a:t1:0',
      'p1:a:t2:0',
      'p2:a:t1:0',
      'p2:a:t1:5000',
    ]);
    expect((await read.contributionsToWindows(['a', 'b'], 5000, 70_000, ['t1'])).map(key).sort()).toEqual([
      'p1:b:t1:5000',
      'p2:a:t1:5000',
      'p3:a:t1:60000',
    ]);
    const selected = await read.aggregatesOfRuns({
      parseRunIds: ['p2', 'p1'],
      services: ['a'],
      timeRange: null,
    });
    expect(selected.map(key)).toEqual(['p1:a:t1:0', 'p2:a:t1:0', 'p1:a:t2:0', 'p2:a:t1:5000']);
    // Read back as written, sketches included.
    expect(selected[0]).toEqual({ ...w('a', 't1', 0, 1), runId: 'p1' });
    expect(
      await read.aggregatesOfRuns({ parseRunIds: ['p4', 'nope'], services: [], timeRange: null }),
    ).toEqual([]);
  });
});
