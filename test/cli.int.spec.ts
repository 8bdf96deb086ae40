import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createKafka,
  createLogger,
  createPlatformCodec,
  platformTopicNames,
  readTopic,
  runStageService,
  type RunningService,
} from '@self-healing/shared';
import {
  loadTelemetryParseConfig,
  telemetryParseDefinition,
  telemetryParseSettings,
} from '@self-healing/telemetry-parse';
import { createProjector, projectedTopicsOf } from '@self-healing/projector';
import { connectMongo, type ConsumerLoop } from '@self-healing/shared';
import { main } from '@self-healing/cli';
import { testEndpoints, uniqueName, waitFor } from './src/endpoints.js';

/** Runs `healctl <args>` in this process, as an operator would from a shell: exit code and what it printed. */
async function healctl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const stdout = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  const stderr = vi
    .spyOn(process.stderr, 'write')
    .mockImplementation((chunk: string | Uint8Array) => ((err += String(chunk)), true));
  try {
    const code = await main(['node', 'healctl', ...args]);
    return { code, out, err };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

const json = <T = unknown>(r: { out: string }): T => JSON.parse(r.out) as T;

describe('healctl against the real servers', () => {
  const prefix = `${uniqueName('cli')}.`;
  const dbName = prefix.replace(/\W/g, '_').slice(0, 60);
  const logRoot = mkdtempSync(join(tmpdir(), 'cli-logs-'));
  const saved = { ...process.env };
  let service: RunningService;
  let projector: ConsumerLoop;
  let closeMongo: () => Promise<void>;

  beforeAll(async () => {
    const e = testEndpoints();
    Object.assign(process.env, {
      KAFKA_BROKERS: e.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: e.schemaRegistryUrl,
      MONGODB_URI: e.mongodbUri,
      MONGODB_DB: dbName,
      TOPIC_PREFIX: prefix,
    });
    expect((await healctl('topics', 'create', '--json')).code).toBe(0);
    const env = {
      ...(process.env as Record<string, string>),
      LOG_ROOT: logRoot,
      LOG_LEVEL: 'warn',
      SESSION_TIMEOUT_MS: '6000',
    };
    const config = loadTelemetryParseConfig(env);
    service = await runStageService(
      'telemetry-parse',
      config,
      ({ kafka, db, topics }) =>
        telemetryParseDefinition({ kafka, db, topics, settings: telemetryParseSettings(config) }),
      { handleSignals: false },
    );
    const logger = createLogger('cli-test', 'warn');
    const kafka = createKafka('cli-test', e.kafkaBrokers, logger);
    const topics = platformTopicNames(prefix);
    const { client, db } = await connectMongo(e.mongodbUri, dbName);
    closeMongo = () => client.close();
    projector = createProjector({
      kafka,
      db,
      codec: createPlatformCodec(e.schemaRegistryUrl, prefix),
      logger,
      topics: projectedTopicsOf(topics),
      dlqTopic: topics.deadLetter,
      groupId: `${prefix}projector`,
      transactionalId: `${prefix}projector.0`,
      sessionTimeoutMs: 6000,
    });
    await projector.start();
  });

  afterAll(async () => {
    await projector?.stop();
    await service?.stop();
    await closeMongo?.();
    process.env = saved;
  });

  it('creates only missing topics and registers every schema', async () => {
    expect(json<{ created: string[] }>(await healctl('topics', 'create', '--json')).created).toEqual([]);
    const ids = json<Record<string, number>>(await healctl('schemas', 'register', '--json'));
    expect(Object.keys(ids)).toHaveLength(96);
    expect(Object.values(ids).every((id) => Number.isInteger(id))).toBe(true);
  });

  it('ships a file, requests its parse, and shows the run with its timeline', async () => {
    const file = join(logRoot, 'api.log');
    const t0 = Date.UTC(2024, 2, 1, 10);
    writeFileSync(
      file,
      Array.from(
        { length: 50 },
        (_, i) => `${new Date(t0 + i * 1000).toISOString()} INFO served /api/${i} in ${i} ms`,
      ).join('\n'),
    );
    const shipped = await healctl(
      'ship',
      file,
      '--service',
      'api',
      '--parse',
      '--run-id',
      'cli-run',
      '--json',
    );
    expect(shipped.code).toBe(0);
    expect(json(shipped)).toMatchObject({ lines: 50, files: [file], parseRunId: 'cli-run' });
    await waitFor(
      async () =>
        json<{ status: string }>(await healctl('incidents', 'show', 'cli-run', '--json')).status ===
        'completed',
      { timeoutMs: 60_000, maxIntervalMs: 500 },
    );
    const run = json<{ stage: string; timeline: Array<{ handler: string; outcome: string }> }>(
      await healctl('incidents', 'show', 'cli-run', '--json'),
    );
    expect(run.stage).toBe('telemetry.parse');
    expect(run.timeline.map((t) => t.handler)).toEqual([
      'parseTelemetryRequested',
      'loadLogFiles',
      'extractTelemetryEvents',
      'normalizeTelemetryData',
      'aggregateTelemetryMetrics',
      'storeTelemetryDatabase',
      'parseTelemetryCompleted',
    ]);
    const list = await healctl('incidents', 'list', '--status', 'completed', '--json');
    expect(json<Array<{ _id: string }>>(list).map((d) => d._id)).toContain('cli-run');
    const table = await healctl('incidents', 'show', 'cli-run');
    expect(table.out).toMatch(/storeTelemetryDatabase\s+TelemetryStored/);
  });

  it('lists dead letters with where they came from, and re-drives them to their source topic', async () => {
    const file = join(logRoot, 'broken.ndjson');
    writeFileSync(file, '{"level": 30, "msg": \n');
    await healctl(
      'ship',
      file,
      '--service',
      'api',
      '--format',
      'json',
      '--parse',
      '--run-id',
      'cli-broken',
      '--json',
    );
    let letters: Array<{ partition: number; offset: string; sourceTopic: string; error: string }> = [];
    await waitFor(
      async () => {
        letters = json(await healctl('dlq', 'list', '--json'));
        return letters.length > 0;
      },
      { timeoutMs: 60_000, maxIntervalMs: 500 },
    );
    expect(letters[0]).toMatchObject({
      sourceTopic: `${prefix}selfhealing.telemetry.raw`,
      error: expect.stringMatching(/invalid-json/),
    });
    const ref = `${letters[0]!.partition}:${letters[0]!.offset}`;
    expect((await healctl('dlq', 'redrive')).code).toBe(2);
    const redriven = await healctl('dlq', 'redrive', '--ref', ref, '--json');
    expect(json(redriven)).toEqual({ redriven: [ref] });
    // The record is back on the raw topic, with its original headers and where it was re-driven from.
    const e = testEndpoints();
    const kafka = createKafka('cli-test-read', e.kafkaBrokers);
    const back: Array<Record<string, string>> = [];
    await readTopic(kafka, `${prefix}selfhealing.telemetry.raw`, {
      onMessage: (m) =>
        void (
          m.headers?.['redriven-from'] &&
          back.push({ value: m.value?.toString() ?? '', service: String(m.headers.service) })
        ),
    });
    expect(back).toEqual([{ value: '{"level": 30, "msg": ', service: 'api' }]);
  });

  it('parses what upstream systems published since the last request, and nothing twice', async () => {
    const e = testEndpoints();
    const producer = createKafka('upstream', e.kafkaBrokers).producer();
    await producer.connect();
    const t0 = Date.UTC(2024, 2, 1, 11);
    await producer.send({
      topic: `${prefix}selfhealing.telemetry.raw`,
      messages: Array.from({ length: 5 }, (_, i) => ({
        key: 'billing',
        value: JSON.stringify({
          level: 30,
          time: t0 + i * 1000,
          name: 'billing',
          msg: `invoice ${i} sent in ${i} ms`,
        }),
        headers: { 'content-type': 'application/json' },
      })),
    });
    await producer.disconnect();
    const first = json<{ runId: string; records: number }>(
      await healctl('parse', '--run-id', 'cli-upstream', '--json'),
    );
    expect(first.runId).toBe('cli-upstream');
    // What ship and the dead-letter re-drive wrote earlier was already requested or is new; the 5 records are in it.
    expect(first.records).toBeGreaterThanOrEqual(5);
    await waitFor(
      async () =>
        json<{ status?: string }>(await healctl('incidents', 'show', 'cli-upstream', '--json')).status ===
        'completed',
      { timeoutMs: 60_000, maxIntervalMs: 500 },
    ).catch(async (error) => {
      throw new Error(
        `${(error as Error).message}: ${(await healctl('incidents', 'show', 'cli-upstream')).out}`,
      );
    });
    expect(json(await healctl('parse', '--json'))).toEqual({ runId: null, ranges: [] });
  });

  it('replays the projection into a new collection with the same documents', async () => {
    // Compare once the live projector has nothing left to apply.
    for (const id of ['cli-run', 'cli-broken', 'cli-upstream']) {
      await waitFor(
        async () =>
          json<{ status: string }>(await healctl('incidents', 'show', id, '--json')).status === 'completed',
        { timeoutMs: 60_000, maxIntervalMs: 500 },
      );
    }
    const before = json<Array<{ _id: string }>>(
      await healctl('incidents', 'list', '--json', '--limit', '100'),
    );
    const replay = json<{ collection: string; incidents: number }>(
      await healctl('projection', 'replay', '--json'),
    );
    expect(replay.collection).toBe('incidents_v2');
    const after = json<Array<{ _id: string }>>(
      await healctl('incidents', 'list', '--json', '--limit', '100'),
    );
    expect(after).toEqual(before);
  });

  it('says clearly what is wrong, with an exit code a script can test', async () => {
    const missing = await healctl('incidents', 'show', 'no-such-run');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/no incident no-such-run/);
    const noFile = await healctl('ship', join(logRoot, 'nope.log'), '--service', 'api');
    expect(noFile.code).toBe(2);
    expect(noFile.err).toMatch(/no such file/);
    const badFormat = await healctl('ship', join(logRoot, 'api.log'), '--service', 'api', '--format', 'xml');
    expect(badFormat.code).toBe(2);
    expect(badFormat.err).toMatch(/unknown format xml/);
    expect((await healctl('ship', join(logRoot, 'api.log'))).code).not.toBe(0); // --service is required
  });
});
