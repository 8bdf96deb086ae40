/**
 * The target agent process, started detached by `healctl target up`:
 *   TARGET_CATALOGUE=<file> TARGET_SERVICE=<name> TARGET_STATE_DIR=<dir> TARGET_CACHE_DIR=<dir>
 *   [KAFKA_BROKERS=... SCHEMA_REGISTRY_URL=... TOPIC_PREFIX=...] [TARGET_ENVIRONMENT=local]
 * Without Kafka it deploys and supervises but neither ships logs nor publishes deployment records.
 */
import { z } from 'zod';
import { deploymentRecordedSubject, topicNames } from '@self-healing/schemas';
import {
  configOrExit,
  createKafka,
  createLogger,
  createPlatformCodec,
  ensureTopics,
  loadConfig,
  platformTopics,
} from '@self-healing/shared';
import { CatalogueError, loadCatalogue, serviceOf } from '@self-healing/shared/catalogue';
import { KafkaDeploymentRecorder } from '../deployer/kafkaRecorder.js';
import { startAgent } from './agent.js';

const config = configOrExit(
  () =>
    loadConfig(
      z.object({
        TARGET_CATALOGUE: z.string().min(1),
        TARGET_SERVICE: z.string().min(1),
        TARGET_STATE_DIR: z.string().min(1),
        TARGET_CACHE_DIR: z.string().min(1),
        TARGET_ENVIRONMENT: z.string().min(1).default('local'),
        KAFKA_BROKERS: z.string().optional(),
        SCHEMA_REGISTRY_URL: z.string().url().optional(),
        TOPIC_PREFIX: z
          .string()
          .regex(/^[a-zA-Z0-9._-]*$/)
          .default(''),
        LOG_LEVEL: z.string().default('info'),
      }),
    ),
  'target-agent',
);
const logger = createLogger('target-agent', config.LOG_LEVEL);

let entry;
try {
  entry = serviceOf(loadCatalogue(config.TARGET_CATALOGUE), config.TARGET_SERVICE);
} catch (error) {
  // A bad catalogue stops the agent at start-up, naming every bad field.
  process.stderr.write(`target-agent: ${(error as Error).message}\n`);
  process.exit(error instanceof CatalogueError ? 2 : 1);
}

let producer = null;
let recorder;
let shipping;
if (config.KAFKA_BROKERS && config.SCHEMA_REGISTRY_URL) {
  const kafka = createKafka('target-agent', config.KAFKA_BROKERS.split(','), logger);
  // The two topics the target writes, with the catalogue's partitions and retention (no broker auto-creation).
  const mine = new Set(
    [topicNames.telemetryRaw, topicNames.deployments].map((t) => `${config.TOPIC_PREFIX}${t}`),
  );
  await ensureTopics(
    kafka,
    platformTopics(config.TOPIC_PREFIX).filter((t) => mine.has(t.name)),
  );
  producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const codec = createPlatformCodec(config.SCHEMA_REGISTRY_URL, config.TOPIC_PREFIX);
  recorder = new KafkaDeploymentRecorder(
    producer,
    codec,
    `${config.TOPIC_PREFIX}${topicNames.deployments}`,
    `${config.TOPIC_PREFIX}${deploymentRecordedSubject}`,
  );
  shipping = { producer, topic: `${config.TOPIC_PREFIX}${topicNames.telemetryRaw}` };
}

const agent = await startAgent({
  service: config.TARGET_SERVICE,
  entry,
  stateDir: config.TARGET_STATE_DIR,
  cacheDir: config.TARGET_CACHE_DIR,
  environment: config.TARGET_ENVIRONMENT,
  ...(recorder ? { recorder } : {}),
  ...(shipping ? { shipping } : {}),
  log: (line) => logger.info(line),
});

const exit = async () => {
  // SIGTERM leaves the service running (HAProxy and the instances outlive the agent); `down` stops them.
  await agent.close();
  await producer?.disconnect();
  process.exit(0);
};
process.once('SIGTERM', () => void exit());
process.once('SIGINT', () => void exit());
await agent.stopped;
await producer?.disconnect();
process.exit(0);
