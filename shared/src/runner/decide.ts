import { initialTransition, transition, type AnyStateMachine, type AnyMachineSnapshot } from 'xstate';
import type { StageEvent } from '../envelope.js';

/**
 * The pure heart of the machine runner. The event log is the truth; the cached state is only a shortcut to
 * avoid re-reading it. Given the cache and one incoming event, `decide` says what to do, executing nothing.
 *
 * Event identity is (incident, seq) on the stage topic. The cache records:
 * - `lastSeq`: the last stage event folded into `snapshot` (0 = only the trigger);
 * - `emittedSeq`: the highest seq whose production is known to be committed;
 * - `pendingBeat`: the beat the snapshot asks to run, if its event has not been seen yet;
 * - `outsideEventId`: the outside event (trigger, awaited command, wake-up) that asked for the pending beat, if one
 *   did: delivered again before the beat's event is committed, it runs the beat again; after, it is a duplicate.
 *
 * Outside events (on the trigger topics) are not in the stage's log: a trigger starts a run, an awaited event or a
 * wake-up resumes a waiting one, and anything else (a second trigger, a second copy of a command) changes nothing.
 */
export interface BeatRequest {
  handler: string;
  beat: number;
}

export interface PersistedState {
  value: unknown;
  context: unknown;
  status: string;
}

export interface IncidentCache {
  incidentId: string;
  machineVersion: string;
  lastSeq: number;
  emittedSeq: number;
  outsideEventId: string | null;
  pendingBeat: BeatRequest | null;
  state: PersistedState;
  /**
   * Triggers of the next round that came while a round was running (machines with rounds only), the latest of each
   * type: taken up when the run ends, so that evidence arriving mid-round is not dropped (see `defer`).
   */
  deferred?: StageEvent[];
  /** The deferred trigger that started the pending beat: its cause again if the beat must be run again. */
  startedBy?: StageEvent | null;
}

export type Decision =
  | { kind: 'skip'; reason: 'duplicate' | 'not-for-this-machine' | 'not-awaited' }
  | { kind: 'rebuild' }
  | { kind: 'defer'; cache: IncidentCache }
  | { kind: 'run'; cache: IncidentCache; beat: BeatRequest }
  | { kind: 'advance'; cache: IncidentCache };

export type MachineEvent = { type: string; payload: unknown; meta: StageEvent['meta'] };

export function asMachineEvent(event: StageEvent): MachineEvent {
  return { type: event.meta.type, payload: event.payload, meta: event.meta };
}

export function persist(snapshot: AnyMachineSnapshot): PersistedState {
  return { value: snapshot.value, context: snapshot.context, status: snapshot.status };
}

export function restore(machine: AnyStateMachine, state: PersistedState): AnyMachineSnapshot {
  return machine.resolveState({ value: state.value as never, context: state.context as never });
}

/** The beat the machine asks to run, from the actions a transition returned (`runBeat` with params). */
export function beatFrom(actions: ReadonlyArray<{ type: string; params?: unknown }>): BeatRequest | null {
  const run = actions.find((a) => a.type === 'runBeat');
  if (!run) return null;
  const params = run.params as Partial<BeatRequest> | undefined;
  if (!params?.handler || typeof params.beat !== 'number')
    throw new Error('runBeat action without handler and beat');
  return { handler: params.handler, beat: params.beat };
}

function step(machine: AnyStateMachine, state: PersistedState, event: MachineEvent) {
  const [next, actions] = transition(machine, restore(machine, state), event as never);
  return { state: persist(next), beat: beatFrom(actions as never) };
}

const handledTypes = new WeakMap<AnyStateMachine, Set<string>>();

/** A machine whose ended runs take a new trigger (see the sequence machine's `rounds`): its completed state is not final. */
function hasRounds(machine: AnyStateMachine): boolean {
  const completed = (machine.config.states as Record<string, { type?: string }> | undefined)?.completed;
  return completed !== undefined && completed.type !== 'final';
}

/** The states a run of a machine with rounds ends in, where a trigger starts the next round. */
const ENDED = new Set(['completed', 'rejected', 'failed']);

/** Whether the run is in an ended state (or has not started): a trigger now is taken or refused, never deferred. */
export function runEnded(state: PersistedState): boolean {
  return typeof state.value === 'string' && (ENDED.has(state.value) || state.value === 'idle');
}

/**
 * A trigger that a running round cannot take (the machine is between beats, or waiting for CI), for a machine whose
 * ended runs start new rounds: kept in the cache until the run ends, instead of dropped. An update with new evidence
 * arriving while the incident's first diagnosis is still running would otherwise never be diagnosed. Only the latest
 * of each type is kept: a round reads the incident as it then is, so one pending trigger of a kind is enough, and the
 * queue stays bounded. Null when the event is not such a trigger (an awaited command out of turn, a wake-up).
 */
function defer(machine: AnyStateMachine, cache: IncidentCache, event: StageEvent): Decision | null {
  if (!hasRounds(machine) || runEnded(cache.state)) return null;
  const completed = (machine.config.states as Record<string, { on?: object }>).completed;
  if (!completed?.on || !(event.meta.type in completed.on)) return null;
  const queued = cache.deferred ?? [];
  if (queued.some((e) => e.meta.eventId === event.meta.eventId)) return { kind: 'skip', reason: 'duplicate' };
  return {
    kind: 'defer',
    cache: { ...cache, deferred: [...queued.filter((e) => e.meta.type !== event.meta.type), event] },
  };
}

