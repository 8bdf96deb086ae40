import type { Kafka } from 'kafkajs';
import type { Db } from 'mongodb';
import {
  connectMongo,
  createKafka,
  createLogger,
  createPlatformCodec,
  platformTopicNames,
  type Logger,
  type RegistryCodec,
  type TopicNames,
} from '@self-healing/shared';
import { localInfraStatus, type Endpoints } from '@self-healing/infra';
import { CliError } from './output.js';

/** On stderr: stdout carries only results (with `--json`, only the JSON), kafkajs's warnings included. */
export const logger: Logger = createLogger('healctl', process.env.LOG_LEVEL ?? 'warn', 2);

/** The platform's topics under `TOPIC_PREFIX` (empty by default), as the services see them. */
export function topicPrefix(): string {
  return process.env.TOPIC_PREFIX ?? '';
}

export function topicNames(): TopicNames {
  return platformTopicNames(topicPrefix());
}

export function codecFor(registryUrl: string): RegistryCodec {
  return createPlatformCodec(registryUrl, topicPrefix());
}

/**
 * Where the servers are: the environment (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, MONGODB_URI) when set, else the
 * local infrastructure started by `healctl infra up`. Never starts anything by itself.
 */
export async function endpoints(): Promise<Endpoints> {
  const { KAFKA_BROKERS, SCHEMA_REGISTRY_URL, MONGODB_URI } = process.env;
  if (KAFKA_BROKERS && SCHEMA_REGISTRY_URL && MONGODB_URI) {
    return {
      kafkaBrokers: KAFKA_BROKERS.split(',').map((b) => b.trim()),
      schemaRegistryUrl: SCHEMA_REGISTRY_URL,
      mongodbUri: MONGODB_URI,
    };
  }
  const status = await localInfraStatus();
  if (status.running && status.endpoints) return status.endpoints;
  throw new CliError(
    'no servers to talk to: set KAFKA_BROKERS, SCHEMA_REGISTRY_URL and MONGODB_URI, or start the local ones with `npm run healctl -- infra up`',
    3,
  );
}

export function mongoDbName(): string {
  return process.env.MONGODB_DB ?? 'self_healing';
}

export async function withKafka<T>(fn: (kafka: Kafka, e: Endpoints) => Promise<T>): Promise<T> {
  const e = await endpoints();
  return fn(createKafka('healctl', e.kafkaBrokers, logger), e);
}

export async function withMongo<T>(fn: (db: Db, e: Endpoints) => Promise<T>): Promise<T> {
  const e = await endpoints();
  const { client, db } = await connectMongo(e.mongodbUri, mongoDbName());
  try {
    return await fn(db, e);
  } finally {
    await client.close();
  }
}
