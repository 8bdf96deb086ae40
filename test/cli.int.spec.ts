import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createKafka,
  createLogger,
  createPlatformCodec,
  ensureTopics,
  headersToStrings,
  platformContracts,
  platformTopicNames,
  platformTopics,
  readTopic,
  type RunningService,
} from '@self-healing/shared';
import { createProjector, projectedTopicsOf } from '@self-healing/projector';
import { connectMongo, type ConsumerLoop } from '@self-healing/shared';
import {
  main,
  mergeRanges,
  ParseLedgerStore,
  planParse,
  planRequests,
  requestThroughLedger,
  reserve,
  runIdFor,
  subtractRanges,
  PARSE_LEDGER_COLLECTION,
} from '@self-healing/cli';
import { sendParseCommands } from '@self-healing/telemetry-parse';
import type { OffsetRange } from '@self-healing/shared';
import { beatsOf } from '@self-healing/schemas';
import { testEndpoints, uniqueName, waitFor } from './src/endpoints.js';
import { startTelemetryParse } from './src/services.js';

/** The telemetry.parse beats in order, as the contract declares them: a run's timeline must follow them. */
const PARSE_HANDLERS = beatsOf('telemetry.parse').map((b) => b.handler);

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
    service = await startTelemetryParse(env);
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
    expect(Object.keys(ids)).toHaveLength(platformContracts(prefix).length);
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
    expect(run.timeline.map((t) => t.handler)).toEqual(PARSE_HANDLERS);
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
    // What the two `ship --parse` wrote is in the ledger already: only the 5 records and the re-driven dead letter.
    expect(first.records).toBe(6);
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
    expect(json(await healctl('parse', '--json'))).toMatchObject({ runId: null, runs: [], records: 0 });
  });

  /** Every parse command healctl put on the commands topic over the raw topic: run id and ranges. */
  async function parseCommands(): Promise<Array<{ runId: string; ranges: OffsetRange[] }>> {
    const e = testEndpoints();
    const codec = createPlatformCodec(e.schemaRegistryUrl, prefix);
    const out: Array<{ runId: string; ranges: OffsetRange[] }> = [];
    await readTopic(createKafka('cli-test-commands', e.kafkaBrokers), `${prefix}selfhealing.commands`, {
      onMessage: async (m) => {
        if (!m.value) return;
        const c = await codec.decode(m.value);
        if (c.meta.type !== 'ParseTelemetryCommand') return;
        const p = c.payload as { runId: string; source: { topic: string | null; partitions: OffsetRange[] } };
        out.push({ runId: p.runId, ranges: p.source.partitions });
      },
    });
    return out;
  }

  /** Publishes records as an upstream system would (not through healctl); returns the offsets they got. */
  async function publishUpstream(service: string, n: number): Promise<OffsetRange[]> {
    const producer = createKafka('upstream', testEndpoints().kafkaBrokers).producer();
    await producer.connect();
    try {
      const t0 = Date.UTC(2024, 2, 1, 12);
      const meta = await producer.send({
        topic: `${prefix}selfhealing.telemetry.raw`,
        messages: Array.from({ length: n }, (_, i) => ({
          key: service,
          value: JSON.stringify({
            level: 30,
            time: t0 + i * 1000,
            name: service,
            msg: `job ${i} done in ${i} ms`,
          }),
          headers: { 'content-type': 'application/json' },
        })),
      });
      return meta.map((m) => ({
        partition: m.partition,
        fromOffset: Number(m.baseOffset),
        toOffset: Number(m.baseOffset) + n,
      }));
    } finally {
      await producer.disconnect();
    }
  }

  const completed = (runId: string) =>
    waitFor(
      async () =>
        json<{ status?: string }>(await healctl('incidents', 'show', runId, '--json')).status === 'completed',
      { timeoutMs: 60_000, maxIntervalMs: 500, message: `run ${runId} completed` },
    );

  it('ship --parse, then upstream records, then parse: every record requested exactly once', async () => {
    const file = join(logRoot, 'checkout.log');
    const t0 = Date.UTC(2024, 2, 1, 13);
    writeFileSync(
      file,
      Array.from(
        { length: 30 },
        (_, i) => `${new Date(t0 + i * 1000).toISOString()} INFO order ${i} paid in ${i} ms`,
      ).join('\n'),
    );
    const shipped = json<{ ranges: OffsetRange[]; parseRunId: string }>(
      await healctl('ship', file, '--service', 'checkout', '--lines-per-record', '10', '--parse', '--json'),
    );
    expect(shipped.ranges.reduce((n, r) => n + r.toOffset - r.fromOffset, 0)).toBe(3);
    expect(shipped.parseRunId).toBe(runIdFor(`${prefix}selfhealing.telemetry.raw`, shipped.ranges));
    const upstream = await publishUpstream('billing', 4);

    const parsed = json<{ runs: Array<{ runId: string; ranges: OffsetRange[] }>; records: number }>(
      await healctl('parse', '--json'),
    );
    // Exactly the upstream records: nothing ship --parse had requested.
    expect(parsed.records).toBe(4);
    expect(mergeRanges(parsed.runs.flatMap((r) => r.ranges))).toEqual(mergeRanges(upstream));
    expect(json(await healctl('parse', '--json'))).toMatchObject({ runs: [], records: 0 });
    for (const id of [shipped.parseRunId, ...parsed.runs.map((r) => r.runId)]) await completed(id);

    // On the commands topic, across every request of this file's tests: no offset twice, none left out.
    const commands = await parseCommands();
    const all = commands.flatMap((c) => c.ranges);
    const covered = mergeRanges(all);
    expect(all.reduce((n, r) => n + r.toOffset - r.fromOffset, 0)).toBe(
      covered.reduce((n, r) => n + r.toOffset - r.fromOffset, 0),
    );
    const admin = createKafka('cli-test-admin', testEndpoints().kafkaBrokers).admin();
    await admin.connect();
    const ends = await admin
      .fetchTopicOffsets(`${prefix}selfhealing.telemetry.raw`)
      .finally(() => admin.disconnect());
    const log = ends
      .map((o) => ({ partition: o.partition, fromOffset: Number(o.low), toOffset: Number(o.high) }))
      .filter((r) => r.toOffset > r.fromOffset);
    expect(subtractRanges(log, covered)).toEqual([]);
    const { client, db } = await connectMongo(testEndpoints().mongodbUri, dbName);
    try {
      const ledger = await db
        .collection<{ topic: string; version: number; requested: OffsetRange[]; pending: unknown[] }>(
          PARSE_LEDGER_COLLECTION,
        )
        .findOne({ topic: `${prefix}selfhealing.telemetry.raw` }, { sort: { version: -1 } });
      expect(ledger?.pending).toEqual([]);
      expect(ledger?.requested).toEqual(covered);
    } finally {
      await client.close();
    }
  });

  it('a request left pending by a crash is sent again once, and parsed once whether or not it had been sent', async () => {
    const topic = `${prefix}selfhealing.telemetry.raw`;
    const e = testEndpoints();
    const kafka = createKafka('cli-test-crash', e.kafkaBrokers);
    const codec = createPlatformCodec(e.schemaRegistryUrl, prefix);
    const { client, db } = await connectMongo(e.mongodbUri, dbName);
    try {
      const store = new ParseLedgerStore(db, topic);
      const template = { topic, services: [], windowMs: null, comment: () => 'crashed invocation' };
      const longAgo = Date.now() - 10 * 60_000;
      // Crashed after reserving, before sending.
      const unsent = await publishUpstream('billing', 2);
      let state = await store.read();
      const [neverSent] = planRequests(state, unsent, template, longAgo);
      expect(await store.replace(state, reserve(state, [neverSent!]))).toBe(true);
      // Crashed after sending, before settling.
      const sentOnce = await publishUpstream('payments', 3);
      state = await store.read();
      const [alreadySent] = planRequests(state, sentOnce, template, longAgo);
      expect(await store.replace(state, reserve(state, [alreadySent!]))).toBe(true);
      await sendParseCommands(kafka, codec, `${prefix}selfhealing.commands`, topic, [alreadySent!]);
      await completed(alreadySent!.runId);

      const parsed = json<{ runs: unknown[]; resent: string[] }>(await healctl('parse', '--json'));
      expect(parsed.runs).toEqual([]);
      expect(parsed.resent.sort()).toEqual([neverSent!.runId, alreadySent!.runId].sort());
      expect((await store.read()).pending).toEqual([]);
      expect(json(await healctl('parse', '--json'))).toMatchObject({ runs: [], resent: [] });
      await completed(neverSent!.runId);
      // The copy sent again is skipped by the stage: each run went through its beats once.
      for (const id of [neverSent!.runId, alreadySent!.runId]) {
        const run = json<{ timeline: Array<{ handler: string }> }>(
          await healctl('incidents', 'show', id, '--json'),
        );
        expect(run.timeline.map((t) => t.handler)).toEqual(PARSE_HANDLERS);
      }
      const commands = await parseCommands();
      expect(commands.filter((c) => c.runId === alreadySent!.runId)).toHaveLength(2);
      expect(commands.filter((c) => c.runId === neverSent!.runId)).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  it('concurrent parse requests never request the same range twice', async () => {
    const topic = `${prefix}selfhealing.telemetry.raw`;
    const upstream = await publishUpstream('search', 6);
    const e = testEndpoints();
    const kafka = createKafka('cli-test-concurrent', e.kafkaBrokers);
    const codec = createPlatformCodec(e.schemaRegistryUrl, prefix);
    const admin = kafka.admin();
    await admin.connect();
    const ends = (await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect())).map((o) => ({
      partition: o.partition,
      low: Number(o.low),
      high: Number(o.high),
    }));
    // Three invocations that all read the same ledger version before any of them writes: the worst race.
    let arrived = 0;
    let release!: () => void;
    const allRead = new Promise<void>((resolve) => (release = resolve));
    let lostWrites = 0;
    class RacingStore extends ParseLedgerStore {
      private first = true;
      override async read() {
        const state = await super.read();
        if (this.first) {
          this.first = false;
          if (++arrived === 3) release();
          await allRead;
        }
        return state;
      }
      override async replace(...args: Parameters<ParseLedgerStore['replace']>) {
        const ok = await super.replace(...args);
        if (!ok) lostWrites++;
        return ok;
      }
    }
    const { client, db } = await connectMongo(e.mongodbUri, dbName);
    try {
      const outcomes = await Promise.all(
        [1, 2, 3].map(() =>
          requestThroughLedger(
            new RacingStore(db, topic),
            (requests) => sendParseCommands(kafka, codec, `${prefix}selfhealing.commands`, topic, requests),
            (state, now) =>
              planParse(state, ends, { topic, services: [], windowMs: null, comment: (n) => `${n}` }, now),
          ),
        ),
      );
      expect(lostWrites).toBeGreaterThanOrEqual(2);
      const ranges = outcomes.flatMap((o) => o.sent.flatMap((r) => r.ranges));
      expect(ranges.reduce((n, r) => n + r.toOffset - r.fromOffset, 0)).toBe(6);
      expect(mergeRanges(ranges)).toEqual(mergeRanges(upstream));
      for (const r of outcomes.flatMap((o) => o.sent)) await completed(r.runId);
    } finally {
      await client.close();
    }
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
    expect(badFormat.err).toMatch(/expected one of text, json.*got "xml"/);
    expect((await healctl('ship', join(logRoot, 'api.log'))).code).toBe(2); // --service is required
  });

  it('refuses every malformed option with exit code 2 before contacting anything', async () => {
    const api = join(logRoot, 'api.log');
    for (const [args, says] of [
      [['incidents', 'list', '--limit', 'abc'], /--limit.*expected a whole number, got "abc"/],
      [['incidents', 'list', '--limit', '0'], /expected 1\.\.10000, got 0/],
      [['incidents', 'list', '--status', 'bogus'], /expected one of running, completed.*got "bogus"/],
      [['incidents', 'list', '--stage', 'selfhealing.incidents'], /expected one of telemetry\.parse/],
      [['ship', api, '--service', 'api', '--lines-per-record', 'abc'], /expected a whole number/],
      [['ship', api, '--service', 'api', '--window-ms', '5'], /expected 1000\.\.86400000, got 5/],
      [['parse', '--window-ms', '1e3'], /expected a whole number/],
      [['demo', 'prune', '--keep', '-1'], /expected at least 0/],
      [['dlq', 'redrive', '--ref', 'x'], /expected partition:offset/],
      [['no-such-command'], /unknown command/],
    ] as const) {
      const r = await healctl(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toMatch(says);
      expect(r.out).toBe('');
    }
    expect((await healctl('--help')).code).toBe(0);
  });

  it('keeps dead letters redacted, and re-drives the original from its source offset', async () => {
    const file = join(logRoot, 'secret.ndjson');
    writeFileSync(file, '{"level": 30, "password": "hunter2-d34db33f", "msg": \n');
    await healctl(
      'ship',
      file,
      '--service',
      'api',
      '--format',
      'json',
      '--parse',
      '--run-id',
      'cli-secret',
      '--json',
    );
    type Letter = { partition: number; offset: string; bytes: number; headers: Record<string, string> };
    // The one whose value redaction changed: it kept fewer bytes than the original had.
    const mine = (letters: Letter[]) =>
      letters.filter(
        (l) =>
          l.headers['dlq.original-bytes'] !== undefined &&
          l.headers['dlq.original-bytes'] !== String(l.bytes),
      );
    let letters: Letter[] = [];
    await waitFor(
      async () => {
        letters = mine(json(await healctl('dlq', 'list', '--json')));
        return letters.length > 0;
      },
      { timeoutMs: 60_000, maxIntervalMs: 500 },
    );
    const e = testEndpoints();
    const kafka = createKafka('cli-test-dlq', e.kafkaBrokers);
    const kept: string[] = [];
    await readTopic(kafka, `${prefix}selfhealing.deadletter`, {
      onMessage: (m) =>
        void kept.push(`${m.value?.toString()} ${JSON.stringify(headersToStrings(m.headers))}`),
    });
    expect(kept.join('\n')).not.toContain('hunter2');
    const ref = `${letters[0]!.partition}:${letters[0]!.offset}`;
    expect((await healctl('dlq', 'redrive', '--ref', ref)).code).toBe(0);
    const back: string[] = [];
    await readTopic(kafka, `${prefix}selfhealing.telemetry.raw`, {
      onMessage: (m) => void (m.headers?.['redriven-from'] && back.push(m.value?.toString() ?? '')),
    });
    expect(back).toContain('{"level": 30, "password": "hunter2-d34db33f", "msg": ');
  });

  it('lists with the stage name, not a topic, and the processing time', async () => {
    const table = await healctl('incidents', 'list');
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/^ID\s+STAGE\s+STATUS\s+BEATS\s+PROCESSED\s+SUMMARY/);
    expect(table.out).toMatch(/cli-run\s+telemetry\.parse\s+completed/);
    expect(table.out).not.toContain(prefix);
  });
});

