import type { Db } from 'mongodb';
import type { Kafka } from 'kafkajs';
import { defineStage, type StageDefinition, type TopicNames } from '@self-healing/shared';
import { diagnosisBeats } from '../beats/index.js';
import { DiagnosisDeps, type DiagnosisSettings } from './deps.js';
import type { DiagnosisConfig } from './config.js';
import { forgeAccessOf } from '../repository/repoCache.js';
import { admitsDiagnosis } from './rediagnosis.js';

export function diagnosisSettings(c: DiagnosisConfig): DiagnosisSettings {
  return {
    catalogue: c.CATALOGUE,
    repoCacheDir: c.REPO_CACHE_DIR,
    forge: forgeAccessOf(c),
    environment: c.DEPLOYMENT_ENVIRONMENT ?? null,
    onsetGraceMs: c.ONSET_GRACE_MS,
    historyCommits: c.HISTORY_COMMITS,
  };
}

export function diagnosisDefinition(p: {
  db: Db;
  kafka: Kafka;
  decodeRecord: (value: Buffer) => Promise<unknown>;
  settings: DiagnosisSettings;
  topics: TopicNames;
}): StageDefinition {
  return defineStage('diagnosis.analyze', diagnosisBeats, {
    deps: new DiagnosisDeps(p.db, p.kafka, p.decodeRecord, p.settings, p.topics),
    topics: p.topics,
    admits: (event) => admitsDiagnosis(p.db, event),
  });
}
