import { hostname } from 'node:os';
import {
  baseConfigSchema,
  configOrExit,
  connectMongo,
  createKafka,
  createLogger,
  createMetrics,
  createPlatformCodec,
  ensureTopics,
  loadConfig,
  platformTopicNames,
  platformTopics,
  startHttp,
  stopOnSignals,
} from '@self-healing/shared';
import { createProjector } from './projector.js';
import { incidentStateTarget, projectedTopicsOf } from './topics.js';

/** The projector: every stage's events into the incidents collection. `node dist/main.js`. */
const config = configOrExit(() => loadConfig(baseConfigSchema), 'projector');
const logger = createLogger('projector', config.LOG_LEVEL);
const kafka = createKafka('projector', config.KAFKA_BROKERS, logger);
const { client, db } = await connectMongo(config.MONGODB_URI, config.MONGODB_DB);
await ensureTopics(kafka, platformTopics(config.TOPIC_PREFIX));
const topics = platformTopicNames(config.TOPIC_PREFIX);
const metrics = createMetrics('projector');
const projector = createProjector({
  kafka,
  db,
  codec: createPlatformCodec(config.SCHEMA_REGISTRY_URL, config.TOPIC_PREFIX),
  logger,
  metrics,
  topics: projectedTopicsOf(topics),
  dlqTopic: topics.deadLetter,
  groupId: `${config.TOPIC_PREFIX}projector`,
  transactionalId: `${config.TOPIC_PREFIX}projector.${config.SERVICE_INSTANCE_ID}`,
  sessionTimeoutMs: config.SESSION_TIMEOUT_MS,
  incidentState: incidentStateTarget(config.TOPIC_PREFIX),
});
let consuming = false;
const http = await startHttp(config.HTTP_PORT, metrics, { consumer: async () => ({ ok: consuming }) });
await projector.start();
consuming = true;
logger.info({ host: hostname() }, 'projector running');
stopOnSignals(
  [
    {
      stop: async () => {
        consuming = false;
        await projector.stop();
        await client.close();
        http.close();
      },
    },
  ],
  logger,
);
