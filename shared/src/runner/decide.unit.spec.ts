import { describe, expect, it } from 'vitest';
import { createSequenceMachine } from '@self-healing/machines';
import { buildEvent, type StageEvent } from '../envelope.js';
import {
  decideStageEvent,
  decideOutside,
  fold,
  runEnded,
  type Decision,
  type IncidentCache,
} from './decide.js';

const spec = {
  id: 'demo.run',
  beats: [
    { beat: 1, handler: 'accept', event: 'Accepted' },
    { beat: 2, handler: 'work', event: 'Worked' },
    { beat: 3, handler: 'finish', event: 'Finished' },
  ],
};
const machine = createSequenceMachine(spec, {
  triggers: ['StartCommand'],
  rejected: 'Rejected',
  failed: 'Failed',
});
const V = 'v1';

function ev(type: string, seq: number, payload: unknown = { n: seq }, incidentId = 'inc-1'): StageEvent {
  return buildEvent(
    'demo.run',
    { type, payload },
    {
      incidentId,
      seq,
      causationId: seq === 1 ? 'trigger-1' : `e${seq - 1}`,
      correlationId: 'corr',
      startedAt: null,
      occurredAt: 1000 + seq,
      producer: 'test',
      sequenceId: 'demo.run',
      beat: seq,
      handler: null,
      attempt: 1,
      machineVersion: V,
    },
  );
}
const trigger: StageEvent = {
  ...ev('StartCommand', 0, { path: '/logs' }),
  meta: { ...ev('StartCommand', 0).meta, eventId: 'trigger-1', seq: 0 },
};

function cacheOf(d: Decision): IncidentCache {
  if (d.kind !== 'run' && d.kind !== 'advance') throw new Error(`expected run/advance, got ${d.kind}`);
  return d.cache;
}

/** Drives the machine through the happy path the way the runner does, returning each decision. */
function happyRun() {
  const d0 = decideOutside(machine, V, null, trigger);
  const d1 = decideStageEvent(machine, V, { ...cacheOf(d0), emittedSeq: 1 }, ev('Accepted', 1));
  const d2 = decideStageEvent(machine, V, { ...cacheOf(d1), emittedSeq: 2 }, ev('Worked', 2));
  const d3 = decideStageEvent(machine, V, { ...cacheOf(d2), emittedSeq: 3 }, ev('Finished', 3));
  return [d0, d1, d2, d3] as const;
}

describe('the runner decides beat by beat', () => {
  it('given a trigger, when decided, then the first beat runs', () => {
    const d = decideOutside(machine, V, null, trigger);
    expect(d).toMatchObject({ kind: 'run', beat: { handler: 'accept', beat: 1 } });
    expect(cacheOf(d).lastSeq).toBe(0);
    expect(cacheOf(d).outsideEventId).toBe('trigger-1');
  });

  it('runs every beat in order, then advances to the final state without running anything', () => {
    const [d0, d1, d2, d3] = happyRun();
    expect([d0, d1, d2].map((d) => (d.kind === 'run' ? d.beat.handler : d.kind))).toEqual([
      'accept',
      'work',
      'finish',
    ]);
    expect(d3.kind).toBe('advance');
    expect(cacheOf(d3).state.value).toBe('completed');
    expect((cacheOf(d3).state.context as { outputs: Record<string, unknown> }).outputs).toEqual({
      Accepted: { n: 1 },
      Worked: { n: 2 },
      Finished: { n: 3 },
    });
  });

  it('skips a redelivered event whose next event is already committed', () => {
    const [, d1] = happyRun();
    const afterEmit = { ...cacheOf(d1), emittedSeq: 2 };
    expect(decideStageEvent(machine, V, afterEmit, ev('Accepted', 1))).toEqual({
      kind: 'skip',
      reason: 'duplicate',
    });
  });

  it('runs the pending beat again when its input comes back before its output was committed', () => {
    const [, d1] = happyRun();
    const crashedBeforeCommit = cacheOf(d1); // emittedSeq still 1: the Worked event was never committed
    expect(decideStageEvent(machine, V, crashedBeforeCommit, ev('Accepted', 1))).toMatchObject({
      kind: 'run',
      beat: { handler: 'work' },
    });
  });

  it('skips a redelivered trigger once the incident has started', () => {
    const d0 = decideOutside(machine, V, null, trigger);
    expect(decideOutside(machine, V, { ...cacheOf(d0), emittedSeq: 1 }, trigger)).toEqual({
      kind: 'skip',
      reason: 'duplicate',
    });
  });

  it('refuses a second, different trigger for an existing incident', () => {
    const d0 = decideOutside(machine, V, null, trigger);
    const other = { ...trigger, meta: { ...trigger.meta, eventId: 'trigger-2' } };
    expect(decideOutside(machine, V, cacheOf(d0), other)).toEqual({
      kind: 'skip',
      reason: 'not-awaited',
    });
  });

  it('asks for a rebuild when the cache is missing, behind, or from another machine version', () => {
    const [, d1] = happyRun();
    expect(decideStageEvent(machine, V, null, ev('Worked', 2)).kind).toBe('rebuild');
    expect(decideStageEvent(machine, V, cacheOf(d1), ev('Finished', 3)).kind).toBe('rebuild');
    expect(decideStageEvent(machine, 'v2', cacheOf(d1), ev('Worked', 2)).kind).toBe('rebuild');
  });

  it('ignores events the machine does not expect in its state', () => {
    const d = decideOutside(machine, V, null, {
      ...trigger,
      meta: { ...trigger.meta, type: 'SomethingElse' },
    });
    expect(d).toEqual({ kind: 'skip', reason: 'not-for-this-machine' });
  });

  it('ends rejected when the first beat rejects its input', () => {
    const d0 = decideOutside(machine, V, null, trigger);
    const d = decideStageEvent(machine, V, cacheOf(d0), ev('Rejected', 1));
    expect(d.kind).toBe('advance');
    expect(cacheOf(d).state.value).toBe('rejected');
  });
});

