import type { Kafka } from 'kafkajs';
import type { Db } from 'mongodb';
import { defineStage, type Logger, type StageDefinition, type TopicNames } from '@self-healing/shared';
import { telemetryParseBeats } from '../beats/index.js';
import { DecodePool } from './decode-pool.js';
import { TelemetryParseDeps, type TelemetryParseSettings } from './deps.js';

export function telemetryParseDefinition(deps: {
  kafka: Kafka;
  db: Db;
  settings: TelemetryParseSettings;
  topics: TopicNames;
  logger?: Logger;
}): StageDefinition {
  const decoders = new DecodePool(deps.settings.decodeWorkers, (reason) =>
    deps.logger?.warn({ reason }, 'decoding on the beat thread from now on'),
  );
  return defineStage('telemetry.parse', telemetryParseBeats, {
    deps: new TelemetryParseDeps(deps.kafka, deps.db, deps.settings, deps.topics, decoders),
    topics: deps.topics,
    close: () => decoders.close(),
  });
}
