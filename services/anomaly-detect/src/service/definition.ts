import type { Db } from 'mongodb';
import { stageMachines } from '@self-healing/machines';
import type { StageDefinition, TopicNames } from '@self-healing/shared';
import { anomalyDetectHandlers, type AnomalyDetectSettings } from './handlers.js';

export function anomalyDetectDefinition(deps: {
  db: Db;
  settings: AnomalyDetectSettings;
  topics: TopicNames;
  producer: string;
}): StageDefinition {
  const { machine, version } = stageMachines['anomaly.detect'];
  return {
    stage: 'anomaly.detect',
    machine,
    machineVersion: version,
    firstBeatState: 'detectAnomaliesRequested',
    stageTopic: deps.topics.anomalyDetectEvents,
    // Operators' commands, and telemetry.parse's completions (a detection run follows every parse run).
    triggerTopics: [deps.topics.commands, deps.topics.telemetryParseEvents],
    handlers: anomalyDetectHandlers(deps),
    failedEventType: 'AnomalyDetectionFailed',
    // The detectors' memory (baselines, learned sequences, open incidents) is one document each run reads and
    // commits whole: two instances detecting at once would overwrite each other's runs. Others wait as standbys.
    exclusive: true,
  };
}
