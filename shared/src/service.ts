import { hostname } from 'node:os';
import type { Server } from 'node:http';
import type { Db, MongoClient } from 'mongodb';
import type { BaseConfig } from './config.js';
import { createPlatformCodec, platformTopicNames, platformTopics, type TopicNames } from './contracts.js';
import { ensureTopics } from './kafka/admin.js';
import { createKafka } from './kafka/client.js';
import { stopOnSignals } from './kafka/consumer.js';
import { createLogger, type Logger } from './logger.js';
import { connectMongo } from './mongo/client.js';
import { createMetrics, startHttp } from './observability.js';
import { StageRunner, type StageDefinition } from './runner/stageRunner.js';

export interface RunningService {
  runner: StageRunner;
  http: Server;
  logger: Logger;
  stop(): Promise<void>;
}

/**
 * Starts one stage service: connects, makes sure topics and schemas exist, runs the stage's machine per
 * incident, serves /health and /metrics, and stops cleanly on SIGTERM. Every stage's `main.ts` is this call.
 */
export async function runStageService(
  name: string,
  config: BaseConfig,
  define: (deps: {
    kafka: ReturnType<typeof createKafka>;
    db: Db;
    logger: Logger;
    topics: TopicNames;
  }) => StageDefinition,
  options: { handleSignals?: boolean; sessionTimeoutMs?: number } = {},
): Promise<RunningService> {
  const logger = createLogger(name, config.LOG_LEVEL);
  const kafka = createKafka(name, config.KAFKA_BROKERS, logger);
  const { client, db } = await connectMongo(config.MONGODB_URI, config.MONGODB_DB);
  const topics = platformTopicNames(config.TOPIC_PREFIX);
  await ensureTopics(kafka, platformTopics(config.TOPIC_PREFIX));
  const codec = createPlatformCodec(config.SCHEMA_REGISTRY_URL, config.TOPIC_PREFIX);
  await codec.registerAll();
  const metrics = createMetrics(name);
  const definition = define({ kafka, db, logger, topics });
  const runner = new StageRunner({
    definition,
    kafka,
    db,
    codec,
    logger,
    metrics,
    producer: `${name}/${hostname()}`,
    groupId: `${config.TOPIC_PREFIX}${definition.stage}.runner`,
    transactionalId: `${config.TOPIC_PREFIX}${name}.${config.SERVICE_INSTANCE_ID}`,
    dlqTopic: topics.deadLetter,
    maxAttempts: config.MAX_ATTEMPTS,
    backoffMs: config.RETRY_BACKOFF_MS,
    sessionTimeoutMs: options.sessionTimeoutMs ?? config.SESSION_TIMEOUT_MS,
  });
  let consuming = false;
  const http = await startHttp(config.HTTP_PORT, metrics, {
    consumer: async () => ({ ok: consuming }),
    mongodb: async () => ({ ok: (await db.command({ ping: 1 })).ok === 1 }),
  });
  await runner.start();
  consuming = true;
  const address = http.address();
  logger.info({ port: typeof address === 'object' ? address?.port : address }, `${name} running`);
  const stop = async () => {
    consuming = false;
    await runner.stop();
    await definition
      .close?.()
      .catch((error: unknown) => logger.warn({ err: error }, 'releasing the stage handlers failed'));
    await closeQuietly(client);
    await new Promise((resolve) => http.close(resolve));
  };
  if (options.handleSignals !== false) stopOnSignals([{ stop }], logger);
  return { runner, http, logger, stop };
}

async function closeQuietly(client: MongoClient): Promise<void> {
  await client.close().catch(() => undefined);
}
