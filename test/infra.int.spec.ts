// The servers themselves, through the plain client libraries the project builds on: if these fail, nothing above
// them can work, and the failure says which server and which feature. Each test names its own topics, groups,
// subjects and databases, so files can share the servers and run in any order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import type { Consumer, EachMessagePayload } from 'kafkajs';
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { MongoClient, MongoServerError } from 'mongodb';
import { testEndpoints, testForge, uniqueName, waitFor } from './src/endpoints.js';

type Received = { key: string; value: string; partition: number; offset: string };

function kafkaClient(): Kafka {
  return new Kafka({
    clientId: uniqueName('infra_test'),
    brokers: testEndpoints().kafkaBrokers,
    // kafkajs logs its own retries (coordinator loading on the first transaction) as errors; failures surface as throws.
    logLevel: logLevel.NOTHING,
  });
}

async function createTopic(kafka: Kafka, topic: string, numPartitions = 1): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/** Reads a topic from the start with a fresh group until `count` messages arrived (or waitFor times out). */
async function readAll(
  kafka: Kafka,
  topic: string,
  count: number,
  opts: { readUncommitted?: boolean; settleMs?: number } = {},
): Promise<Received[]> {
  const received: Received[] = [];
  const consumer: Consumer = kafka.consumer({
    groupId: uniqueName('reader'),
    readUncommitted: opts.readUncommitted ?? false,
    maxWaitTimeInMs: 200,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message, partition }: EachMessagePayload) => {
        received.push({
          key: message.key?.toString() ?? '',
          value: message.value?.toString() ?? '',
          partition,
          offset: message.offset,
        });
      },
    });
    await waitFor(() => received.length >= count, {
      timeoutMs: 30_000,
      message: `${count} messages from ${topic}`,
    });
    return received;
  } finally {
    await consumer.disconnect();
  }
}

describe('Kafka', () => {
  it('delivers produced messages to a consumer group, in order per key', async () => {
    const kafka = kafkaClient();
    const topic = uniqueName('plain');
    await createTopic(kafka, topic, 3);

    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const messages = Array.from({ length: 30 }, (_, i) => ({ key: `k${i % 3}`, value: `v${i}` }));
    await producer.send({ topic, messages });
    await producer.disconnect();

    const received = await readAll(kafka, topic, messages.length);
    expect(received.map((m) => m.value).sort()).toEqual(messages.map((m) => m.value).sort());
    for (const key of ['k0', 'k1', 'k2']) {
      const sent = messages.filter((m) => m.key === key).map((m) => m.value);
      const got = received.filter((m) => m.key === key);
      expect(got.map((m) => m.value)).toEqual(sent);
      // One key, one partition.
      expect(new Set(got.map((m) => m.partition)).size).toBe(1);
    }
  });

  it('commits a transaction with sendOffsets for read_committed readers and hides an aborted one', async () => {
    const kafka = kafkaClient();
    const input = uniqueName('tx_in');
    const output = uniqueName('tx_out');
    const group = uniqueName('tx_group');
    await createTopic(kafka, input);
    await createTopic(kafka, output);

    const plain = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await plain.connect();
    await plain.send({ topic: input, messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] });
    await plain.disconnect();

    const producer = kafka.producer({
      transactionalId: uniqueName('tx'),
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    try {
      // Consume-transform-produce: output and input offsets commit together or not at all.
      const committed = await producer.transaction();
      await committed.send({
        topic: output,
        messages: [
          { key: 'x', value: 'committed-1' },
          { key: 'x', value: 'committed-2' },
        ],
      });
      await committed.sendOffsets({
        consumerGroupId: group,
        topics: [{ topic: input, partitions: [{ partition: 0, offset: '3' }] }],
      });
      await committed.commit();

      const aborted = await producer.transaction();
      await aborted.send({ topic: output, messages: [{ key: 'x', value: 'aborted-1' }] });
      await aborted.sendOffsets({
        consumerGroupId: group,
        topics: [{ topic: input, partitions: [{ partition: 0, offset: '1' }] }],
      });
      await aborted.abort();

      const after = await producer.transaction();
      await after.send({ topic: output, messages: [{ key: 'x', value: 'committed-3' }] });
      await after.commit();
    } finally {
      await producer.disconnect();
    }

    // read_committed: the third committed message comes after the aborted one, so seeing it proves we read past it.
    const committedView = await readAll(kafka, output, 3);
    expect(committedView.map((m) => m.value)).toEqual(['committed-1', 'committed-2', 'committed-3']);

    // The aborted record is really in the log: a read_uncommitted reader sees it. So its absence above is the
    // isolation level at work, not a lost write.
    const uncommittedView = await readAll(kafka, output, 4, { readUncommitted: true });
    expect(uncommittedView.map((m) => m.value)).toContain('aborted-1');

    const admin = kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchOffsets({ groupId: group, topics: [input] });
      expect(offsets).toEqual([
        { topic: input, partitions: [expect.objectContaining({ partition: 0, offset: '3' })] },
      ]);
    } finally {
      await admin.disconnect();
    }
  });
});

