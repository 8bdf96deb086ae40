import { createHash } from 'node:crypto';
import { assign, setup, type AnyStateMachine } from 'xstate';

/** The part of a sequence contract a machine needs: its beats in order, with handler, event and wait. */
export interface SequenceSpec {
  id: string;
  beats: ReadonlyArray<{
    beat: number;
    handler: string;
    event: string;
    /** The beat may end in a wait for these outside events (none: a timer only); see `Wait` in schemas. */
    waits?: { readonly for: readonly string[] } | null;
  }>;
}

export interface SequenceMachineOptions {
  /** Event types that open an incident of this stage (a command, an upstream stage's completion). */
  triggers: readonly string[];
  /** Emitted by a beat that refuses its input (e.g. an invalid request): the incident ends, rejected. */
  rejected: string;
  /** Emitted by the runtime when a beat is given up on: the incident ends, failed. */
  failed: string;
  /** Emitted by the runtime when a beat ends in a wait; required when a beat waits. */
  waiting?: string;
  /**
   * How many runs one incident may have (default 1). Above one, a run that has ended is started again by a trigger
   * it has not seen (the next candidate fix, a re-validation): a new round, with fresh outputs and its own run id
   * (see roundRunId), on the same incident's stream.
   */
  rounds?: number;
}

/** The command the runtime's timer scheduler sends when a wait's time has come (see schemas' runtime.ts). */
export const WAKE_UP = 'WakeUpCommand';

/** What the run waits for, while it waits: from the `<Stage>Waiting` event. */
export interface WaitState {
  /** seq of the Waiting event: a wake-up names it, so a late one for an earlier wait is ignored. */
  seq: number;
  beat: number;
  handler: string;
  for: string[];
  until: number;
  reason: string;
}

/**
 * The trigger is deliberately not kept here: the first beat receives it as its cause and puts what later beats
 * need into its own event, so that a state rebuilt from the stage topic alone equals the live one.
 */
export interface SequenceContext {
  /** Each beat's payload by event type: later beats read what earlier ones found. */
  outputs: Record<string, unknown>;
  /** Set while the run waits. */
  waiting?: WaitState | null;
  /**
   * Ids of the outside events (and wake-ups) that resumed a wait: a second copy of one resumes nothing. Live, the
   * outside event adds its id; rebuilt from the stage topic, the event that followed the wait names it as its cause.
   */
  resumedBy?: string[];
  /**
   * Ids of the triggers that started this incident's rounds, in order (machines with rounds only): a trigger seen
   * before starts nothing. Live, the trigger adds its id; rebuilt from the stage topic, the first beat's event
   * names it as its cause.
   */
  triggers?: string[];
}

/** Which round of its incident a run is in: 1 for the first (and for machines without rounds). */
export function roundOf(context: SequenceContext): number {
  return Math.max(1, context.triggers?.length ?? 0);
}

/**
 * The id a round's beats work under: the incident id for the first round (as before rounds existed), then
 * `<incident>~<round>`, so that case files, workspaces and once-only outside actions are the round's own.
 */
export function roundRunId(incidentId: string, round: number): string {
  return round <= 1 ? incidentId : `${incidentId}~${round}`;
}

type AnyEvent = {
  type: string;
  payload?: unknown;
  meta?: { eventId?: string; causationId?: string | null; seq?: number };
};

/** The state a waiting beat is in while it waits. */
export const waitingState = (handler: string) => `${handler}:waiting`;

/**
 * A machine that follows a sequence beat for beat: entering a beat's state asks the runtime to run that beat
 * (`runBeat`), and the beat's own event moves it to the next one. A beat that may wait has a second state, its
 * waiting state, entered on the stage's Waiting event; the awaited outside events and the wait's own wake-up
 * enter the beat's state again (the beat runs again), and the beat's event or another Waiting event, when the
 * state is rebuilt from the stage topic, move on from there directly. The machine executes nothing itself; the
 * runtime drives it with the pure transition API and treats it as a decider.
 */
