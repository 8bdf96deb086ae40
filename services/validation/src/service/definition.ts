import type { Db } from 'mongodb';
import { defineStage, type StageDefinition, type TopicNames } from '@self-healing/shared';
import { forgeAccessOf } from '@self-healing/diagnosis';
import { validationBeats } from '../beats/index.js';
import { ValidationDeps, type ValidationSettings } from './deps.js';
import type { ValidationConfig } from './config.js';

export function validationSettings(c: ValidationConfig): ValidationSettings {
  return {
    catalogue: c.CATALOGUE,
    repoCacheDir: c.REPO_CACHE_DIR,
    workDir: c.VALIDATION_WORK_DIR,
    forge: forgeAccessOf(c),
    testTimeoutMs: c.TEST_TIMEOUT_MS,
    maxDiskMb: c.MAX_DISK_MB,
    reruns: c.TEST_RERUNS,
    coverageThreshold: c.COVERAGE_THRESHOLD,
    acceptRestoredCode: c.ACCEPT_RESTORED_CODE,
    perfSamples: c.PERF_SAMPLES,
    perfMaxSlowdown: c.PERF_MAX_SLOWDOWN,
  };
}

export function validationDefinition(p: {
  db: Db;
  settings: ValidationSettings;
  topics: TopicNames;
}): StageDefinition {
  return defineStage('validation.run', validationBeats, {
    deps: new ValidationDeps(p.db, p.settings),
    topics: p.topics,
  });
}
