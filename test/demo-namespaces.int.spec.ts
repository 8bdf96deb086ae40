import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMongo, createKafka, ensureTopics } from '@self-healing/shared';
import { listDemoNamespaces, newDemoNamespace, removeDemoNamespace } from '@self-healing/cli';
import type { MongoClient } from 'mongodb';
import { testEndpoints } from './src/endpoints.js';

/**
 * What `npm run demo` leaves behind (a database, topics, a consumer group and registry subjects under one
 * namespace) is found on the real servers and removed completely. The namespace is stamped in the year 2000 so
 * that it is the oldest on a shared server, and only it is removed.
 */
describe('demo namespaces on the real servers', () => {
  const e = () => testEndpoints();
  const name = newDemoNamespace(new Date('2000-01-01T00:00:00Z'), randomBytes(2).toString('hex'));
  const topic = `${name}.selfhealing.commands`;
  const group = `${name}.projector`;
  const subject = `${topic}-selfhealing.Test`;
  let mongo: MongoClient;

  beforeAll(async () => {
    const { client, db } = await connectMongo(e().mongodbUri, name);
    mongo = client;
    await db.collection('incidents').insertOne({ _id: 'run-1' } as never);
    const kafka = createKafka('demo-ns-test', e().kafkaBrokers);
    await ensureTopics(kafka, [{ name: topic, partitions: 1, config: {} }]);
    const admin = kafka.admin();
    await admin.connect();
    await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '0' }] });
    await admin.disconnect();
    const res = await fetch(`${e().schemaRegistryUrl}/subjects/${encodeURIComponent(subject)}/versions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: JSON.stringify({ type: 'record', name: 'Test', fields: [] }) }),
    });
    expect(res.ok).toBe(true);
  });

  afterAll(async () => {
    await mongo?.close();
  });

  const servers = () => ({
    kafka: createKafka('demo-ns-test', e().kafkaBrokers),
    mongo,
    registryUrl: e().schemaRegistryUrl,
  });

  it('given a demo run left its namespace, lists it with its database, topic, group and subject, then removes all of them', async () => {
    const found = (await listDemoNamespaces(servers())).find((n) => n.name === name);
    expect(found).toEqual({ name, database: true, topics: [topic], groups: [group], subjects: [subject] });

    await removeDemoNamespace(servers(), found!);

    expect((await listDemoNamespaces(servers())).some((n) => n.name === name)).toBe(false);
    const subjects = (await (
      await fetch(`${e().schemaRegistryUrl}/subjects?deleted=true`)
    ).json()) as string[];
    expect(subjects).not.toContain(subject);
  });
});
