import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kafka } from 'kafkajs';
import type { Db, MongoClient } from 'mongodb';
import {
  RegistryCodec,
  WaitStore,
  connectMongo,
  createKafka,
  createLogger,
  ensureTopics,
  readTopic,
  wakeUpCommand,
  type StageEvent,
  type StageRunner,
} from '@self-healing/shared';
import { testEndpoints, uniqueName, waitFor } from './src/endpoints.js';
import {
  gateApprove,
  gateContracts,
  gateRunner,
  gateStart,
  gateTopics,
  type GateTopics,
} from './src/waitStage.js';

const logger = createLogger('waits-test', 'warn');
const MINUTE = 60_000;

interface Fixture {
  prefix: string;
  topics: GateTopics;
  kafka: Kafka;
  mongo: MongoClient;
  db: Db;
  codec: RegistryCodec;
  waits: WaitStore;
}

async function fixture(): Promise<Fixture> {
  const e = testEndpoints();
  const prefix = uniqueName('waits');
  const topics = gateTopics(prefix);
  const kafka = createKafka(prefix, e.kafkaBrokers, logger);
  await ensureTopics(kafka, [
    { name: topics.stage, partitions: 3 },
    { name: topics.commands, partitions: 3 },
    { name: topics.dlq, partitions: 1 },
  ]);
  const { client, db } = await connectMongo(e.mongodbUri, prefix);
  const codec = new RegistryCodec(e.schemaRegistryUrl, gateContracts(topics));
  await codec.registerAll();
  return { prefix, topics, kafka, mongo: client, db, codec, waits: new WaitStore(db) };
}

async function send(f: Fixture, event: StageEvent): Promise<void> {
  const producer = f.kafka.producer();
  await producer.connect();
  await producer.send({
    topic: f.topics.commands,
    messages: [{ key: event.meta.incidentId, value: await f.codec.encode(event) }],
  });
  await producer.disconnect();
}

async function eventsOf(f: Fixture, topic: string, key: string): Promise<StageEvent[]> {
  const events: StageEvent[] = [];
  await readTopic(f.kafka, topic, {
    onMessage: async (m) => {
      if (m.value && m.key?.toString() === key) events.push(await f.codec.decode(m.value));
    },
  });
  return events;
}

async function until(f: Fixture, key: string, type: string): Promise<StageEvent[]> {
  let events: StageEvent[] = [];
  await waitFor(
    async () => {
      events = await eventsOf(f, f.topics.stage, key);
      return events.some((e) => e.meta.type === type);
    },
    { timeoutMs: 90_000, maxIntervalMs: 500, message: `${type} of ${key}` },
  );
  return events;
}

