import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import type { Db, MongoClient } from 'mongodb';
import {
  connectMongo,
  createKafka,
  createLogger,
  createPlatformCodec,
  ensureTopics,
  platformTopicNames,
  platformTopics,
  type RegistryCodec,
  type TopicNames,
} from '@self-healing/shared';
import { testEndpoints, uniqueName } from './endpoints.js';

/**
 * An isolated deployment on the shared test servers: its own topic prefix (topics created, schemas registered
 * under prefixed subjects), its own MongoDB database and log root. Services started with `serviceEnv(env)` see
 * only this environment, so test files run side by side without reading each other's records.
 */
export interface TestEnvironment {
  prefix: string;
  topics: TopicNames;
  kafka: Kafka;
  codec: RegistryCodec;
  mongo: MongoClient;
  db: Db;
  dbName: string;
  logRoot: string;
}

export async function testEnvironment(name: string): Promise<TestEnvironment> {
  const e = testEndpoints();
  const prefix = `${uniqueName(name)}.`;
  const kafka = createKafka(prefix, e.kafkaBrokers, createLogger(`${name}-test`, 'warn'));
  await ensureTopics(kafka, platformTopics(prefix));
  const dbName = prefix.replace(/\W/g, '_').slice(0, 60);
  const { client, db } = await connectMongo(e.mongodbUri, dbName);
  const codec = createPlatformCodec(e.schemaRegistryUrl, prefix);
  await codec.registerAll();
  return {
    prefix,
    topics: platformTopicNames(prefix),
    kafka,
    codec,
    mongo: client,
    db,
    dbName,
    logRoot: mkdtempSync(join(tmpdir(), 'logs-')),
  };
}

/** The environment variables a service process (or an in-process service's config) needs to live in `env`. */
export function serviceEnv(env: TestEnvironment, extra: Record<string, string> = {}): Record<string, string> {
  const e = testEndpoints();
  return {
    KAFKA_BROKERS: e.kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: e.schemaRegistryUrl,
    MONGODB_URI: e.mongodbUri,
    MONGODB_DB: env.dbName,
    TOPIC_PREFIX: env.prefix,
    LOG_ROOT: env.logRoot,
    LOG_LEVEL: process.env.TEST_SERVICE_LOG_LEVEL ?? 'warn',
    // A killed instance's partitions move after this long; short, so restart tests do not wait 30 s.
    SESSION_TIMEOUT_MS: '6000',
    RETRY_BACKOFF_MS: '50',
    ...extra,
  };
}
