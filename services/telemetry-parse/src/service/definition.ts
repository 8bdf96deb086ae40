import type { Kafka } from 'kafkajs';
import type { Db } from 'mongodb';
import { stageMachines } from '@self-healing/machines';
import type { Logger, StageDefinition, TopicNames } from '@self-healing/shared';
import { telemetryParseHandlers, type TelemetryParseSettings } from './handlers.js';

export function telemetryParseDefinition(deps: {
  kafka: Kafka;
  db: Db;
  settings: TelemetryParseSettings;
  topics: TopicNames;
  logger?: Logger;
}): StageDefinition {
  const { machine, version } = stageMachines['telemetry.parse'];
  return {
    stage: 'telemetry.parse',
    machine,
    machineVersion: version,
    firstBeatState: 'parseTelemetryRequested',
    stageTopic: deps.topics.telemetryParseEvents,
    triggerTopics: [deps.topics.commands],
    handlers: telemetryParseHandlers(deps),
    failedEventType: 'TelemetryParseFailed',
  };
}