/** True once the runner's group has committed everything on its topics (nothing left to process). */
async function caughtUp(f: Fixture): Promise<boolean> {
  const admin = f.kafka.admin();
  await admin.connect();
  try {
    for (const topic of [f.topics.stage, f.topics.commands]) {
      const [committed] = await admin.fetchOffsets({ groupId: `${f.prefix}.gate`, topics: [topic] });
      for (const end of await admin.fetchTopicOffsets(topic)) {
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

const runsOf = async (f: Fixture, key: string, handler: string) =>
  (await f.db.collection<{ _id: string; n: number }>('gate_runs').findOne({ _id: `${key}/${handler}` }))?.n ??
  0;

const typesOf = (events: StageEvent[]) => events.map((e) => [e.meta.seq, e.meta.type]);

describe('a run that waits, in one process', () => {
  let f: Fixture;
  let runner: StageRunner;

  beforeAll(async () => {
    f = await fixture();
    runner = gateRunner({ prefix: f.prefix, db: f.db, kafka: f.kafka, codec: f.codec, logger });
    await runner.start();
  });
  afterAll(async () => {
    await runner?.stop();
    await f?.mongo.close();
  });

  it('resumes on its outside event, and a second copy of that event changes nothing', async () => {
    await send(f, gateStart('w-approve', 30 * MINUTE));
    await until(f, 'w-approve', 'GateWaiting');
    // What `healctl waiting` shows: the run, its beat, what it waits for and until when.
    await waitFor(async () => (await f.waits.waiting()).some((w) => w.incidentId === 'w-approve'), {
      timeoutMs: 30_000,
    });
    const shown = (await f.waits.waiting()).find((w) => w.incidentId === 'w-approve')!;
    expect(shown).toMatchObject({ stage: 'demo.gate', handler: 'gate', for: ['GateApproveCommand'] });
    expect(shown.until).toBeGreaterThan(Date.now() + 20 * MINUTE);

    const approval = gateApprove('w-approve', 'alice');
    await send(f, approval);
    const events = await until(f, 'w-approve', 'GateClosed');
    expect(typesOf(events)).toEqual([
      [1, 'GateOpened'],
      [2, 'GateWaiting'],
      [3, 'GatePassed'],
      [4, 'GateClosed'],
    ]);
    expect(events[2]?.payload).toEqual({ by: 'approval', approver: 'alice' });
    expect(events[2]?.meta.causationId).toBe(approval.meta.eventId);
    await waitFor(async () => !(await f.waits.waiting()).some((w) => w.incidentId === 'w-approve'), {
      timeoutMs: 30_000,
    });

    // The same approval again, byte for byte: no beat runs, nothing is emitted.
    await send(f, approval);
    await waitFor(() => caughtUp(f), { timeoutMs: 60_000 });
    expect(typesOf(await eventsOf(f, f.topics.stage, 'w-approve'))).toEqual(typesOf(events));
    expect(await runsOf(f, 'w-approve', 'gate')).toBe(2);
  });

  it('resumes on its deadline, once, however often the wake-up is delivered', async () => {
    await send(f, gateStart('w-deadline', 1_500));
    const events = await until(f, 'w-deadline', 'GateClosed');
    expect(typesOf(events)).toEqual([
      [1, 'GateOpened'],
      [2, 'GateWaiting'],
      [3, 'GatePassed'],
      [4, 'GateClosed'],
    ]);
    expect(events[2]?.payload).toEqual({ by: 'deadline', approver: null });
    const wakeUps = (await eventsOf(f, f.topics.commands, 'w-deadline')).filter(
      (e) => e.meta.type === 'WakeUpCommand',
    );
    expect(wakeUps.length).toBeGreaterThanOrEqual(1);
    expect(events[2]?.meta.causationId).toBe(wakeUps[0]!.meta.eventId);

    // A scheduler that fired and died before marking the wait fired fires again after its restart: the same
    // wake-up, the same id. It finds the run past its wait and changes nothing.
    const stored = (await f.waits.collection.findOne({ incidentId: 'w-deadline' }))!;
    expect(wakeUpCommand(stored, 'another-instance').meta.eventId).toBe(wakeUps[0]!.meta.eventId);
    await send(f, wakeUpCommand(stored, 'another-instance'));
    // A late approval after the deadline passed changes nothing either.
    await send(f, gateApprove('w-deadline', 'bob'));
    await waitFor(() => caughtUp(f), { timeoutMs: 60_000 });
    expect(typesOf(await eventsOf(f, f.topics.stage, 'w-deadline'))).toEqual(typesOf(events));
    expect(await runsOf(f, 'w-deadline', 'gate')).toBe(2);
  });

  it('goes on with other runs while one waits', async () => {
    await send(f, gateStart('w-long', 60 * MINUTE));
    await until(f, 'w-long', 'GateWaiting');
    await send(f, gateStart('w-short', 500));
    const events = await until(f, 'w-short', 'GateClosed');
    expect(events.at(-1)?.payload).toEqual({ by: 'deadline' });
    expect(typesOf(await eventsOf(f, f.topics.stage, 'w-long'))).toEqual([
      [1, 'GateOpened'],
      [2, 'GateWaiting'],
    ]);
  });
});

describe('a run that waits, its service killed with SIGKILL while it waits', () => {
  let f: Fixture;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    f = await fixture();
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await f?.mongo.close();
  });

  function startService(): Promise<ChildProcess> {
    const e = testEndpoints();
    const proc = fork(join(import.meta.dirname, 'src/waitStage.ts'), [], {
      execArgv: ['--import', 'tsx', '--conditions=development'],
      env: {
        ...process.env,
        KAFKA_BROKERS: e.kafkaBrokers.join(','),
        SCHEMA_REGISTRY_URL: e.schemaRegistryUrl,
        MONGODB_URI: e.mongodbUri,
        GATE_PREFIX: f.prefix,
        GATE_DB: f.db.databaseName,
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child = proc;
    return new Promise((resolve, reject) => {
      proc.once('message', () => resolve(proc));
      proc.once('exit', (code, signal) => reject(new Error(`service exited early (${code ?? signal})`)));
    });
  }

  const exited = (proc: ChildProcess) => new Promise<void>((resolve) => proc.once('exit', () => resolve()));

  it('wakes on its timer after the restart, once', async () => {
    let proc = await startService();
    // Long enough to be killed while waiting, short enough for the test.
    await send(f, gateStart('w-kill', 8_000));
    await until(f, 'w-kill', 'GateWaiting');
    await waitFor(async () => (await f.waits.waiting()).some((w) => w.incidentId === 'w-kill'), {
      timeoutMs: 30_000,
    });
    const gone = exited(proc);
    proc.kill('SIGKILL');
    await gone;
    expect(typesOf(await eventsOf(f, f.topics.stage, 'w-kill'))).toEqual([
      [1, 'GateOpened'],
      [2, 'GateWaiting'],
    ]);

    proc = await startService();
    const events = await until(f, 'w-kill', 'GateClosed');
    const stopped = exited(proc);
    proc.kill('SIGTERM');
    await stopped;
    expect(typesOf(events)).toEqual([
      [1, 'GateOpened'],
      [2, 'GateWaiting'],
      [3, 'GatePassed'],
      [4, 'GateClosed'],
    ]);
    expect(events[2]?.payload).toEqual({ by: 'deadline', approver: null });
    expect(await runsOf(f, 'w-kill', 'gate')).toBe(2);
    expect(await runsOf(f, 'w-kill', 'close')).toBe(1);
  });
});
