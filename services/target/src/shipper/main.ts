/**
 * The log shipper as its own process (what `healctl target up` runs next to the deployer): follows the
 * instances' log files and produces their lines to the raw telemetry topic until SIGTERM.
 *   LOG_DIR=<target>/logs CHECKPOINT_FILE=<target>/shipper.json KAFKA_BROKERS=... [TOPIC_PREFIX=...] tsx main.ts
 */
import { z } from 'zod';
import { topicNames } from '@self-healing/schemas';
import { configOrExit, createKafka, createLogger, loadConfig } from '@self-healing/shared';
import { LogShipper } from './shipper.js';

const config = configOrExit(
  () =>
    loadConfig(
      z.object({
        KAFKA_BROKERS: z
          .string()
          .min(1)
          .transform((s) => s.split(',').map((b) => b.trim())),
        TOPIC_PREFIX: z
          .string()
          .regex(/^[a-zA-Z0-9._-]*$/)
          .default(''),
        LOG_DIR: z.string().min(1),
        CHECKPOINT_FILE: z.string().min(1),
        MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(64).default(4),
        LOG_LEVEL: z.string().default('info'),
      }),
    ),
  'log-shipper',
);

const logger = createLogger('log-shipper', config.LOG_LEVEL);
const kafka = createKafka('log-shipper', config.KAFKA_BROKERS, logger);
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
await producer.connect();
const shipper = new LogShipper({
  logDir: config.LOG_DIR,
  checkpointFile: config.CHECKPOINT_FILE,
  topic: `${config.TOPIC_PREFIX}${topicNames.telemetryRaw}`,
  producer,
  maxInFlight: config.MAX_IN_FLIGHT,
  onShipped: (file, lines, offset) => logger.debug({ file, lines, offset }, 'shipped'),
  onError: (error) => logger.warn({ err: error }, 'shipping failed; retrying'),
});
shipper.start();
logger.info({ logDir: config.LOG_DIR }, 'shipping');
const shutdown = async () => {
  await shipper.stop();
  await producer.disconnect();
  process.exit(0);
};
process.once('SIGTERM', () => void shutdown());
process.once('SIGINT', () => void shutdown());