describe('rebuilding from the log', () => {
  it('folds events in any order with duplicates into the same state as live processing', () => {
    const [, , d2] = happyRun();
    const log = [ev('Worked', 2), ev('Accepted', 1), ev('Accepted', 1)];
    const rebuilt = fold(machine, V, 'accept', log, 2);
    expect(rebuilt.state).toEqual(cacheOf(d2).state);
    expect(rebuilt.pendingBeat).toEqual({ handler: 'finish', beat: 3 });
    expect(rebuilt.lastSeq).toBe(2);
  });

  it('after a rebuild, an event older than the log end is a duplicate and the latest one runs its beat', () => {
    const rebuilt = fold(machine, V, 'accept', [ev('Accepted', 1), ev('Worked', 2)], 2);
    expect(decideStageEvent(machine, V, rebuilt, ev('Accepted', 1)).kind).toBe('skip');
    expect(decideStageEvent(machine, V, rebuilt, ev('Worked', 2))).toMatchObject({
      kind: 'run',
      beat: { handler: 'finish' },
    });
  });

  it('refuses to rebuild from a log with a hole in it', () => {
    expect(() => fold(machine, V, 'accept', [ev('Accepted', 1), ev('Finished', 3)], 3)).toThrow(
      /event 2 is missing/,
    );
    expect(() => fold(machine, V, 'accept', [ev('Worked', 2)], 2)).toThrow(/first event/);
  });
});

