import type { Db } from 'mongodb';
import { defineStage, type StageDefinition, type TopicNames } from '@self-healing/shared';
import { forgeAccessOf } from '@self-healing/diagnosis';
import { deploymentBeats } from '../beats/index.js';
import { DeploymentDeps, type DeploymentSettings } from './deps.js';
import type { DeploymentConfig } from './config.js';

export function deploymentSettings(c: DeploymentConfig): DeploymentSettings {
  return {
    catalogue: c.CATALOGUE,
    repoCacheDir: c.REPO_CACHE_DIR,
    workDir: c.DEPLOYMENT_WORK_DIR,
    targetHome: c.TARGET_HOME,
    forge: forgeAccessOf(c),
    environment: c.ENVIRONMENT,
    approvalTimeoutMs: c.APPROVAL_TIMEOUT_MS,
    ciTimeoutMs: c.CI_TIMEOUT_MS,
    ciPollMs: c.CI_POLL_MS,
    reviewPollMs: c.REVIEW_POLL_MS,
    testTimeoutMs: c.TEST_TIMEOUT_MS,
    maxDiskMb: c.MAX_DISK_MB,
    canaryMaxWaitFactor: c.CANARY_MAX_WAIT_FACTOR,
  };
}

export function deploymentDefinition(p: {
  db: Db;
  settings: DeploymentSettings;
  topics: TopicNames;
}): StageDefinition {
  return defineStage('deployment.deploy', deploymentBeats, {
    deps: new DeploymentDeps(p.db, p.settings),
    topics: p.topics,
  });
}
