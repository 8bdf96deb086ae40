import { describe, expect, it } from 'vitest';
import type { DeploymentRecord, DeploymentRecorder } from '@self-healing/target';
import { NamespaceRecorder } from './recorder.js';

const record = (over: Partial<DeploymentRecord>): DeploymentRecord => ({
  deploymentId: 'd-1',
  service: 'checkout',
  environment: 'corpus-bench',
  commit: 'healthy',
  version: '1.4.0',
  previousCommit: null,
  action: 'deploy',
  outcome: 'succeeded',
  trafficPercent: 100,
  instances: 2,
  startedAt: 1,
  finishedAt: 2,
  reason: null,
  deployer: 'process-haproxy',
  host: 'h',
  ...over,
});

class Topic implements DeploymentRecorder {
  readonly records: DeploymentRecord[] = [];
  constructor(private readonly fail = false) {}
  record(r: DeploymentRecord): Promise<void> {
    if (this.fail) return Promise.reject(new Error('broker gone'));
    this.records.push(r);
    return Promise.resolve();
  }
}

describe('NamespaceRecorder', () => {
  it('given a deploy before any namespace, then each namespace gets it first, then its own records only', async () => {
    const r = new NamespaceRecorder(() => undefined);
    await r.record(record({}));
    const first = new Topic();
    await r.switchTo(first);
    await r.record(
      record({ deploymentId: 'd-2', commit: 'fault-a', action: 'canary', previousCommit: 'healthy' }),
    );
    await r.record(record({ deploymentId: 'd-3', commit: 'healthy', action: 'rollback' }));
    const second = new Topic();
    await r.switchTo(second);
    expect(first.records.map((x) => x.deploymentId)).toEqual(['d-1', 'd-2', 'd-3']);
    // The rollback restored the healthy release: its deploy record, not the rollback's, says it is the good one.
    expect(second.records.map((x) => x.deploymentId)).toEqual(['d-1']);
  });

  it('given a failing topic, then the record is reported and the deploy goes on', async () => {
    const errors: string[] = [];
    const r = new NamespaceRecorder((e, rec) => errors.push(`${rec.deploymentId}: ${e.message}`));
    await r.switchTo(new Topic(true));
    await expect(r.record(record({}))).resolves.toBeUndefined();
    expect(errors).toEqual(['d-1: broker gone']);
  });

  it('given a failed deploy, then it never becomes the replayed stable record', async () => {
    const r = new NamespaceRecorder(() => undefined);
    await r.record(record({}));
    await r.record(record({ deploymentId: 'd-x', commit: 'broken', outcome: 'failed', reason: 'build' }));
    expect(r.stableRecord()?.deploymentId).toBe('d-1');
  });
});