describe('a run that waits', () => {
  const waitingMachine = createSequenceMachine(
    {
      id: 'demo.run',
      beats: [
        { beat: 1, handler: 'accept', event: 'Accepted' },
        { beat: 2, handler: 'approve', event: 'Approved', waits: { for: ['ApproveCommand'] } },
        { beat: 3, handler: 'finish', event: 'Finished' },
      ],
    },
    { triggers: ['StartCommand'], rejected: 'Rejected', failed: 'Failed', waiting: 'Waiting' },
  );
  const waiting = (seq: number) =>
    ev('Waiting', seq, {
      beat: 2,
      handler: 'approve',
      for: ['ApproveCommand'],
      until: 5000,
      reason: 'a person',
    });
  const outside = (type: string, eventId: string, payload: unknown = {}): StageEvent => ({
    ...trigger,
    meta: { ...trigger.meta, type, eventId },
    payload,
  });
  const waitingCache = () => {
    const d0 = decideOutside(waitingMachine, V, null, trigger);
    const d1 = decideStageEvent(waitingMachine, V, { ...cacheOf(d0), emittedSeq: 1 }, ev('Accepted', 1));
    const d2 = decideStageEvent(waitingMachine, V, { ...cacheOf(d1), emittedSeq: 2 }, waiting(2));
    return cacheOf(d2);
  };

  it('given its Waiting event, it runs nothing until an awaited event comes, then runs the same beat again', () => {
    const cache = waitingCache();
    expect(cache.pendingBeat).toBeNull();
    expect(decideOutside(waitingMachine, V, cache, outside('OtherCommand', 'x'))).toEqual({
      kind: 'skip',
      reason: 'not-for-this-machine',
    });
    const d = decideOutside(waitingMachine, V, cache, outside('ApproveCommand', 'approve-1'));
    expect(d).toMatchObject({ kind: 'run', beat: { handler: 'approve' } });
    expect(cacheOf(d).outsideEventId).toBe('approve-1');
  });

  it('given a second copy of the awaited event, it changes nothing, whether the beat is committed or not yet', () => {
    const resumed = cacheOf(decideOutside(waitingMachine, V, waitingCache(), outside('ApproveCommand', 'a')));
    // Not committed yet: the copy is the redelivered input, the beat runs again (same output event id).
    expect(decideOutside(waitingMachine, V, resumed, outside('ApproveCommand', 'a')).kind).toBe('run');
    // Committed: a duplicate.
    const committed = { ...resumed, emittedSeq: 3 };
    expect(decideOutside(waitingMachine, V, committed, outside('ApproveCommand', 'a')).kind).toBe('skip');
    // Folded on: the machine no longer waits.
    const next = cacheOf(decideStageEvent(waitingMachine, V, committed, ev('Approved', 3)));
    expect(decideOutside(waitingMachine, V, next, outside('ApproveCommand', 'a')).kind).toBe('skip');
  });

  it('wakes on its own wake-up, and a wake-up of an earlier wait or another stage changes nothing', () => {
    const cache = waitingCache();
    const wake = (sequenceId: string, waitSeq: number, id: string) =>
      outside('WakeUpCommand', id, { sequenceId, waitSeq, beat: 2, handler: 'approve', dueAt: 5000 });
    expect(decideOutside(waitingMachine, V, cache, wake('other.stage', 2, 'w1')).kind).toBe('skip');
    expect(decideOutside(waitingMachine, V, cache, wake('demo.run', 1, 'w2')).kind).toBe('skip');
    expect(decideOutside(waitingMachine, V, cache, wake('demo.run', 2, 'w3'))).toMatchObject({
      kind: 'run',
      beat: { handler: 'approve' },
    });
  });

  it('asks for a rebuild when an awaited event finds no cached state, and the rebuilt run takes it', () => {
    expect(decideOutside(waitingMachine, V, null, outside('ApproveCommand', 'a')).kind).toBe('rebuild');
    const rebuilt = fold(waitingMachine, V, 'accept', [ev('Accepted', 1), waiting(2)], 2);
    expect(rebuilt.state).toEqual(waitingCache().state);
    expect(decideOutside(waitingMachine, V, rebuilt, outside('ApproveCommand', 'a')).kind).toBe('run');
  });

  it('rebuilt after the resumed beat ran, the event that resumed it is known and changes nothing', () => {
    const approved = { ...ev('Approved', 3), meta: { ...ev('Approved', 3).meta, causationId: 'approve-1' } };
    const rebuilt = fold(waitingMachine, V, 'accept', [ev('Accepted', 1), waiting(2), approved], 3);
    expect(rebuilt.pendingBeat).toEqual({ handler: 'finish', beat: 3 });
    expect(decideOutside(waitingMachine, V, rebuilt, outside('ApproveCommand', 'approve-1')).kind).toBe(
      'skip',
    );
  });
});

