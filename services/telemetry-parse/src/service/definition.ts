import type { Kafka } from 'kafkajs';
import type { Db } from 'mongodb';
import { stageMachines } from '@self-healing/machines';
import type { Logger, StageDefinition, TopicNames } from '@self-healing/shared';
import { telemetryParseHandlers, type TelemetryParseSettings } from './handlers.js';
import { DecodePool } from './decode-pool.js';

export function telemetryParseDefinition(deps: {
  kafka: Kafka;
  db: Db;
  settings: TelemetryParseSettings;
  topics: TopicNames;
  logger?: Logger;
}): StageDefinition {
  const { machine, version } = stageMachines['telemetry.parse'];
  const decoders = new DecodePool(deps.settings.decodeWorkers, (reason) =>
    deps.logger?.warn({ reason }, 'decoding on the beat thread from now on'),
  );
  return {
    stage: 'telemetry.parse',
    machine,
    machineVersion: version,
    firstBeatState: 'parseTelemetryRequested',
    stageTopic: deps.topics.telemetryParseEvents,
    triggerTopics: [deps.topics.commands],
    handlers: telemetryParseHandlers({ ...deps, decoders }),
    failedEventType: 'TelemetryParseFailed',
    close: () => decoders.close(),
  };
}
