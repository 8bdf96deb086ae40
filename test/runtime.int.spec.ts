import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kafka } from 'kafkajs';
import type { Db, MongoClient } from 'mongodb';
import {
  ConsumerLoop,
  DLQ_HEADERS,
  PermanentError,
  RegistryCodec,
  StageRunner,
  connectMongo,
  createKafka,
  createLogger,
  ensureTopics,
  headersToStrings,
  readTopic,
  type StageEvent,
} from '@self-healing/shared';
import { createProjector, replayProjection, ProjectionCatalog } from '@self-healing/projector';
import { demoContracts, demoDefinition, demoTopics, startCommand, type DemoTopics } from './src/demoStage.js';
import { testEndpoints, uniqueName, waitFor } from './src/endpoints.js';

const logger = createLogger('runtime-test', 'warn');

interface Fixture {
  prefix: string;
  topics: DemoTopics;
  kafka: Kafka;
  mongo: MongoClient;
  db: Db;
  codec: RegistryCodec;
}

async function fixture(): Promise<Fixture> {
  const e = testEndpoints();
  const prefix = uniqueName('rt');
  const topics = demoTopics(prefix);
  const kafka = createKafka(prefix, e.kafkaBrokers, logger);
  await ensureTopics(kafka, [
    { name: topics.stage, partitions: 3 },
    { name: topics.commands, partitions: 3 },
    { name: topics.dlq, partitions: 1 },
  ]);
  const { client, db } = await connectMongo(e.mongodbUri, prefix.replace(/\W/g, '_'));
  const codec = new RegistryCodec(e.schemaRegistryUrl, demoContracts(topics));
  await codec.registerAll();
  return { prefix, topics, kafka, mongo: client, db, codec };
}

async function send(f: Fixture, topic: string, key: string, value: Buffer): Promise<void> {
  const producer = f.kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: [{ key, value }] });
  await producer.disconnect();
}

async function stageEvents(f: Fixture, incidentId?: string): Promise<StageEvent[]> {
  const events: StageEvent[] = [];
  await readTopic(f.kafka, f.topics.stage, {
    onMessage: async (m) => {
      if (!m.value || (incidentId && m.key?.toString() !== incidentId)) return;
      events.push(await f.codec.decode(m.value));
    },
  });
  return events;
}

async function finished(f: Fixture, incidentId: string, last = 'DemoFinished'): Promise<StageEvent[]> {
  let events: StageEvent[] = [];
  await waitFor(
    async () => {
      events = await stageEvents(f, incidentId);
      return events.some((e) => e.meta.type === last);
    },
    { timeoutMs: 60_000 },
  );
  return events;
}

function inProcessRunner(f: Fixture): StageRunner {
  return new StageRunner({
    definition: demoDefinition(f.topics, f.db),
    kafka: f.kafka,
    db: f.db,
    codec: f.codec,
    logger,
    producer: 'runtime-test',
    groupId: `${f.prefix}.runner`,
    transactionalId: `${f.prefix}.runner.0`,
    dlqTopic: f.topics.dlq,
    maxAttempts: 3,
    backoffMs: 20,
    sessionTimeoutMs: 6_000,
  });
}

/** True once the runner's group has committed everything on its topics (nothing left to process). */
async function caughtUp(f: Fixture): Promise<boolean> {
  const admin = f.kafka.admin();
  await admin.connect();
  try {
    for (const topic of [f.topics.stage, f.topics.commands]) {
      const [committed] = await admin.fetchOffsets({ groupId: `${f.prefix}.runner`, topics: [topic] });
      const ends = await admin.fetchTopicOffsets(topic);
      for (const end of ends) {
        const c = committed?.partitions.find((p) => p.partition === end.partition);
        // Transaction markers take offsets: the committed offset may stop just short of the end.
        if (BigInt(end.high) - BigInt(Math.max(Number(c?.offset ?? -1), 0)) > 1n && end.high !== '0')
          return false;
      }
    }
    return true;
  } finally {
    await admin.disconnect();
  }
}