describe('a stage that runs again: rounds', () => {
  const rounds = createSequenceMachine(spec, {
    triggers: ['StartCommand'],
    rejected: 'Rejected',
    failed: 'Failed',
    rounds: 2,
  });
  const triggerNo = (n: number): StageEvent => ({
    ...trigger,
    meta: { ...trigger.meta, eventId: `trigger-${n}` },
  });
  /** A stage event of round 2, whose first beat names the round's trigger as its cause. */
  const ev2 = (type: string, seq: number) => {
    const e = ev(type, seq);
    return seq === 4 ? { ...e, meta: { ...e.meta, causationId: 'trigger-2' } } : e;
  };
  const triggersOf = (c: IncidentCache) => (c.state.context as { triggers?: string[] }).triggers;

  function liveRound1() {
    // With rounds, a trigger without a cache is decided once the log is known to hold no run (the runner reads it).
    expect(decideOutside(rounds, V, null, trigger)).toEqual({ kind: 'rebuild' });
    let c = cacheOf(decideOutside(rounds, V, null, trigger, true));
    for (const [type, seq] of [
      ['Accepted', 1],
      ['Worked', 2],
      ['Finished', 3],
    ] as const)
      c = cacheOf(decideStageEvent(rounds, V, { ...c, emittedSeq: seq }, ev(type, seq)));
    return c;
  }

  it('a new trigger after the run ended starts round 2 with fresh outputs; the same trigger again does not', () => {
    const ended = liveRound1();
    expect(ended.state.value).toBe('completed');
    expect(decideOutside(rounds, V, ended, trigger)).toEqual({ kind: 'skip', reason: 'not-awaited' });
    const d = decideOutside(rounds, V, ended, triggerNo(2));
    expect(d).toMatchObject({ kind: 'run', beat: { handler: 'accept' } });
    expect(triggersOf(cacheOf(d))).toEqual(['trigger-1', 'trigger-2']);
    expect((cacheOf(d).state.context as { outputs: object }).outputs).toEqual({});
  });

  it('stops at the cap: a third trigger starts nothing', () => {
    let c = cacheOf(decideOutside(rounds, V, liveRound1(), triggerNo(2)));
    for (const [type, seq] of [
      ['Accepted', 4],
      ['Worked', 5],
      ['Finished', 6],
    ] as const)
      c = cacheOf(decideStageEvent(rounds, V, { ...c, emittedSeq: seq }, ev2(type, seq)));
    expect(c.state.value).toBe('completed');
    expect(decideOutside(rounds, V, c, triggerNo(3))).toEqual({ kind: 'skip', reason: 'not-awaited' });
  });

  it('rebuilt from the log, two rounds give the state the live run had, rounds counted by their causes', () => {
    let live = cacheOf(decideOutside(rounds, V, liveRound1(), triggerNo(2)));
    const log = [
      ev('Accepted', 1),
      ev('Worked', 2),
      ev('Finished', 3),
      ev2('Accepted', 4),
      ev2('Rejected', 5),
    ];
    live = cacheOf(decideStageEvent(rounds, V, { ...live, emittedSeq: 4 }, log[3]!));
    live = cacheOf(decideStageEvent(rounds, V, { ...live, emittedSeq: 5 }, log[4]!));
    const rebuilt = fold(rounds, V, 'accept', log, 5);
    expect(rebuilt.state).toEqual(live.state);
    expect(triggersOf(rebuilt)).toEqual(['trigger-1', 'trigger-2']);
    expect(rebuilt.state.value).toBe('rejected');
  });

  it('a trigger arriving mid-round is deferred (the latest of its kind), kept to the end of the run, then starts round 2', () => {
    let c = cacheOf(decideOutside(rounds, V, null, trigger, true));
    c = cacheOf(decideStageEvent(rounds, V, { ...c, emittedSeq: 1 }, ev('Accepted', 1)));
    const early = decideOutside(rounds, V, c, triggerNo(2));
    expect(early.kind).toBe('defer');
    if (early.kind !== 'defer') return;
    expect(early.cache.state).toEqual(c.state); // the running round is untouched
    expect(decideOutside(rounds, V, early.cache, triggerNo(2))).toEqual({
      kind: 'skip',
      reason: 'duplicate',
    });
    const later = decideOutside(rounds, V, early.cache, triggerNo(3));
    if (later.kind !== 'defer') throw new Error(later.kind);
    expect(later.cache.deferred!.map((e) => e.meta.eventId)).toEqual(['trigger-3']);
    c = later.cache;
    for (const [type, seq] of [
      ['Worked', 2],
      ['Finished', 3],
    ] as const)
      c = cacheOf(decideStageEvent(rounds, V, { ...c, emittedSeq: seq }, ev(type, seq)));
    expect(c.state.value).toBe('completed');
    expect(runEnded(c.state)).toBe(true);
    expect(c.deferred!.map((e) => e.meta.eventId)).toEqual(['trigger-3']);
    // What the runner then does with it (StageRunner.startDeferred): decided as if it arrived now.
    const d = decideOutside(rounds, V, { ...c, deferred: [] }, c.deferred![0]!);
    expect(d).toMatchObject({ kind: 'run', beat: { handler: 'accept' } });
    expect(triggersOf(cacheOf(d))).toEqual(['trigger-1', 'trigger-3']);
  });

  it('a machine without rounds drops a trigger that comes mid-run, as before', () => {
    let c = cacheOf(decideOutside(machine, V, null, trigger));
    c = cacheOf(decideStageEvent(machine, V, { ...c, emittedSeq: 1 }, ev('Accepted', 1)));
    expect(decideOutside(machine, V, c, triggerNo(2))).toEqual({ kind: 'skip', reason: 'not-awaited' });
  });

  it('a trigger meeting a cached state of another machine version asks for the log instead of starting over', () => {
    expect(decideOutside(rounds, V, { ...liveRound1(), machineVersion: 'old' }, triggerNo(2))).toEqual({
      kind: 'rebuild',
    });
  });
});
