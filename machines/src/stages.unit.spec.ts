import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { beatsOf, eventTypeInfo, sequenceIds, stageContract, type SequenceId } from '@self-healing/schemas';
import { happyPath, waitingState, WAKE_UP } from './sequenceMachine.js';
import { stageMachine, stageMachines } from './stages.js';

/**
 * Holds machines and contracts together: every stage's machine runs its sequence's beats in order, each beat's
 * event has a schema on the stage's topic, unknown events change nothing, and a beat that waits resumes on
 * what its contract names.
 */
describe.each(Object.entries(stageMachines()))('the %s machine', (id, { machine }) => {
  const beats = beatsOf(id as SequenceId);

  it('follows its sequence beat for beat', () => {
    expect(happyPath(machine, { id, beats })).toEqual(beats.map((b) => b.handler));
  });

  it("asks for each beat in turn when driven by the beats' own events, and ends completed", () => {
    let [snapshot] = initialTransition(machine);
    const trigger = stageContract(id as SequenceId).triggers[0];
    let [next, actions] = transition(machine, snapshot, { type: trigger } as never);
    const asked: string[] = [];
    for (const beat of beats) {
      const run = (actions as unknown as Array<{ type: string; params?: { handler: string } }>).find(
        (a) => a.type === 'runBeat',
      );
      asked.push(run?.params?.handler ?? '-');
      snapshot = next;
      [next, actions] = transition(machine, snapshot, { type: beat.event, payload: {} } as never);
    }
    expect(asked).toEqual(beats.map((b) => b.handler));
    expect(next.value).toBe('completed');
    // A stage that runs again for the next candidate ends where a new trigger can start its next round.
    const rounds = stageContract(id as SequenceId).rounds ?? 1;
    expect(next.status).toBe(rounds > 1 ? 'active' : 'done');
    if (rounds > 1) {
      const [again, more] = transition(machine, next, {
        type: trigger,
        meta: { eventId: 'second-trigger' },
      } as never);
      expect(again.value).toBe(beats[0]!.handler);
      expect((more as unknown as Array<{ type: string }>).some((a) => a.type === 'runBeat')).toBe(true);
    }
  });

  it('has a registered schema for every beat event, on one topic', () => {
    const topics = new Set(beats.map((b) => eventTypeInfo(b.event)?.topic));
    expect(beats.every((b) => eventTypeInfo(b.event))).toBe(true);
    expect(topics.size).toBe(1);
  });
});

describe('a beat that waits', () => {
  const { machine } = stageMachine('deployment.deploy');
  const meta = (eventId: string, seq = 0, causationId: string | null = null) => ({
    eventId,
    seq,
    causationId,
  });
  const toApproval = () => {
    let [s] = initialTransition(machine);
    [s] = transition(machine, s, { type: 'DeployFixCommand', meta: meta('cmd') } as never);
    for (const type of ['DeploymentRequested', 'ValidationResultsLoaded'])
      [s] = transition(machine, s, { type, payload: {}, meta: meta(type) } as never);
    const waiting = { beat: 3, handler: 'checkApproval', for: [], until: 5, reason: 'a person' };
    [s] = transition(machine, s, {
      type: 'DeploymentWaiting',
      payload: waiting,
      meta: meta('w', 3),
    } as never);
    return s;
  };
  const beatAsked = (actions: unknown) =>
    (actions as Array<{ type: string; params?: { handler: string } }>).find((a) => a.type === 'runBeat')
      ?.params?.handler ?? null;

  it('waits after its Waiting event and runs again on an awaited command, once per command', () => {
    const s = toApproval();
    expect(s.value).toBe(waitingState('checkApproval'));
    const approve = { type: 'ApproveDeploymentCommand', payload: {}, meta: meta('approve-1') };
    const [resumed, actions] = transition(machine, s, approve as never);
    expect(beatAsked(actions)).toBe('checkApproval');
    // The beat decides to wait again (say, the approval named another patch): the same command once more changes nothing.
    const [again] = transition(machine, resumed, {
      type: 'DeploymentWaiting',
      payload: { beat: 3, handler: 'checkApproval', for: [], until: 9, reason: 'x' },
      meta: meta('w2', 4, 'approve-1'),
    } as never);
    const [, none] = transition(machine, again, approve as never);
    expect(beatAsked(none)).toBeNull();
  });

  it("wakes on its own wake-up only: another stage's or an earlier wait's is ignored", () => {
    const s = toApproval();
    const wake = (sequenceId: string, waitSeq: number) => ({
      type: WAKE_UP,
      payload: { sequenceId, waitSeq, beat: 3, handler: 'checkApproval', dueAt: 5 },
      meta: meta(`wake-${sequenceId}-${waitSeq}`),
    });
    expect(beatAsked(transition(machine, s, wake('learning.track', 3) as never)[1])).toBeNull();
    expect(beatAsked(transition(machine, s, wake('deployment.deploy', 2) as never)[1])).toBeNull();
    expect(beatAsked(transition(machine, s, wake('deployment.deploy', 3) as never)[1])).toBe('checkApproval');
  });

  it('folded from the stage topic, moves from the wait to the next beat on the beat event', () => {
    const s = toApproval();
    const [next] = transition(machine, s, {
      type: 'ApprovalChecked',
      payload: { status: 'approved' },
      meta: meta('e4', 4, 'approve-1'),
    } as never);
    expect(next.value).toBe('createBranch');
    expect(next.context.resumedBy).toEqual(['approve-1']);
    expect(next.context.waiting).toBeNull();
  });
});

describe('machine versions', () => {
  it('keep the names stage 1 had while its structure is unchanged (events and cached states keep them)', () => {
    expect(stageMachine('telemetry.parse').version).toBe('telemetry.parse/1');
    // anomaly.detect/1 until verdicts became triggers: its structure changed, so its version is its hash now.
    expect(stageMachine('anomaly.detect').version).toMatch(/^anomaly\.detect\/[0-9a-f]{12}$/);
  });
});

describe('stage coverage', () => {
  it('has a machine for every sequence, each with its own version', () => {
    const versions = sequenceIds.map((id) => stageMachine(id).version);
    expect(new Set(versions).size).toBe(sequenceIds.length);
  });
});
