import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { MongoClient } from 'mongodb';
import {
  beatSpec,
  buildCommand,
  connectMongo,
  createKafka,
  createLogger,
  platformTopicNames,
} from '@self-healing/shared';
import { loadTelemetryParseConfig, telemetryParseSettings } from '../service/config.js';
import { DecodePool } from '../service/decode-pool.js';
import { TelemetryParseDeps, type Requested } from '../service/deps.js';
import { loadLogFiles } from './loadLogFiles.js';
import { parseTelemetryRequested } from './parseTelemetryRequested.js';

/**
 * telemetry.parse's first beats specified one by one against the real servers and a real log root: given the
 * earlier beats' payloads, when the beat runs, then its event.
 */
describe('telemetry.parse beats, one at a time', () => {
  let mongo: MongoClient;
  const dbName = `beats_${Date.now().toString(36)}`;
  let deps: TelemetryParseDeps;
  const root = mkdtempSync(join(tmpdir(), 'beats-'));
  writeFileSync(
    join(root, 'app.log'),
    [
      '2024-03-01 10:00:01,007 INFO [main] c.s.App - started',
      '2024-03-01 10:00:02,001 ERROR [main] c.s.App - failed',
    ].join('\n') + '\n',
  );
  writeFileSync(join(root, 'empty.log'), '');
  const command = (runId: string, paths: string[]) =>
    buildCommand(
      'ParseTelemetryCommand',
      {
        runId,
        source: { kind: 'files', topic: null, partitions: [], paths },
        services: ['app'],
        timeRange: null,
        windowMs: null,
        formats: [],
        requestedBy: 'test',
        comment: null,
      },
      runId,
      'test',
    );

  beforeAll(async () => {
    const e = inject('endpoints');
    const env = {
      KAFKA_BROKERS: e.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: e.schemaRegistryUrl,
      MONGODB_URI: e.mongodbUri,
      MONGODB_DB: dbName,
      LOG_ROOT: root,
    };
    const { client, db } = await connectMongo(env.MONGODB_URI, env.MONGODB_DB);
    mongo = client;
    const logger = createLogger('beats-test', 'silent');
    deps = new TelemetryParseDeps(
      createKafka('beats-test', e.kafkaBrokers, logger),
      db,
      telemetryParseSettings(loadTelemetryParseConfig(env)),
      platformTopicNames(''),
      new DecodePool(0),
    );
  });
  afterAll(async () => {
    await mongo
      ?.db(dbName)
      .dropDatabase()
      .catch(() => undefined);
    await mongo?.close();
  });

  const requestedFor = async (runId: string, paths: string[]): Promise<Requested> => {
    const outcome = await beatSpec(
      'telemetry.parse',
      'parseTelemetryRequested',
      parseTelemetryRequested,
      deps,
    )
      .given({})
      .when(command(runId, paths))
      .run();
    if (!('event' in outcome) || outcome.event.type !== 'TelemetryParseRequested')
      throw new Error('rejected');
    return outcome.event.payload;
  };

  it('parseTelemetryRequested: refuses a path outside the log root, naming the field', async () => {
    const cmd = command('run-out', ['../../etc/passwd']);
    const outcome = await beatSpec(
      'telemetry.parse',
      'parseTelemetryRequested',
      parseTelemetryRequested,
      deps,
    )
      .given({})
      .when(cmd)
      .run();
    expect('event' in outcome && outcome.event.type).toBe('TelemetryParseRejected');
    expect(JSON.stringify(outcome)).toMatch(/source\.paths/);
  });

  it('loadLogFiles: reads what the source holds', async () => {
    const requested = await requestedFor('run-1', ['app.log']);
    const spec = beatSpec('telemetry.parse', 'loadLogFiles', loadLogFiles, deps, { runId: 'run-1' });
    const outcome = await spec.given({ TelemetryParseRequested: requested }).when().run();
    expect('event' in outcome && outcome.event).toMatchObject({
      type: 'LogFilesLoaded',
      payload: { records: 1, skipped: [], sources: [{ name: 'app.log', records: 1 }] },
    });
  });

  it('loadLogFiles: refuses an empty source', async () => {
    const requested = await requestedFor('run-2', ['empty.log']);
    await beatSpec('telemetry.parse', 'loadLogFiles', loadLogFiles, deps, { runId: 'run-2' })
      .given({ TelemetryParseRequested: requested })
      .when()
      .then({
        type: 'TelemetryParseRejected',
        payload: {
          reasons: [
            { code: 'empty-source', message: 'the source holds no records', field: 'source' },
            { code: 'empty-file', message: 'empty.log holds no records', field: 'source' },
          ],
          commandType: 'ParseTelemetryCommand',
          commandId: null,
        },
      });
  });
});
