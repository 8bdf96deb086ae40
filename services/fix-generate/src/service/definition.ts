import type { Db } from 'mongodb';
import { defineStage, type StageDefinition, type TopicNames } from '@self-healing/shared';
import { fixGenerateBeats } from '../beats/index.js';
import { FixDeps, type FixSettings } from './deps.js';
import type { FixGenerateConfig } from './config.js';
import { forgeAccessOf } from '@self-healing/diagnosis';

export function fixGenerateSettings(c: FixGenerateConfig): FixSettings {
  return {
    repoCacheDir: c.REPO_CACHE_DIR,
    workDir: c.FIX_WORK_DIR,
    forge: forgeAccessOf(c),
    maxRemedies: c.MAX_REMEDIES,
    maxAttempts: c.MAX_ATTEMPTS,
    limits: { maxFiles: c.MAX_PATCH_FILES, maxChangedLines: c.MAX_PATCH_LINES },
    typecheck: c.TYPECHECK === 'on',
  };
}

export function fixGenerateDefinition(p: {
  db: Db;
  settings: FixSettings;
  topics: TopicNames;
}): StageDefinition {
  return defineStage('fix.generate', fixGenerateBeats, {
    deps: new FixDeps(p.db, p.settings),
    topics: p.topics,
  });
}