export function createSequenceMachine(spec: SequenceSpec, options: SequenceMachineOptions): AnyStateMachine {
  const beats = [...spec.beats].sort((a, b) => a.beat - b.beat);
  const first = beats[0];
  if (!first) throw new Error(`sequence ${spec.id} has no beats`);
  if (beats.some((b) => b.waits) && !options.waiting)
    throw new Error(`sequence ${spec.id} has a beat that waits but no Waiting event`);
  const ending = {
    [options.rejected]: { target: 'rejected', actions: 'record' },
    [options.failed]: { target: 'failed', actions: 'record' },
  };
  const rounds = options.rounds ?? 1;
  const start = rounds > 1 ? { target: first.handler, actions: 'startRound' } : { target: first.handler };
  const states: Record<string, object> = {
    idle: { on: Object.fromEntries(options.triggers.map((t) => [t, start])) },
    completed: { type: 'final' },
    rejected: { type: 'final' },
    failed: { type: 'final' },
  };
  if (rounds > 1) {
    // An ended run is not final: a new trigger starts the next round. Rebuilt from the stage topic (where the
    // trigger is not), the round's first beat event moves on from the ended state directly.
    const second = beats[1]?.handler ?? 'completed';
    const again = {
      on: {
        ...Object.fromEntries(options.triggers.map((t) => [t, { ...start, guard: 'newRound' }])),
        [first.event]: { target: second, actions: ['startRoundByCause', 'record'] },
        [options.rejected]: { target: 'rejected', actions: ['startRoundByCause', 'record'] },
        [options.failed]: { target: 'failed', actions: ['startRoundByCause', 'record'] },
      },
    };
    for (const ended of ['completed', 'rejected', 'failed']) states[ended] = again;
  }
  beats.forEach((b, i) => {
    const next = beats[i + 1];
    // The first beat's events name the round's trigger as their cause: rebuilt from the log, that is how the round
    // is counted (live, the trigger was counted when it arrived, and noting it again changes nothing).
    const record = rounds > 1 && i === 0 ? ['noteTrigger', 'record'] : 'record';
    const onward = { target: next ? next.handler : 'completed', actions: record };
    const runBeat = { type: 'runBeat', params: { handler: b.handler, beat: b.beat } };
    const endingHere =
      record === 'record'
        ? ending
        : Object.fromEntries(Object.entries(ending).map(([type, t]) => [type, { ...t, actions: record }]));
    if (!b.waits) {
      states[b.handler] = { entry: runBeat, on: { [b.event]: onward, ...endingHere } };
      return;
    }
    const waiting = waitingState(b.handler);
    const wait = { target: waiting, actions: 'startWait' };
    states[b.handler] = {
      entry: runBeat,
      on: { [b.event]: onward, [options.waiting!]: wait, ...endingHere },
    };
    const resume = { target: b.handler, guard: 'notSeenBefore', actions: 'resume' };
    states[waiting] = {
      on: {
        ...Object.fromEntries(b.waits.for.map((t) => [t, resume])),
        [WAKE_UP]: { ...resume, guard: 'ownWakeUp' },
        // Folded from the stage topic, where the outside event that resumed the wait is not.
        [b.event]: { ...onward, actions: ['resumedByCause', 'record'] },
        [options.waiting!]: { ...wait, actions: ['resumedByCause', 'startWait'] },
        [options.rejected]: { ...ending[options.rejected], actions: ['resumedByCause', 'record'] },
        [options.failed]: { ...ending[options.failed], actions: ['resumedByCause', 'record'] },
      },
    };
  });
  const machine = setup({
    types: {} as { context: SequenceContext; events: AnyEvent },
    actions: {
      // Executed by the runtime from the returned action list; nothing to do inside the machine.
      runBeat: () => undefined,
      record: assign({
        outputs: ({ context, event }) => ({ ...context.outputs, [event.type]: event.payload ?? null }),
        waiting: () => null,
      }),
      startWait: assign({
        waiting: ({ event }) => {
          const p = event.payload as Omit<WaitState, 'seq'>;
          return {
            seq: event.meta?.seq ?? 0,
            beat: p.beat,
            handler: p.handler,
            for: [...p.for],
            until: p.until,
            reason: p.reason,
          };
        },
      }),
      resume: assign({
        resumedBy: ({ context, event }) => [...(context.resumedBy ?? []), event.meta?.eventId ?? ''],
      }),
      startRound: assign({
        triggers: ({ context, event }) => [...(context.triggers ?? []), event.meta?.eventId ?? ''],
        outputs: () => ({}),
        waiting: () => null,
      }),
      startRoundByCause: assign({
        triggers: ({ context, event }) => [...(context.triggers ?? []), event.meta?.causationId ?? ''],
        outputs: () => ({}),
        waiting: () => null,
      }),
      noteTrigger: assign({
        triggers: ({ context, event }) => {
          const seen = context.triggers ?? [];
          const cause = event.meta?.causationId;
          return cause && !seen.includes(cause) ? [...seen, cause] : seen;
        },
      }),
      resumedByCause: assign({
        resumedBy: ({ context, event }) => {
          const cause = event.meta?.causationId;
          const seen = context.resumedBy ?? [];
          return cause && !seen.includes(cause) ? [...seen, cause] : seen;
        },
      }),
    },
    guards: {
      newRound: ({ context, event }) => {
        const seen = context.triggers ?? [];
        return seen.length < rounds && !seen.includes(event.meta?.eventId ?? '');
      },
      notSeenBefore: ({ context, event }) => !(context.resumedBy ?? []).includes(event.meta?.eventId ?? ''),
      ownWakeUp: ({ context, event }) => {
        const p = event.payload as { sequenceId?: string; waitSeq?: number } | undefined;
        return (
          p?.sequenceId === spec.id &&
          p.waitSeq === context.waiting?.seq &&
          !(context.resumedBy ?? []).includes(event.meta?.eventId ?? '')
        );
      },
    },
  }).createMachine({
    id: spec.id,
    initial: 'idle',
    context: { outputs: {} },
    states: states as never,
  });
  return machine as unknown as AnyStateMachine;
}

