import {
  beatsOf,
  eventTypeInfo,
  stageContract,
  topicNames,
  type BeatOf,
  type EventType,
  type HandlerName,
  type PayloadOf,
  type SequenceId,
  type SequenceOf,
  type StageContractOf,
  type TopicName,
} from '@self-healing/schemas';
import { roundOf, roundRunId, stageMachine, WAKE_UP, type SequenceContext } from '@self-healing/machines';
import type { TopicNames } from '../contracts.js';
import type { StageEvent } from '../envelope.js';
import type { Logger } from '../logger.js';
import type { ScopedEffects } from '../mongo/effects.js';
import type { BeatHandler, BeatResult, StageDefinition } from './stageRunner.js';

// ---- Types derived from the contract ------------------------------------------------------------------------

type FlattenBeats<M> = M extends readonly [infer First, ...infer Rest]
  ? First extends { readonly beats: infer B extends readonly unknown[] }
    ? [...B, ...FlattenBeats<Rest>]
    : never
  : [];
/** A sequence's beats in order, as a tuple of their literal types. */
export type OrderedBeats<S extends SequenceId> = FlattenBeats<SequenceOf<S>['movements']>;
type BeatsBefore<L, H> = L extends readonly [infer B, ...infer Rest]
  ? B extends { readonly handler: H }
    ? []
    : [B, ...BeatsBefore<Rest, H>]
  : [];
type BeatNamed<S extends SequenceId, H> = Extract<BeatOf<S>, { readonly handler: H }>;
type EventOfBeat<B> = B extends { readonly event: infer E extends EventType } ? E : never;

/** An event as a beat writes it: its type and the payload its Avro schema says. */
export type Emitted<T> = T extends EventType ? { type: T; payload: PayloadOf<T> } : never;

/** What the beats before `H` emitted, by event type: all of them have run when `H` runs. */
export type EarlierOutputs<S extends SequenceId, H extends string> = {
  readonly [B in BeatsBefore<OrderedBeats<S>, H>[number] as EventOfBeat<B>]: PayloadOf<EventOfBeat<B>>;
};

type WaitOf<S extends SequenceId, H> = BeatNamed<S, H> extends { readonly waits: infer W } ? W : never;
/** True when the contract lets beat `H` end in a wait. */
export type BeatWaits<S extends SequenceId, H> = [WaitOf<S, H>] extends [never] ? false : true;
type AwaitedOf<S extends SequenceId, H> =
  WaitOf<S, H> extends { readonly for: readonly (infer F)[] } ? F : never;

/** What ended a beat's wait: one of the outside events its contract names, or its wake-up (deadline or timer). */
export type ResumedBy<S extends SequenceId, H> =
  Emitted<AwaitedOf<S, H>> | { type: typeof WAKE_UP; payload: PayloadOf<'WakeUpCommand'> };

/** A beat's input: the run, what started this run of the beat, and the earlier beats' payloads it may read. */
export interface BeatContext<S extends SequenceId, H extends string> {
  /**
   * The run's id: the incident (or run) id, the key of every event of the run, in its first round; `<incident>~<n>`
   * in round n of a stage that runs again (see roundRunId). Case files and workspaces are keyed by it.
   */
  runId: string;
  /** The incident (or run) id whatever the round. */
  incidentId: string;
  /** Which run of this incident this is (1 for the first). */
  round: number;
  /** The platform's topic names (for a beat that publishes on another topic, e.g. a command). */
  topics: TopicNames;
  /** The event whose arrival started this beat: the trigger for the first beat, else the previous beat's event. */
  cause: StageEvent;
  earlier: EarlierOutputs<S, H>;
  /** For a beat that waits and runs again: what ended the wait. Null on its first run (and for other beats). */
  resumedBy: BeatWaits<S, H> extends true ? ResumedBy<S, H> | null : null;
  /** Outside actions that must happen once per run (an idempotency key each). */
  effects: ScopedEffects;
  logger: Logger;
  attempt: number;
}

/** Things a beat may hand the runtime besides its event (see BeatResult). */
export type BeatExtras = Omit<BeatResult, 'event'>;

/** A wait instead of the beat's event: until when, and why (shown by `healctl waiting`). */
export interface WaitRequest {
  /** The deadline for the awaited events, or the time to wake the run (epoch ms). */
  until: number;
  reason: string;
}

/** What a beat ends with: its own event, the stage's rejection, or (when its contract allows) a wait. */
export type BeatOutcome<S extends SequenceId, H extends string> =
  | ({ event: Emitted<EventOfBeat<BeatNamed<S, H>> | StageContractOf<S>['rejected']> } & BeatExtras)
  | (BeatWaits<S, H> extends true ? { wait: WaitRequest } : never);

/** One beat: orchestration only (read, decide, write); `deps` are the stage's stores and settings. */
export type Beat<S extends SequenceId, H extends string, D> = (
  input: BeatContext<S, H>,
  deps: D,
) => Promise<BeatOutcome<S, H>>;

/** Every beat of a stage, by handler name: a missing, extra or misnamed beat does not compile. */
export type StageBeats<S extends SequenceId, D> = { readonly [H in HandlerName<S>]: Beat<S, H, D> };

// ---- The stage definition the runner runs ----------------------------------------------------------------------