describe('healctl as a process', () => {
  const run = (args: string[], env: Record<string, string> = {}) =>
    new Promise<{ code: number | null; out: Buffer; err: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          '--conditions=development',
          join(import.meta.dirname, '../services/cli/src/main.ts'),
          ...args,
        ],
        { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const out: Buffer[] = [];
      let err = '';
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => (err += b.toString()));
      child.on('close', (code) => resolve({ code, out: Buffer.concat(out), err }));
    });

  it('writes everything to a pipe before it exits, however much there is', async () => {
    // The exit path every command takes, fed 1 MB: before, a pipe got the first 64 KiB.
    const script = join(mkdtempSync(join(tmpdir(), 'drain-')), 'drain.ts');
    writeFileSync(
      script,
      `import { exitWhenFlushed } from ${JSON.stringify(join(import.meta.dirname, '../services/cli/src/output.ts'))};
\n` + `process.stdout.write('x'.repeat(1024 * 1024));\nexitWhenFlushed(0);\n`,
    );
    const bytes = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', script], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let n = 0;
      // A slow reader: the pipe fills, and the process must wait for it.
      child.stdout.on('data', (b: Buffer) => {
        n += b.length;
        child.stdout.pause();
        setImmediate(() => child.stdout.resume());
      });
      child.on('close', () => resolve(n));
    });
    expect(bytes).toBe(1024 * 1024);
  });

  it('prints only JSON with --json, logs going to stderr, and exits 3 without servers', async () => {
    const e = testEndpoints();
    const prefix = `${uniqueName('clijson')}.`;
    await ensureTopics(createKafka('cli-json-test', e.kafkaBrokers, createLogger('cli-json-test', 'warn')), [
      ...platformTopics(prefix),
    ]);
    const listed = await run(['dlq', 'list', '--json'], {
      KAFKA_BROKERS: e.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: e.schemaRegistryUrl,
      MONGODB_URI: e.mongodbUri,
      TOPIC_PREFIX: prefix,
      // kafkajs logs plenty at debug level: none of it may reach stdout.
      LOG_LEVEL: 'debug',
    });
    expect(listed.code, listed.err.slice(-2000)).toBe(0);
    expect(() => JSON.parse(listed.out.toString())).not.toThrow();
    const none = await run(['incidents', 'list'], {
      KAFKA_BROKERS: '',
      SCHEMA_REGISTRY_URL: '',
      MONGODB_URI: '',
      // A state directory with no local servers in it.
      SELF_HEALING_CACHE: mkdtempSync(join(tmpdir(), 'no-infra-')),
    });
    expect(none.code).toBe(3);
    expect(none.err).toMatch(/no servers to talk to/);
  });
});