/**
 * A version that changes whenever the machine's structure does (states, transitions, actions, guards by name):
 * cached states of another version are rebuilt from the log, with nobody having to remember to bump a number.
 */
export function machineVersionOf(machine: AnyStateMachine): string {
  const structure = JSON.stringify({ id: machine.id, states: machine.config.states });
  return `${machine.id}/${createHash('sha256').update(structure).digest('hex').slice(0, 12)}`;
}

/** Outside event types a machine acts on in some state: triggers, awaited events, wake-ups. */
export function outsideEventTypes(machine: AnyStateMachine, ownEvents: ReadonlySet<string>): Set<string> {
  const types = new Set<string>();
  for (const state of Object.values(machine.config.states ?? {}) as Array<{ on?: Record<string, unknown> }>)
    for (const type of Object.keys(state.on ?? {})) if (!ownEvents.has(type)) types.add(type);
  return types;
}

/** The beats a machine runs, in the order it runs them when every beat succeeds: for conformance tests. */
export function happyPath(machine: AnyStateMachine, spec: SequenceSpec): string[] {
  const order: string[] = [];
  let node = machine.config.initial as string;
  const states = machine.config.states as Record<
    string,
    { entry?: { params?: { handler: string } }; on?: Record<string, { target: string }> }
  >;
  node = spec.beats[0]?.handler ?? node;
  for (const b of [...spec.beats].sort((a, c) => a.beat - c.beat)) {
    const state = states[node];
    if (!state?.entry?.params) break;
    order.push(state.entry.params.handler);
    node = state.on?.[b.event]?.target ?? '';
  }
  return order;
}