describe('the shared runtime against real Kafka, Schema Registry and MongoDB', () => {
  let f: Fixture;
  let runner: StageRunner;

  beforeAll(async () => {
    f = await fixture();
    runner = inProcessRunner(f);
    await runner.start();
  });
  afterAll(async () => {
    await runner?.stop();
    await f?.mongo.close();
  });

  it('runs every beat of an incident once, in order, each event caused by the previous one', async () => {
    const trigger = startCommand('inc-a', 20);
    await send(f, f.topics.commands, 'inc-a', await f.codec.encode(trigger));
    const events = await finished(f, 'inc-a');
    expect(events.map((e) => [e.meta.seq, e.meta.type])).toEqual([
      [1, 'DemoAccepted'],
      [2, 'DemoWorked'],
      [3, 'DemoFinished'],
    ]);
    expect(events[0]?.meta.causationId).toBe(trigger.meta.eventId);
    expect(events[1]?.meta.causationId).toBe(events[0]?.meta.eventId);
    expect(events.every((e) => e.meta.correlationId === trigger.meta.correlationId)).toBe(true);
    expect(events[2]?.payload).toEqual({ n: 41 });
    expect(await f.db.collection('outside_system').countDocuments({ incidentId: 'inc-a' })).toBe(1);
  });

  it('changes nothing when the same event or command is delivered again', async () => {
    const trigger = startCommand('inc-b', 1);
    await send(f, f.topics.commands, 'inc-b', await f.codec.encode(trigger));
    const before = await finished(f, 'inc-b');
    // Redeliver the trigger and the first two events, byte for byte.
    await send(f, f.topics.commands, 'inc-b', await f.codec.encode(trigger));
    for (const e of before.slice(0, 2)) await send(f, f.topics.stage, 'inc-b', await f.codec.encode(e));
    await waitFor(() => caughtUp(f), { timeoutMs: 30_000 });
    const after = await stageEvents(f, 'inc-b');
    // The log holds the three events and the two copies we sent, and nothing the runner added in reply.
    expect(after.map((e) => e.meta.eventId)).toEqual(
      [...before, ...before.slice(0, 2)].map((e) => e.meta.eventId),
    );
    expect(await f.db.collection('outside_system').countDocuments({ incidentId: 'inc-b' })).toBe(1);
  });

  it('dead-letters a poison message with its reason and goes on with the next one', async () => {
    await send(f, f.topics.stage, 'garbage', Buffer.from('not an event at all'));
    await send(f, f.topics.commands, 'inc-c', await f.codec.encode(startCommand('inc-c', 2)));
    await finished(f, 'inc-c');
    const letters: Array<Record<string, string>> = [];
    await readTopic(f.kafka, f.topics.dlq, {
      onMessage: (m) =>
        void letters.push({ ...headersToStrings(m.headers), value: m.value?.toString() ?? '' }),
    });
    const poison = letters.find((l) => l.value === 'not an event at all');
    expect(poison?.[DLQ_HEADERS.topic]).toBe(f.topics.stage);
    expect(poison?.[DLQ_HEADERS.error]).toMatch(/wire format/);
    expect(poison?.[DLQ_HEADERS.errorCode]).toBe('not-wire-format');
    expect(poison?.[DLQ_HEADERS.attempts]).toBe('1');
  });

  it('ends an incident with a Failed event when a beat keeps failing, and dead-letters its input', async () => {
    await send(f, f.topics.commands, 'inc-d', await f.codec.encode(startCommand('inc-d', 1, true)));
    const events = await finished(f, 'inc-d', 'DemoFailed');
    expect(events.map((e) => e.meta.type)).toEqual(['DemoFailed']);
    expect(events[0]?.payload).toMatchObject({
      handler: 'accept',
      beat: 1,
      attempts: 3,
      error: { category: 'transient', message: 'this request always fails' },
    });
  });

  it('rejects a bad request with a clear event instead of running the stage', async () => {
    await send(f, f.topics.commands, 'inc-e', await f.codec.encode(startCommand('inc-e', -5)));
    const events = await finished(f, 'inc-e', 'DemoRejected');
    expect(events.map((e) => e.meta.type)).toEqual(['DemoRejected']);
    expect(events[0]?.payload).toEqual({ reason: 'n must be >= 0, got -5' });
  });

  it('refuses an incompatible schema change in the registry', async () => {
    const [first] = demoContracts(f.topics).filter((c) => c.type === 'DemoAccepted');
    const schema = JSON.parse(JSON.stringify(first!.schema));
    // A new field without a default: old events could no longer be read with the new schema.
    schema.fields[1].type.fields.push({ name: 'required', type: 'string' });
    const changed = new RegistryCodec(testEndpoints().schemaRegistryUrl, [{ ...first!, schema }]);
    await expect(changed.registerAll()).rejects.toThrow();
  });

  it('rebuilds the projection from the log: replay gives exactly the documents live processing gave', async () => {
    const projector = createProjector({
      kafka: f.kafka,
      db: f.db,
      codec: f.codec,
      logger,
      topics: [f.topics.stage],
      dlqTopic: f.topics.dlq,
      groupId: `${f.prefix}.projector`,
      transactionalId: `${f.prefix}.projector.0`,
    });
    await projector.start();
    const catalog = new ProjectionCatalog(f.db);
    try {
      await waitFor(
        async () => {
          const c = await catalog.collection();
          const a = await c.findOne({ _id: 'inc-a' });
          return (await c.countDocuments()) >= 5 && a?.timeline.length === 3;
        },
        { timeoutMs: 60_000 },
      );
    } finally {
      await projector.stop();
    }
    const live = await (await catalog.collection()).find().sort({ _id: 1 }).toArray();
    const result = await replayProjection({
      kafka: f.kafka,
      db: f.db,
      codec: f.codec,
      logger,
      topics: [f.topics.stage],
    });
    expect(result.collection).toBe('incidents_v2');
    const replayed = await (await catalog.collection()).find().sort({ _id: 1 }).toArray();
    expect(replayed).toEqual(live);
    expect(live.find((d) => d._id === 'inc-a')?.timeline.map((t) => t.handler)).toEqual([
      'accept',
      'work',
      'finish',
    ]);
    expect(live.find((d) => d._id === 'inc-d')?.status).toBe('failed');
    expect(await f.db.listCollections({ name: 'incidents_v1' }).toArray()).toHaveLength(0);
  });

  it('abandons a handler attempt that never answers, retries it, and produces its output once', async () => {
    const out = `${f.prefix}.hang.out`;
    const input = `${f.prefix}.hang.in`;
    await ensureTopics(f.kafka, [
      { name: input, partitions: 1 },
      { name: out, partitions: 1 },
    ]);
    const attempts: number[] = [];
    const loop = new ConsumerLoop({
      kafka: f.kafka,
      service: 'runtime-test',
      groupId: `${f.prefix}.hang`,
      topics: [input],
      transactionalId: `${f.prefix}.hang.0`,
      dlqTopic: f.topics.dlq,
      logger,
      backoffMs: 20,
      attemptTimeoutMs: 1_000,
      // The first attempt waits on something that never answers (a dependency without a timeout).
      handle: async (message, ctx) => {
        attempts.push(ctx.attempt);
        if (ctx.attempt === 1) await new Promise(() => undefined);
        return { outputs: [{ topic: out, key: 'k', value: message.message.value ?? Buffer.from('') }] };
      },
    });
    await loop.start();
    try {
      await send(f, input, 'k', Buffer.from('hello'));
      const seen: string[] = [];
      await waitFor(
        async () => {
          seen.length = 0;
          await readTopic(f.kafka, out, { onMessage: (m) => void seen.push(m.value?.toString() ?? '') });
          return seen.length > 0;
        },
        { timeoutMs: 30_000 },
      );
      expect(seen).toEqual(['hello']);
      expect(attempts).toEqual([1, 2]);
    } finally {
      await loop.stop();
    }
  });

  it('commits a batch in one transaction, takes a failing message alone, and loses or doubles nothing', async () => {
    const out = `${f.prefix}.batch.out`;
    const input = `${f.prefix}.batch.in`;
    await ensureTopics(f.kafka, [
      { name: input, partitions: 1 },
      { name: out, partitions: 1 },
    ]);
    const producer = f.kafka.producer();
    await producer.connect();
    const values = ['a', 'b', 'poison', 'c', 'd', 'e', 'f'];
    await producer.send({ topic: input, messages: values.map((v) => ({ key: 'k', value: Buffer.from(v) })) });
    await producer.disconnect();
    const loop = new ConsumerLoop({
      kafka: f.kafka,
      service: 'runtime-test',
      groupId: `${f.prefix}.batch`,
      topics: [input],
      transactionalId: `${f.prefix}.batch.0`,
      dlqTopic: f.topics.dlq,
      logger,
      backoffMs: 20,
      maxAttempts: 2,
      commitEvery: 3,
      handle: async (message) => {
        const v = message.message.value?.toString() ?? '';
        if (v === 'poison') throw new PermanentError('cannot project this', 'poison');
        return { outputs: [{ topic: out, key: 'k', value: Buffer.from(v.toUpperCase()) }] };
      },
    });
    await loop.start();
    const seen: string[] = [];
    try {
      await waitFor(
        async () => {
          seen.length = 0;
          await readTopic(f.kafka, out, { onMessage: (m) => void seen.push(m.value?.toString() ?? '') });
          return seen.length >= 6;
        },
        { timeoutMs: 30_000 },
      );
      await waitFor(
        async () => {
          const admin = f.kafka.admin();
          await admin.connect();
          try {
            const [c] = await admin.fetchOffsets({ groupId: `${f.prefix}.batch`, topics: [input] });
            return Number(c?.partitions[0]?.offset) === values.length;
          } finally {
            await admin.disconnect();
          }
        },
        { timeoutMs: 30_000, message: 'every input committed' },
      );
    } finally {
      await loop.stop();
    }
    expect(seen).toEqual(['A', 'B', 'C', 'D', 'E', 'F']);
    const letters: string[] = [];
    await readTopic(f.kafka, f.topics.dlq, {
      onMessage: (m) => {
        if (headersToStrings(m.headers)[DLQ_HEADERS.topic] === input) letters.push(m.value?.toString() ?? '');
      },
    });
    expect(letters).toEqual(['poison']);
  });
});

