import type { Kafka } from 'kafkajs';
import type { Db } from 'mongodb';
import { stageMachines } from '@self-healing/machines';
import { topicNames } from '@self-healing/schemas';
import type { StageDefinition } from '@self-healing/shared';
import { telemetryParseHandlers, type TelemetryParseSettings } from './handlers.js';

export function telemetryParseDefinition(deps: { kafka: Kafka; db: Db; settings: TelemetryParseSettings }): StageDefinition {
  const { machine, version } = stageMachines['telemetry.parse'];
  return {
    stage: 'telemetry.parse',
    machine,
    machineVersion: version,
    firstBeatState: 'parseTelemetryRequested',
    stageTopic: topicNames.telemetryParseEvents,
    triggerTopics: [topicNames.commands],
    handlers: telemetryParseHandlers(deps),
    failedEventType: 'TelemetryParseFailed',
  };
}
