import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { Logger } from '../logger.js';

/** A kafkajs client whose own logs go through pino (warnings and errors only; kafkajs is chatty). */
export function createKafka(clientId: string, brokers: string[], logger?: Logger): Kafka {
  // We key every record, so kafkajs's partitioner change is irrelevant; its warning is noise in our logs.
  process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      if (!logger) return;
      const { message, ...rest } = entry.log;
      const line = { kafkajs: entry.namespace, ...rest };
      if (entry.level <= logLevel.ERROR) logger.error(line, message);
      else logger.warn(line, message);
    },
    retry: { retries: 8, initialRetryTime: 200 },
  });
}