describe('two instances of a stage in one consumer group', () => {
  it('share the partitions: incidents run in parallel across them, each once, each outside action once', async () => {
    const f = await fixture();
    const runnerOf = (name: string) =>
      new StageRunner({
        definition: demoDefinition(f.topics, f.db),
        kafka: f.kafka,
        db: f.db,
        codec: f.codec,
        logger,
        producer: name,
        groupId: `${f.prefix}.runner`,
        transactionalId: `${f.prefix}.runner.${name}`,
        dlqTopic: f.topics.dlq,
        maxAttempts: 3,
        backoffMs: 20,
        sessionTimeoutMs: 6_000,
      });
    const runners = [runnerOf('instance-a'), runnerOf('instance-b')];
    try {
      for (const r of runners) await r.start();
      // Both members in the group before the incidents arrive, so that each holds some of the partitions.
      const admin = f.kafka.admin();
      await admin.connect();
      await waitFor(
        async () => {
          const { groups } = await admin.describeGroups([`${f.prefix}.runner`]);
          return groups[0]?.state === 'Stable' && groups[0].members.length === 2;
        },
        { timeoutMs: 60_000, message: 'both instances in the group' },
      );
      await admin.disconnect();
      const ids = Array.from({ length: 12 }, (_, i) => `inc-par-${i}`);
      const producer = f.kafka.producer();
      await producer.connect();
      await producer.send({
        topic: f.topics.commands,
        messages: await Promise.all(
          ids.map(async (id, i) => ({ key: id, value: await f.codec.encode(startCommand(id, i)) })),
        ),
      });
      await producer.disconnect();
      const byIncident = new Map<string, StageEvent[]>();
      for (const id of ids) byIncident.set(id, await finished(f, id));
      for (const [id, events] of byIncident) {
        expect(
          events.map((e) => e.meta.type),
          id,
        ).toEqual(['DemoAccepted', 'DemoWorked', 'DemoFinished']);
        expect(await f.db.collection('outside_system').countDocuments({ incidentId: id })).toBe(1);
      }
      // Both instances did part of the work (a trigger's partition of the commands topic and the same key's partition
      // of the stage topic may belong to different instances: beats of one incident then run on both, in turn).
      const producers = new Set([...byIncident.values()].flat().map((e) => e.meta.producer));
      expect(producers).toEqual(new Set(['instance-a', 'instance-b']));
    } finally {
      for (const r of runners) await r.stop();
      await f.mongo.close();
    }
  });
});

