import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompressionTypes } from 'kafkajs';
import { readTopic, type RunningService, type StageEvent } from '@self-healing/shared';
import { SECRET_CORPUS, leaks } from '@self-healing/shared/redaction';
import { sendParseCommands } from '@self-healing/telemetry-parse';
import { startTelemetryParse } from './src/services.js';
import { serviceEnv, testEnvironment, type TestEnvironment } from './src/environment.js';
import { waitFor } from './src/endpoints.js';

/**
 * Hostile input against the real telemetry-parse service: runs that mix good records with every kind of bad one.
 * Every good line must end in an event, every bad one in a counted rejection, the run must complete, and the
 * service must go on serving the next run.
 */

const T0 = Date.UTC(2024, 2, 1, 10);
const good = (i: number) =>
  JSON.stringify({ time: T0 + i * 1000, level: 30, name: 'shop', msg: `order ${i} paid in ${i % 50} ms` });

let env: TestEnvironment;
let service: RunningService;

async function runEvents(runId: string): Promise<StageEvent[]> {
  const events: StageEvent[] = [];
  await readTopic(env.kafka, env.topics.telemetryParseEvents, {
    onMessage: async (m) => {
      if (m.key?.toString() === runId && m.value) events.push(await env.codec.decode(m.value));
    },
  });
  return events;
}

/** Produces the values (to partition 0, or the partition given) of the raw topic and requests their parse as one run. */
async function parseRun(
  runId: string,
  values: Array<Buffer | string | { partition: number; value: Buffer | string }>,
  service = 'shop',
) {
  const admin = env.kafka.admin();
  await admin.connect();
  const before = await admin.fetchTopicOffsets(env.topics.telemetryRaw);
  const producer = env.kafka.producer();
  await producer.connect();
  // gzip, as the long line came: small on the wire, large once decompressed.
  await producer.send({
    topic: env.topics.telemetryRaw,
    compression: CompressionTypes.GZIP,
    messages: values.map((v) => {
      const { partition, value } = typeof v === 'object' && 'partition' in v ? v : { partition: 0, value: v };
      return { key: service, value, partition, headers: { service } };
    }),
  });
  await producer.disconnect();
  const after = await admin.fetchTopicOffsets(env.topics.telemetryRaw);
  await admin.disconnect();
  const ranges = after
    .map((a) => ({
      partition: a.partition,
      fromOffset: Number(before.find((b) => b.partition === a.partition)!.high),
      toOffset: Number(a.high),
    }))
    .filter((r) => r.toOffset > r.fromOffset);
  await sendParseCommands(env.kafka, env.codec, env.topics.commands, env.topics.telemetryRaw, [
    { runId, ranges, services: [], windowMs: 60_000, comment: 'hostile-input test' },
  ]);
  return runEnd(runId);
}

/**
 * The run's events once it has ended, waiting on the run's own progress: each new event of the run restarts the
 * wait, so a loaded machine that is slow but moving is waited for, and only a run that stops moving fails.
 */
async function runEnd(runId: string): Promise<StageEvent[]> {
  let seen = -1;
  for (;;) {
    const events = await waitFor(
      async () => {
        const now = await runEvents(runId);
        return now.length > seen ? now : null;
      },
      {
        timeoutMs: 110_000,
        maxIntervalMs: 1000,
        message: `run ${runId} made no progress after ${seen} events`,
      },
    );
    if (events.some((e) => /Completed|Failed|Rejected$/.test(e.meta.type))) return events;
    seen = events.length;
  }
}

const payloadOf = (events: StageEvent[], type: string) =>
  events.find((e) => e.meta.type === type)?.payload as Record<string, unknown> | undefined;

beforeAll(async () => {
  env = await testEnvironment('hostile');
  service = await startTelemetryParse(serviceEnv(env));
});

afterAll(async () => {
  await service?.stop();
  await env?.mongo.close();
});