describe('Schema Registry (Confluent API)', () => {
  const v1 = {
    type: 'record',
    name: 'Probe',
    namespace: 'selfhealing.test',
    fields: [
      { name: 'id', type: 'string' },
      { name: 'count', type: 'int' },
    ],
  };
  // Adding a field with a default is BACKWARD compatible: new readers can read old data.
  const v2 = { ...v1, fields: [...v1.fields, { name: 'note', type: 'string', default: '' }] };
  // Adding a field without a default is not: a v3 reader cannot fill it from v2 data.
  const v3 = { ...v1, fields: [...v2.fields, { name: 'severity', type: 'int' }] };

  it('registers an Avro schema, encodes and decodes with it, evolves compatibly and refuses an incompatible change', async () => {
    const registry = new SchemaRegistry({ host: testEndpoints().schemaRegistryUrl });
    const subject = `${uniqueName('probe')}-value`;
    const opts = { subject, compatibility: COMPATIBILITY.BACKWARD };

    const { id: id1 } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(v1) }, opts);
    // Registering the same schema again is idempotent.
    expect((await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(v1) }, opts)).id).toBe(
      id1,
    );

    const encoded = await registry.encode(id1, { id: 'inc-1', count: 3 });
    // Confluent wire format: magic byte 0, then the schema id (big-endian int32), then Avro.
    expect(encoded[0]).toBe(0);
    expect(encoded.readInt32BE(1)).toBe(id1);
    expect(await registry.decode(encoded)).toEqual({ id: 'inc-1', count: 3 });

    const { id: id2 } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(v2) }, opts);
    expect(id2).not.toBe(id1);
    expect(await registry.getLatestSchemaId(subject)).toBe(id2);
    expect(await registry.decode(await registry.encode(id2, { id: 'inc-2', count: 1, note: 'n' }))).toEqual({
      id: 'inc-2',
      count: 1,
      note: 'n',
    });

    await expect(
      registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(v3) }, opts),
    ).rejects.toThrow(/incompatible/i);
    expect(await registry.getLatestSchemaId(subject)).toBe(id2);
  });
});

describe('MongoDB wire protocol', () => {
  let client: MongoClient;
  const databases: string[] = [];

  beforeAll(async () => {
    client = new MongoClient(testEndpoints().mongodbUri, { serverSelectionTimeoutMS: 10_000 });
    await client.connect();
  });

  afterAll(async () => {
    for (const name of databases)
      await client
        .db(name)
        .dropDatabase()
        .catch(() => undefined);
    await client.close();
  });

  function freshDb() {
    const name = uniqueName('infra');
    databases.push(name);
    return client.db(name);
  }

  type Doc = { _id: string; version: number; status: string; key?: string };

  it('upserts, finds, and enforces a unique index', async () => {
    const col = freshDb().collection<Doc>('incidents');
    await col.createIndex({ key: 1 }, { unique: true });

    const first = await col.updateOne(
      { _id: 'i1' },
      { $set: { status: 'open' }, $setOnInsert: { version: 1, key: 'k1' } },
      { upsert: true },
    );
    expect(first.upsertedCount).toBe(1);
    const second = await col.updateOne(
      { _id: 'i1' },
      { $set: { status: 'diagnosing' }, $setOnInsert: { version: 1, key: 'k1' } },
      { upsert: true },
    );
    expect(second.matchedCount).toBe(1);
    expect(second.upsertedCount).toBe(0);

    await col.insertOne({ _id: 'i2', version: 1, status: 'open', key: 'k2' });
    expect(await col.find({}).sort({ _id: 1 }).toArray()).toEqual([
      { _id: 'i1', version: 1, status: 'diagnosing', key: 'k1' },
      { _id: 'i2', version: 1, status: 'open', key: 'k2' },
    ]);

    const duplicate = await col
      .insertOne({ _id: 'i3', version: 1, status: 'open', key: 'k1' })
      .catch((e: unknown) => e);
    expect(duplicate).toBeInstanceOf(MongoServerError);
    expect((duplicate as MongoServerError).code).toBe(11000);
    expect(await col.countDocuments()).toBe(2);
  });

  it('applies a version-guarded update once and refuses the stale version', async () => {
    const col = freshDb().collection<Doc>('incidents');
    await col.insertOne({ _id: 'i1', version: 1, status: 'open' });

    const guarded = (expected: number, status: string) =>
      col.findOneAndUpdate(
        { _id: 'i1', version: expected },
        { $set: { status }, $inc: { version: 1 } },
        { returnDocument: 'after' },
      );

    expect(await guarded(1, 'diagnosing')).toEqual({ _id: 'i1', version: 2, status: 'diagnosing' });
    // A writer that read version 1 before the update above loses: nothing matches, nothing changes.
    expect(await guarded(1, 'stale-write')).toBeNull();
    const stale = await col.updateOne(
      { _id: 'i1', version: 1 },
      { $set: { status: 'stale' }, $inc: { version: 1 } },
    );
    expect(stale.matchedCount).toBe(0);
    expect(await col.findOne({ _id: 'i1' })).toEqual({ _id: 'i1', version: 2, status: 'diagnosing' });
  });
});

describe('Forge (Gitea REST API, plain fetch)', () => {
  it('answers its version without a token, and the provided token is an admin account that a wrong token is not', async () => {
    const { url, token } = testForge();
    const version = await fetch(`${url}/api/v1/version`);
    expect(version.status).toBe(200);
    expect(((await version.json()) as { version: string }).version).toMatch(/^\d+\.\d+\.\d+/);

    const me = await fetch(`${url}/api/v1/user`, { headers: { authorization: `token ${token}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ is_admin: true });

    const wrong = await fetch(`${url}/api/v1/user`, {
      headers: { authorization: `token ${'0'.repeat(40)}` },
    });
    expect(wrong.status).toBe(401);
  });
});
