import { describe, expect, expectTypeOf, it } from 'vitest';
import type { PayloadOf } from '@self-healing/schemas';
import { platformTopicNames } from '../contracts.js';
import { buildCommand } from '../envelope.js';
import { createLogger } from '../logger.js';
import { beatSpec, memoryEffects } from './beatSpec.js';
import { defineStage, type Beat, type EarlierOutputs, type StageBeats } from './defineStage.js';

const notRun = async (): Promise<never> => {
  throw new Error('not run in this test');
};

/** deployment.deploy's approval beat: waits for a person until a deadline, then says who decided. */
const checkApproval: Beat<'deployment.deploy', 'checkApproval', { deadlineMs: number }> = async (
  { resumedBy, cause },
  { deadlineMs },
) => {
  if (!resumedBy) return { wait: { until: cause.meta.occurredAt + deadlineMs, reason: 'a person approves' } };
  const status = resumedBy.type === 'ApproveDeploymentCommand' ? 'approved' : 'denied';
  const approver = resumedBy.type === 'WakeUpCommand' ? null : resumedBy.payload.requestedBy;
  return {
    event: {
      type: 'ApprovalChecked',
      payload: { status, mode: 'person', policy: 'person/1', approver, reasons: [] },
    },
  };
};

const deploymentBeats: StageBeats<'deployment.deploy', { deadlineMs: number }> = {
  deployRequested: notRun,
  loadValidationResults: notRun,
  checkApproval,
  createBranch: notRun,
  applyChanges: notRun,
  createPullRequest: notRun,
  runCIChecks: notRun,
  autoMergePR: notRun,
  deployToProduction: notRun,
  verifyDeployment: notRun,
  deployCompleted: notRun,
};

describe('defineStage', () => {
  const topics = platformTopicNames('env1.');
  const stage = defineStage('deployment.deploy', deploymentBeats, { deps: { deadlineMs: 60_000 }, topics });

  it('takes the machine, topics and ending events from the contract', () => {
    expect(stage.stage).toBe('deployment.deploy');
    expect(stage.stageTopic).toBe('env1.selfhealing.deployment.deploy.events');
    expect(stage.triggerTopics.sort()).toEqual([
      'env1.selfhealing.commands',
      'env1.selfhealing.validation.run.events',
    ]);
    expect(stage.failedEventType).toBe('DeploymentFailed');
    expect(stage.firstBeatState).toBe('deployRequested');
    expect(stage.waits).toMatchObject({
      eventType: 'DeploymentWaiting',
      wakeUpTopic: 'env1.selfhealing.commands',
    });
    expect(Object.keys(stage.handlers)).toHaveLength(11);
  });

  it("turns a beat's wait into the stage's Waiting event, with what its contract says it waits for", async () => {
    const command = buildCommand('DeployFixCommand', {}, 'inc-1', 'test');
    const result = await stage.handlers.checkApproval!({
      incidentId: 'inc-1',
      beat: { handler: 'checkApproval', beat: 3 },
      cause: command,
      context: { outputs: {} },
      effects: memoryEffects(),
      logger: createLogger('test', 'silent'),
      attempt: 1,
    });
    expect(result.event).toEqual({
      type: 'DeploymentWaiting',
      payload: {
        beat: 3,
        handler: 'checkApproval',
        for: ['ApproveDeploymentCommand', 'RejectDeploymentCommand'],
        until: command.meta.occurredAt + 60_000,
        reason: 'a person approves',
      },
    });
  });

  it('refuses beats that do not match the contract (for callers without the types)', () => {
    const { checkApproval: _, ...missing } = deploymentBeats;
    expect(() =>
      defineStage('deployment.deploy', missing as never, { deps: { deadlineMs: 1 }, topics }),
    ).toThrow(/needs exactly the beats/);
  });

  it('types each beat from the contract: what it may read, what it may emit, whether it may wait', () => {
    // The earlier beats' payloads, and nothing of later beats.
    expectTypeOf<EarlierOutputs<'deployment.deploy', 'checkApproval'>>().toEqualTypeOf<{
      readonly DeploymentRequested: PayloadOf<'DeploymentRequested'>;
      readonly ValidationResultsLoaded: PayloadOf<'ValidationResultsLoaded'>;
    }>();
    // @ts-expect-error a beat that is not in the contract
    const extra: StageBeats<'deployment.deploy', null> = { ...deploymentBeats, rollBack: notRun };
    // @ts-expect-error a missing beat
    const missing: StageBeats<'deployment.deploy', null> = { deployRequested: notRun };
    // @ts-expect-error a beat emitting another beat's event
    const wrongEvent: Beat<'deployment.deploy', 'createBranch', null> = async () => ({
      event: { type: 'PullRequestCreated', payload: {} as PayloadOf<'PullRequestCreated'> },
    });
    // @ts-expect-error a beat whose contract declares no wait cannot wait
    const noWait: Beat<'deployment.deploy', 'createBranch', null> = async () => ({
      wait: { until: 1, reason: 'x' },
    });
    expect([extra, missing, wrongEvent, noWait]).toHaveLength(4);
  });
});

describe('beatSpec: given earlier payloads, when the beat runs, then its event', () => {
  const spec = beatSpec(
    'deployment.deploy',
    'checkApproval',
    checkApproval,
    { deadlineMs: 5_000 },
    { runId: 'inc-9' },
  );
  const earlier = {
    DeploymentRequested: {} as PayloadOf<'DeploymentRequested'>,
    ValidationResultsLoaded: {} as PayloadOf<'ValidationResultsLoaded'>,
  };

  it('waits on its first run', async () => {
    const start = buildCommand('DeployFixCommand', {}, 'inc-9', 'test');
    await spec
      .given(earlier)
      .when(start)
      .thenWaits({ until: start.meta.occurredAt + 5_000 });
  });

  it('decides when the awaited command comes', async () => {
    await spec
      .given(earlier)
      .when({
        type: 'ApproveDeploymentCommand',
        payload: {
          incidentId: 'inc-9',
          deploymentId: 'd',
          patchId: 'p',
          requestedBy: 'user:alice',
          comment: null,
        },
      })
      .then({
        type: 'ApprovalChecked',
        payload: {
          status: 'approved',
          mode: 'person',
          policy: 'person/1',
          approver: 'user:alice',
          reasons: [],
        },
      });
  });

  it('fails the spec when the beat emits something else', async () => {
    await expect(
      spec
        .given(earlier)
        .when({ type: 'WakeUpCommand', payload: {} })
        .then({
          type: 'ApprovalChecked',
          payload: { status: 'approved', mode: 'person', policy: 'person/1', approver: null, reasons: [] },
        }),
    ).rejects.toThrow(/denied/);
  });
});