describe('a run mixing good records with hostile ones', () => {
  it('ends with every good line parsed and every bad one rejected with its reason', async () => {
    const goodLines = Array.from({ length: 300 }, (_, i) => good(i));
    // 100,000 deep: the case that crashed the decode worker (Maximum call stack size exceeded).
    const deep = `{"msg":"deep","time":${T0},"payload":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`;
    const values: Array<Buffer | string> = [
      goodLines.slice(0, 100).join('\n'),
      deep,
      // 5 MB, gzipped on the wire: the run failed at its last beat, retried five times.
      JSON.stringify({ time: T0, msg: 'x'.repeat(5 * 1024 * 1024) }),
      `${goodLines.slice(100, 200).join('\n')}\n${'['.repeat(50_000)}${']'.repeat(50_000)}`,
      Buffer.from([0x7b, 0x22, 0x6d, 0xc3, 0x28, 0x22, 0x7d]), // invalid UTF-8
      Buffer.from(`{"msg":"nul\u0000inside","time":${T0}}`),
      Buffer.from([0x08, 0x96, 0x01, 0xff, 0xfe, 0x00, 0x13, 0x37]), // binary garbage
      goodLines.slice(200).join('\n'),
    ];
    const events = await parseRun('hostile-mixed', values);
    const types = events.map((e) => e.meta.type);
    expect(types.at(-1), types.join(',')).toBe('TelemetryParseCompleted');
    const extracted = payloadOf(events, 'TelemetryEventsExtracted')!;
    expect(extracted.records).toBe(values.length);
    expect(extracted.events).toBe(300);
    const rejected = extracted.rejected as Record<string, number>;
    expect(rejected['too-deep']).toBe(1);
    expect(rejected['line-too-long']).toBeGreaterThanOrEqual(2);
    const total = Object.values(rejected).reduce((a, b) => a + b, 0);
    // Four whole records and two lines inside good records were refused, each counted.
    expect(total).toBeGreaterThanOrEqual(6);
  });

  it('keeps no secret of the corpus in any collection, the stage topic or the dead-letter topic', async () => {
    const lines = SECRET_CORPUS.map((s, i) =>
      JSON.stringify({ time: T0 + i * 1000, level: 30, name: 'shop', msg: s.line }),
    );
    // Beside them, one record nobody can decode (cut-off JSON) holding every secret: it goes to the DLQ.
    const undecodable = `{"level": 30, "msg": ${JSON.stringify(SECRET_CORPUS.map((s) => s.line).join(' '))}, `;
    const events = await parseRun('hostile-secrets', [lines.join('\n'), undecodable]);
    expect(events.at(-1)?.meta.type).toBe('TelemetryParseCompleted');
    // The same lines as plain text, each behind a timestamp (multi-line ones keep their line breaks).
    const text = SECRET_CORPUS.map((s, i) => `${new Date(T0 + i * 1000).toISOString()} INFO ${s.line}`);
    const textEvents = await parseRun('hostile-secrets-text', [text.join('\n')]);
    expect(textEvents.at(-1)?.meta.type).toBe('TelemetryParseCompleted');
    // Everything the service keeps: every collection of its database (templates, aggregates, run state, machine
    // state, staging), its stage topic and the dead-letter topic.
    const kept: unknown[] = [events, textEvents];
    for (const { name } of await env.db.listCollections().toArray())
      kept.push(name, await env.db.collection(name).find().toArray());
    const letters: string[] = [];
    await readTopic(env.kafka, env.topics.deadLetter, {
      onMessage: (m) =>
        void letters.push(`${m.key?.toString()} ${m.value?.toString()} ${JSON.stringify(m.headers)}`),
    });
    expect(letters.length).toBeGreaterThan(0);
    const stored = `${JSON.stringify(kept)}\n${letters.join('\n')}`;
    for (const s of SECRET_CORPUS) expect(leaks(stored, s.secret), s.name).toBe(false);
  });

  it('given a record of garbage on every partition beside good lines, then only the garbage is rejected', async () => {
    const admin = env.kafka.admin();
    await admin.connect();
    const partitions = (await admin.fetchTopicOffsets(env.topics.telemetryRaw)).map((p) => p.partition);
    await admin.disconnect();
    const garbage = partitions.map((partition) => ({
      partition,
      value: Buffer.from([0xff, 0x00, partition, 0x13, 0x37, 0xfe]),
    }));
    const events = await parseRun('hostile-partitions', [
      Array.from({ length: 50 }, (_, i) => good(i)).join('\n'),
      ...garbage,
    ]);
    expect(events.at(-1)?.meta.type).toBe('TelemetryParseCompleted');
    const extracted = payloadOf(events, 'TelemetryEventsExtracted')!;
    expect(extracted.records).toBe(1 + partitions.length);
    expect(extracted.events).toBe(50);
    expect(extracted.unparsed).toBe(partitions.length);
  });

  it('given 5,000 distinct messages in one run (ten times the aggregates an event inlines), then it completes and its events stay under the message limit', async () => {
    const lines = Array.from({ length: 5_000 }, (_, i) =>
      JSON.stringify({
        time: T0 + i,
        level: 30,
        msg: `${i.toString(36)}-${'abcdefghij'[i % 10]} w${i % 997} z${i}`,
      }),
    );
    const records: string[] = [];
    for (let i = 0; i < lines.length; i += 1000) records.push(lines.slice(i, i + 1000).join('\n'));
    const events = await parseRun('hostile-templates', records);
    expect(events.at(-1)?.meta.type).toBe('TelemetryParseCompleted');
    expect(payloadOf(events, 'TelemetryEventsExtracted')?.events).toBe(5_000);
    for (const e of events) expect((await env.codec.encode(e)).length, e.meta.type).toBeLessThan(1_000_000);
    // The run's own progress bounds the wait (runEnd); this only stops a run that never ends.
  }, 600_000);

  it('given 30 distinct lines of 60,000 characters, then the completed event stays under the message limit', async () => {
    // 30 templates of 60 KB are 1.8 MB: the event inlines as many aggregates as fit and says it is incomplete.
    // Words of letters only (the miner masks tokens with digits), one word per line, a service of their own (the
    // record's service header names it).
    const word = (i: number) =>
      `q${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}z`;
    const lines = Array.from({ length: 30 }, (_, i) =>
      JSON.stringify({
        time: T0 + i,
        level: 30,
        name: 'long-lines',
        msg: `${word(i)} `.repeat(12_000).slice(0, 60_000),
      }),
    );
    const events = await parseRun('hostile-long-templates', [lines.join('\n')], 'long-lines');
    expect(events.at(-1)?.meta.type).toBe('TelemetryParseCompleted');
    const completed = payloadOf(events, 'TelemetryParseCompleted')!;
    expect(completed.aggregateCount, JSON.stringify(payloadOf(events, 'TelemetryEventsExtracted'))).toBe(30);
    expect(completed.aggregatesComplete).toBe(false);
    for (const e of events) expect((await env.codec.encode(e)).length, e.meta.type).toBeLessThan(1_000_000);
  });

  it('given requests that cannot be served, then each is rejected up front with its reason', async () => {
    const cases = [
      {
        runId: 'hostile-missing-topic',
        topic: `${env.prefix}no.such.topic`,
        partition: 0,
        from: 0,
        to: 10,
        code: 'no-such-topic',
      },
      {
        runId: 'hostile-past-end',
        topic: env.topics.telemetryRaw,
        partition: 0,
        from: 0,
        to: 10_000_000,
        code: 'offsets-past-end',
      },
      {
        runId: 'hostile-no-partition',
        topic: env.topics.telemetryRaw,
        partition: 999,
        from: 0,
        to: 1,
        code: 'no-such-partition',
      },
      {
        runId: 'hostile-platform-topic',
        topic: env.topics.commands,
        partition: 0,
        from: 0,
        to: 1,
        code: 'platform-topic',
      },
    ];
    for (const c of cases)
      await sendParseCommands(env.kafka, env.codec, env.topics.commands, c.topic, [
        {
          runId: c.runId,
          ranges: [{ partition: c.partition, fromOffset: c.from, toOffset: c.to }],
          services: [],
          windowMs: 60_000,
          comment: 'hostile-input test',
        },
      ]);
    for (const c of cases) {
      const events = await runEnd(c.runId);
      expect(
        events.map((e) => e.meta.type),
        c.runId,
      ).toEqual(['TelemetryParseRejected']);
      const reasons = (events[0]!.payload as { reasons: Array<{ code: string }> }).reasons;
      expect(
        reasons.map((r) => r.code),
        c.runId,
      ).toEqual([c.code]);
    }
  });

  it('goes on serving other runs after the hostile ones, and stays healthy', async () => {
    const events = await parseRun('after-hostile', [
      Array.from({ length: 20 }, (_, i) => good(i)).join('\n'),
    ]);
    expect(events.at(-1)?.meta.type).toBe('TelemetryParseCompleted');
    expect(payloadOf(events, 'TelemetryEventsExtracted')?.events).toBe(20);
    const address = service.http.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
  });
});
