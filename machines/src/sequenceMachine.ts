import { assign, setup, type AnyStateMachine } from 'xstate';

/** The part of a sequence contract a machine needs: its beats in order, with handler and emitted event. */
export interface SequenceSpec {
  id: string;
  beats: ReadonlyArray<{ beat: number; handler: string; event: string }>;
}

export interface SequenceMachineOptions {
  /** Event types that open an incident of this stage (a command, an upstream stage's completion). */
  triggers: readonly string[];
  /** Emitted by a beat that refuses its input (e.g. an invalid request): the incident ends, rejected. */
  rejected: string;
  /** Emitted by the runtime when a beat is given up on: the incident ends, failed. */
  failed: string;
}

/**
 * The trigger is deliberately not kept here: the first beat receives it as its cause and puts what later beats
 * need into its own event, so that a state rebuilt from the stage topic alone equals the live one.
 */
export interface SequenceContext {
  /** Each beat's payload by event type: later beats read what earlier ones found. */
  outputs: Record<string, unknown>;
}

type AnyEvent = { type: string; payload?: unknown };

/**
 * A machine that follows a sequence beat for beat: entering a beat's state asks the runtime to run that beat
 * (`runBeat`), and the beat's own event moves it to the next one. The machine executes nothing itself; the
 * runtime drives it with the pure transition API and treats it as a decider.
 */
export function createSequenceMachine(spec: SequenceSpec, options: SequenceMachineOptions): AnyStateMachine {
  const beats = [...spec.beats].sort((a, b) => a.beat - b.beat);
  const first = beats[0];
  if (!first) throw new Error(`sequence ${spec.id} has no beats`);
  const ending = {
    [options.rejected]: { target: 'rejected', actions: 'record' },
    [options.failed]: { target: 'failed', actions: 'record' },
  };
  const states: Record<string, object> = {
    idle: {
      on: Object.fromEntries(options.triggers.map((t) => [t, { target: first.handler }])),
    },
    completed: { type: 'final' },
    rejected: { type: 'final' },
    failed: { type: 'final' },
  };
  beats.forEach((b, i) => {
    const next = beats[i + 1];
    states[b.handler] = {
      entry: { type: 'runBeat', params: { handler: b.handler, beat: b.beat } },
      on: { [b.event]: { target: next ? next.handler : 'completed', actions: 'record' }, ...ending },
    };
  });
  const machine = setup({
    types: {} as { context: SequenceContext; events: AnyEvent },
    actions: {
      // Executed by the runtime from the returned action list; nothing to do inside the machine.
      runBeat: () => undefined,
      record: assign({
        outputs: ({ context, event }) => ({ ...context.outputs, [event.type]: event.payload ?? null }),
      }),
    },
  }).createMachine({
    id: spec.id,
    initial: 'idle',
    context: { outputs: {} },
    states: states as never,
  });
  return machine as unknown as AnyStateMachine;
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