/** Event types some state of the machine acts on. */
function handles(machine: AnyStateMachine, type: string): boolean {
  let types = handledTypes.get(machine);
  if (!types) {
    types = new Set();
    for (const state of Object.values(machine.config.states ?? {}) as Array<{ on?: object }>)
      for (const t of Object.keys(state.on ?? {})) types.add(t);
    handledTypes.set(machine, types);
  }
  return types.has(type);
}

/**
 * An event from a trigger topic: it starts a run (a trigger), resumes a waiting one (an awaited command, a
 * wake-up), or changes nothing. `rebuild` asks the runner to fold the run's state from the log first: the event
 * may be awaited by a run whose cached state is gone or from another machine version.
 */
export function decideOutside(
  machine: AnyStateMachine,
  machineVersion: string,
  cache: IncidentCache | null,
  event: StageEvent,
  /** The runner read the stage's log and found no run of the incident: a trigger starts the first. */
  noRunInLog = false,
  /** The run the event belongs to (StageDefinition.runKeyOf); by default its incident. */
  key: string = event.meta.incidentId,
): Decision {
  if (!handles(machine, event.meta.type)) return { kind: 'skip', reason: 'not-for-this-machine' };
  if (cache && cache.machineVersion === machineVersion) {
    if (cache.outsideEventId === event.meta.eventId) {
      // This event asked for the pending beat: run it again unless its event is known to be committed.
      return cache.pendingBeat && cache.emittedSeq <= cache.lastSeq
        ? { kind: 'run', cache, beat: cache.pendingBeat }
        : { kind: 'skip', reason: 'duplicate' };
    }
    const { state, beat } = step(machine, cache.state, asMachineEvent(event));
    if (!beat) return defer(machine, cache, event) ?? { kind: 'skip', reason: 'not-awaited' };
    return {
      kind: 'run',
      beat,
      cache: { ...cache, pendingBeat: beat, outsideEventId: event.meta.eventId, state, startedBy: null },
    };
  }
  // A cached state of another machine version may hide a run the trigger must not start over; so may a missing cache
  // of a machine whose runs have rounds (the cache is only a shortcut: the log says which round comes next).
  if (!noRunInLog && (cache || hasRounds(machine))) return { kind: 'rebuild' };
  const [initial] = initialTransition(machine);
  const { state, beat } = step(machine, persist(initial), asMachineEvent(event));
  if (!beat) return { kind: 'rebuild' };
  return {
    kind: 'run',
    beat,
    cache: {
      incidentId: key,
      machineVersion,
      lastSeq: 0,
      emittedSeq: 0,
      outsideEventId: event.meta.eventId,
      pendingBeat: beat,
      state,
    },
  };
}

export function decideStageEvent(
  machine: AnyStateMachine,
  machineVersion: string,
  cache: IncidentCache | null,
  event: StageEvent,
): Decision {
  const seq = event.meta.seq;
  if (!cache || cache.machineVersion !== machineVersion) return { kind: 'rebuild' };
  if (cache.lastSeq > seq || cache.emittedSeq > seq) return { kind: 'skip', reason: 'duplicate' };
  if (cache.lastSeq === seq) {
    // Folded before, but the beat it asked for may not have been committed: run it again (handlers are
    // idempotent and the output event has the same id), or just acknowledge if it asked for none.
    return cache.pendingBeat ? { kind: 'run', cache, beat: cache.pendingBeat } : { kind: 'advance', cache };
  }
  if (cache.lastSeq !== seq - 1) return { kind: 'rebuild' };
  return apply(machine, cache, event);
}

function apply(machine: AnyStateMachine, cache: IncidentCache, event: StageEvent): Decision {
  const { state, beat } = step(machine, cache.state, asMachineEvent(event));
  const next: IncidentCache = {
    ...cache,
    lastSeq: event.meta.seq,
    emittedSeq: Math.max(cache.emittedSeq, event.meta.seq),
    pendingBeat: beat,
    // A beat this event asks for is caused by it, not by any outside event.
    outsideEventId: null,
    startedBy: null,
    state,
  };
  return beat ? { kind: 'run', cache: next, beat } : { kind: 'advance', cache: next };
}

/**
 * Rebuilds the cache from the incident's stage events as read from the log (any order, duplicates allowed),
 * up to and including `upToSeq`. The trigger is not on the stage topic: the first beat's event carries what
 * later beats need from it, and folding starts in the first beat's state. Nor are the outside events that
 * resumed a wait: the beat event after a wait moves on from the waiting state directly.
 */
export function fold(
  machine: AnyStateMachine,
  machineVersion: string,
  firstBeatState: string,
  events: StageEvent[],
  upToSeq: number,
): IncidentCache {
  const bySeq = new Map<number, StageEvent>();
  for (const e of events) if (e.meta.seq <= upToSeq && !bySeq.has(e.meta.seq)) bySeq.set(e.meta.seq, e);
  const first = bySeq.get(1);
  if (!first) throw new Error(`cannot rebuild incident: its first event is not in the log`);
  const start = machine.resolveState({
    value: firstBeatState as never,
    context: machine.config.context as never,
  });
  let cache: IncidentCache = {
    incidentId: first.meta.incidentId,
    machineVersion,
    lastSeq: 0,
    emittedSeq: 0,
    outsideEventId: null,
    pendingBeat: null,
    state: persist(start),
  };
  for (let seq = 1; seq <= upToSeq; seq++) {
    const e = bySeq.get(seq);
    if (!e)
      throw new Error(
        `cannot rebuild incident ${first.meta.incidentId}: event ${seq} is missing from the log`,
      );
    const d = apply(machine, cache, e);
    if (d.kind !== 'run' && d.kind !== 'advance') throw new Error('unreachable');
    cache = d.cache;
  }
  return cache;
}