export interface StageOptions<D> {
  /** The stage's stores, settings and clients, handed to every beat. */
  deps: D;
  /** The platform's topic names under this environment's prefix. */
  topics: TopicNames;
  /** Releases what the beats hold (worker threads, caches); called once the runner has stopped. */
  close?: () => Promise<void>;
  /** One active instance at a time (see StageDefinition.exclusive). */
  exclusive?: boolean;
  /** How often stored waits are checked for their time (default 1 s). */
  wakeUpPollMs?: number;
  /** The run an outside event belongs to, when not its incident (see StageDefinition.runKeyOf). */
  runKeyOf?: (event: StageEvent) => string;
  /** Whether an outside event may act on a run at all (see StageDefinition.admits). */
  admits?: (event: StageEvent) => Promise<boolean>;
}

/**
 * What ended a waiting beat's wait, when the event that runs it again is one: an outside event its contract names,
 * or its wake-up. Null for a first run and for beats that do not wait.
 */
export function resumedByOf(
  step: { readonly waits: { readonly for: readonly string[] } | null },
  cause: StageEvent,
): { type: string; payload: unknown } | null {
  const resumes = step.waits && (step.waits.for.includes(cause.meta.type) || cause.meta.type === WAKE_UP);
  return resumes ? { type: cause.meta.type, payload: cause.payload } : null;
}

/** The prefixed name of one of the catalogue's topics. */
export function topicIn(topics: TopicNames, name: TopicName): string {
  const key = (Object.keys(topicNames) as Array<keyof typeof topicNames>).find((k) => topicNames[k] === name);
  if (!key) throw new Error(`topic ${name} is not in the catalogue`);
  return topics[key];
}

/**
 * A stage from its contract and its beats. The machine, its version, the stage topic, the trigger topics, the
 * Failed, Rejected and Waiting events and the first beat's state all come from the sequence and the pipeline in
 * `schemas/`; the beats are typed from them, so a stage's code holds only what its beats do.
 */
export function defineStage<S extends SequenceId, D>(
  sequenceId: S,
  beats: StageBeats<S, D>,
  options: StageOptions<D>,
): StageDefinition {
  const contract = stageContract(sequenceId);
  const steps = beatsOf(sequenceId);
  const { machine, version, firstBeatState } = stageMachine(sequenceId);
  const given = Object.keys(beats).sort();
  const expected = steps.map((s) => s.handler).sort();
  if (given.join() !== expected.join())
    throw new Error(`${sequenceId} needs exactly the beats ${expected.join(', ')}; got ${given.join(', ')}`);
  const waiting = 'waiting' in contract ? (contract.waiting as EventType) : null;
  const topicOf = (type: string) => {
    const info = eventTypeInfo(type);
    if (!info) throw new Error(`${sequenceId}: no schema for ${type}`);
    return topicIn(options.topics, info.topic);
  };
  const outside = [...contract.triggers, ...contract.awaits, ...(waiting ? [WAKE_UP] : [])];
  const handlers: Record<string, BeatHandler> = {};
  for (const step of steps) {
    const beat = beats[step.handler as HandlerName<S>] as unknown as Beat<S, HandlerName<S>, D>;
    const awaited = step.waits?.for ?? [];
    const allowed = new Set<string>([step.event, contract.rejected]);
    handlers[step.handler] = async (input) => {
      const { cause } = input;
      const round = roundOf(input.context as SequenceContext);
      const outcome = await beat(
        {
          runId: roundRunId(input.incidentId, round),
          incidentId: input.incidentId,
          round,
          topics: options.topics,
          cause,
          // The one place the untyped machine context meets the contract's types.
          earlier: (input.context as SequenceContext).outputs as never,
          resumedBy: resumedByOf(step, cause) as never,
          effects: input.effects,
          logger: input.logger,
          attempt: input.attempt,
        },
        options.deps,
      );
      if ('wait' in outcome) {
        if (!waiting) throw new Error(`${step.handler} waited, but ${sequenceId} has no beat that waits`);
        const payload: PayloadOf<'DeploymentWaiting'> = {
          beat: step.beat,
          handler: step.handler,
          for: [...awaited],
          until: outcome.wait.until,
          reason: outcome.wait.reason,
        };
        return { event: { type: waiting, payload } };
      }
      const result = outcome as BeatResult;
      if (!allowed.has(result.event.type))
        throw new Error(
          `${step.handler} emitted ${result.event.type}; its contract allows ${[...allowed].join(', ')}`,
        );
      return result;
    };
  }
  return {
    stage: sequenceId,
    machine,
    machineVersion: version,
    firstBeatState,
    stageTopic: topicIn(options.topics, contract.topic),
    triggerTopics: [...new Set(outside.map(topicOf))],
    handlers,
    failedEventType: contract.failed,
    ...(waiting
      ? {
          waits: {
            eventType: waiting,
            wakeUpTopic: topicOf(WAKE_UP),
            ...(options.wakeUpPollMs ? { pollMs: options.wakeUpPollMs } : {}),
          },
        }
      : {}),
    ...(options.close ? { close: options.close } : {}),
    ...(options.exclusive ? { exclusive: true } : {}),
    ...(options.runKeyOf ? { runKeyOf: options.runKeyOf } : {}),
    ...(options.admits ? { admits: options.admits } : {}),
  };
}
