import { describe, expect, it } from 'vitest';
import type { DeploymentRecorded } from '@self-healing/schemas';
import { deploymentAtOnset } from './deployments.js';

const rec = (over: Partial<DeploymentRecorded>): DeploymentRecorded => ({
  deploymentId: `d-${over.commit}-${over.action}`,
  service: 'checkout',
  environment: 'prod',
  commit: 'a',
  version: '1',
  previousCommit: null,
  action: 'deploy',
  outcome: 'succeeded',
  trafficPercent: 100,
  instances: 2,
  startedAt: 0,
  finishedAt: 0,
  reason: null,
  deployer: 'x',
  host: 'h',
  ...over,
});

describe('deploymentAtOnset', () => {
  const history = [
    rec({ commit: 'a', startedAt: 1000, finishedAt: 1100 }),
    rec({
      commit: 'b',
      previousCommit: 'a',
      action: 'canary',
      trafficPercent: 10,
      startedAt: 5000,
      finishedAt: 5100,
    }),
    rec({ commit: 'b', previousCommit: 'b', action: 'promote', startedAt: 9000, finishedAt: 9100 }),
    rec({
      commit: 'c',
      previousCommit: 'b',
      outcome: 'failed',
      trafficPercent: 0,
      startedAt: 12_000,
      finishedAt: 12_100,
    }),
    rec({ commit: 'a', previousCommit: 'b', action: 'rollback', startedAt: 15_000, finishedAt: 15_100 }),
  ];

  it('given a symptom after a canary, then the canary brought it and the commit before it was good', () => {
    expect(deploymentAtOnset(history, 6000, 0)).toMatchObject({ bad: 'b', good: 'a' });
  });

  it('given a promote of that canary, then the good commit is still the one before the canary', () => {
    expect(deploymentAtOnset(history, 10_000, 0)).toMatchObject({ bad: 'b', good: 'a' });
  });

  it('given a failed deploy and a rollback, then neither is blamed', () => {
    expect(deploymentAtOnset(history, 16_000, 0)).toMatchObject({ bad: 'b', good: 'a' });
  });

  it('given an onset dated a little before the deployment, then the grace still blames it; before everything, nothing', () => {
    expect(deploymentAtOnset(history, 4990, 60)).toMatchObject({ bad: 'b' });
    expect(deploymentAtOnset(history, 4990, 0)).toMatchObject({ bad: 'a', good: null });
    expect(deploymentAtOnset(history, 10, 0)).toBeNull();
  });
});
