import type { Db } from 'mongodb';
import { defineStage, type StageDefinition, type TopicNames } from '@self-healing/shared';
import { learningBeats } from '../beats/index.js';
import { LearningDeps, type LearningSettings } from './deps.js';
import type { LearningConfig } from './config.js';

export function learningSettings(c: LearningConfig): LearningSettings {
  return {
    observeForMs: c.OBSERVE_FOR_MS,
    settleMs: c.SETTLE_MS,
    baselineMs: c.BASELINE_MS,
    telemetryLagMs: c.TELEMETRY_LAG_MS,
    alpha: c.ALPHA,
  };
}

export function learningDefinition(p: {
  db: Db;
  settings: LearningSettings;
  topics: TopicNames;
}): StageDefinition {
  return defineStage('learning.track', learningBeats, {
    deps: new LearningDeps(p.db, p.settings),
    topics: p.topics,
  });
}
