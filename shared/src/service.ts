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
import { Lease } from './mongo/lease.js';
import { createMetrics, startHttp } from './observability.js';
import { StageRunner, type StageDefinition } from './runner/stageRunner.js';

export interface RunningService {
  runner: StageRunner;
  http: Server;
  logger: Logger;
  /**
   * Resolves true once the stage consumes, false if it was stopped first. Immediate for most stages; an exclusive
   * stage's standby resolves when it takes the lease over.
   */
  active: Promise<boolean>;
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
  let stopping: Promise<void> | null = null;
  const lease = definition.exclusive
    ? new Lease(db, `${config.TOPIC_PREFIX}${definition.stage}`, {
        ttlMs: options.sessionTimeoutMs ?? config.SESSION_TIMEOUT_MS,
        holder: `${name}/${hostname()}/${config.SERVICE_INSTANCE_ID}`,
        onLost: (reason) => {
          // Another instance is active now: this one must stop consuming at once. A main process exits so that its
          // supervisor starts it again, as a standby.
          logger.error({ reason }, `${name} lost its lease; stopping`);
          void stop().finally(() => {
            if (options.handleSignals !== false) process.exit(1);
          });
        },
      })
    : null;
  const http = await startHttp(config.HTTP_PORT, metrics, {
    // A standby is healthy: it is waiting on purpose.
    consumer: async () =>
      lease && !lease.isHeld && !stopping ? { ok: true, role: 'standby' } : { ok: consuming },
    mongodb: async () => ({ ok: (await db.command({ ping: 1 })).ok === 1 }),
  });
  const address = http.address();
  const port = typeof address === 'object' ? address?.port : address;
  const begin = async (): Promise<boolean> => {
    if (lease) {
      logger.info(
        { port, lease: lease.name },
        `${name} waiting for its lease (one active instance at a time)`,
      );
      const held = await lease.acquire((error) =>
        logger.warn({ err: error }, 'lease store unreachable; retrying'),
      );
      if (!held || stopping) return false;
    }
    await runner.start();
    consuming = true;
    logger.info({ port }, `${name} running`);
    return true;
  };
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      consuming = false;
      await lease
        ?.release()
        .catch((error: unknown) => logger.warn({ err: error }, 'releasing the lease failed'));
      await runner.stop();
      await definition
        .close?.()
        .catch((error: unknown) => logger.warn({ err: error }, 'releasing the stage handlers failed'));
      await closeQuietly(client);
      await new Promise((resolve) => http.close(resolve));
    })());
  // Without a lease the service is consuming when this returns, as before; a standby returns at once and starts
  // consuming in the background when it takes over.
  const active = lease ? begin() : Promise.resolve(await begin());
  active.catch((error: unknown) => {
    logger.error({ err: error }, `${name} could not start consuming`);
    void stop();
  });
  if (options.handleSignals !== false) stopOnSignals([{ stop }], logger);
  return { runner, http, logger, active: active.catch(() => false), stop };
}

async function closeQuietly(client: MongoClient): Promise<void> {
  await client.close().catch(() => undefined);
}