describe('a stage service killed with SIGKILL at any point', () => {
  let f: Fixture;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    f = await fixture();
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await f?.mongo.close();
  });

  function startService(crash?: string, marker?: string): Promise<ChildProcess> {
    const e = testEndpoints();
    const proc = fork(join(import.meta.dirname, 'src/demoStage.ts'), [], {
      execArgv: ['--import', 'tsx', '--conditions=development'],
      env: {
        ...process.env,
        KAFKA_BROKERS: e.kafkaBrokers.join(','),
        SCHEMA_REGISTRY_URL: e.schemaRegistryUrl,
        MONGODB_URI: e.mongodbUri,
        DEMO_PREFIX: f.prefix,
        DEMO_DB: f.db.databaseName,
        ...(crash ? { DEMO_CRASH: crash, DEMO_CRASH_MARKER: marker } : {}),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child = proc;
    return new Promise((resolve, reject) => {
      proc.once('message', () => resolve(proc));
      proc.once('exit', (code, signal) => reject(new Error(`service exited early (${code ?? signal})`)));
    });
  }

  const killedBy = (proc: ChildProcess) =>
    new Promise<string | null>((resolve) => proc.once('exit', (_c, signal) => resolve(signal)));

  it('resumes every incident where it was: each beat event once, each side effect once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crash-'));
    // Between a side effect and its event.
    let proc = await startService('work:after-effect', join(dir, 'one'));
    await send(f, f.topics.commands, 'inc-k', await f.codec.encode(startCommand('inc-k', 5)));
    expect(await killedBy(proc)).toBe('SIGKILL');
    // Between two beats: `work` committed, `finish` not started.
    proc = await startService('finish:before', join(dir, 'two'));
    expect(await killedBy(proc)).toBe('SIGKILL');
    // The state cache lost too: the next run must rebuild the incident from the log.
    await f.db.collection('machine_state_demo_run').drop();
    proc = await startService();
    const events = await finished(f, 'inc-k');
    proc.kill('SIGTERM');
    await killedBy(proc);

    expect(events.map((e) => [e.meta.seq, e.meta.type])).toEqual([
      [1, 'DemoAccepted'],
      [2, 'DemoWorked'],
      [3, 'DemoFinished'],
    ]);
    expect(events[2]?.payload).toEqual({ n: 11 });
    expect(await f.db.collection('outside_system').countDocuments({ incidentId: 'inc-k' })).toBe(1);
    // The handlers did run again after each crash: what did not repeat is their effect.
    const attempts = await f.db.collection<{ _id: string; n: number }>('handler_attempts').find().toArray();
    expect(attempts.find((a) => a._id === 'inc-k/work')?.n).toBe(2);
    expect(attempts.find((a) => a._id === 'inc-k/finish')?.n).toBe(2);
  });
});
