import type { Db } from 'mongodb';
import { defineStage, type StageDefinition, type TopicNames } from '@self-healing/shared';
import { anomalyDetectBeats } from '../beats/index.js';
import { AnomalyDetectDeps, type AnomalyDetectSettings } from './deps.js';
import { VERDICT_TRIGGERS, verdictRunId } from './validate.js';

export function anomalyDetectDefinition(deps: {
  db: Db;
  settings: AnomalyDetectSettings;
  topics: TopicNames;
  producer: string;
}): StageDefinition {
  return defineStage('anomaly.detect', anomalyDetectBeats, {
    deps: new AnomalyDetectDeps(deps.db, deps.settings, deps.topics, deps.producer),
    topics: deps.topics,
    // The detectors' memory (baselines, learned sequences, open incidents) is one document each run reads and
    // commits whole: two instances detecting at once would overwrite each other's runs. Others wait as standbys.
    exclusive: true,
    // Runs are keyed by run id; a verdict on an incident (keyed by the incident) starts a run of its own.
    runKeyOf: (event) =>
      VERDICT_TRIGGERS.has(event.meta.type) ? verdictRunId(event) : event.meta.incidentId,
  });
}
