import { deepStrictEqual, fail, match } from 'node:assert/strict';
import { roundRunId } from '@self-healing/machines';
import { beatsOf, type HandlerName, type SequenceId } from '@self-healing/schemas';
import { platformTopicNames, type TopicNames } from '../contracts.js';
import { buildCommand, buildEvent, type StageEvent } from '../envelope.js';
import { createLogger, type Logger } from '../logger.js';
import type { ScopedEffects } from '../mongo/effects.js';
import {
  resumedByOf,
  type Beat,
  type BeatOutcome,
  type EarlierOutputs,
  type Emitted,
  type WaitRequest,
} from './defineStage.js';

export interface BeatSpecOptions {
  /** The run's id (the key of its events); `spec-run` by default. */
  runId?: string;
  /** The platform's topic names; unprefixed by default. */
  topics?: TopicNames;
  /** Which round of its incident the run is (1 by default; the run id is then the round's, see roundRunId). */
  round?: number;
  /** Outside actions; by default an in-memory ledger (each effect once per spec). */
  effects?: ScopedEffects;
  logger?: Logger;
  attempt?: number;
}

/** What starts the beat: a whole event, or a type and payload (an outside event, built as a command). */
export type SpecCause = StageEvent | { type: string; payload: unknown };

/** An in-memory effect ledger: each named effect runs once, a second call replays its result. */
export function memoryEffects(): ScopedEffects {
  const done = new Map<string, unknown>();
  return {
    async once(name, effect) {
      if (done.has(name)) return { result: done.get(name) as never, replayed: true };
      const result = await effect(`spec/${name}`);
      done.set(name, result);
      return { result, replayed: false };
    },
  };
}

/**
 * A beat's specification, in the spirit of emmett's DeciderSpecification: given the earlier beats' payloads, when
 * the beat runs (started by an event), then it emits this event, waits, or fails.
 *
 *   await beatSpec('anomaly.detect', 'detectAnomaliesRequested', detectAnomaliesRequested, deps)
 *     .given({})
 *     .when({ type: 'DetectAnomaliesCommand', payload })
 *     .then({ type: 'AnomalyDetectionRejected', payload: { ... } });
 *
 * A pure beat is specified without any server (its deps unused, effects in memory); a beat that reads or writes is
 * specified with deps on the real servers. Typed from the contract like the beat itself: `given` takes exactly what
 * the beat may read, `then` what it may emit.
 */
export function beatSpec<S extends SequenceId, H extends HandlerName<S>, D>(
  sequenceId: S,
  handler: H,
  beat: Beat<S, H, D>,
  deps: D,
  options: BeatSpecOptions = {},
) {
  const steps = beatsOf(sequenceId);
  const index = steps.findIndex((s) => s.handler === handler);
  const step = steps[index];
  if (!step) throw new Error(`${sequenceId} has no beat ${handler}`);
  const incidentId = options.runId ?? 'spec-run';
  const round = options.round ?? 1;
  const runId = roundRunId(incidentId, round);
  const previous = steps[index - 1];

  const causeOf = (cause: SpecCause | undefined, earlier: Record<string, unknown>): StageEvent => {
    if (cause && 'meta' in cause) return cause;
    if (cause) return buildCommand(cause.type, cause.payload, incidentId, 'beat-spec');
    if (!previous) throw new Error(`${handler} is the first beat: say which event starts it (when(...))`);
    // By default the beat runs on the previous beat's event, as in a run that nothing interrupted.
    return buildEvent(
      sequenceId,
      { type: previous.event, payload: earlier[previous.event] ?? null },
      {
        incidentId,
        seq: previous.beat,
        causationId: null,
        correlationId: incidentId,
        startedAt: null,
        occurredAt: 0,
        producer: 'beat-spec',
        sequenceId,
        beat: previous.beat,
        handler: previous.handler,
        attempt: 1,
        machineVersion: null,
      },
    );
  };

  return {
    given(earlier: EarlierOutputs<S, H>) {
      return {
        when(cause?: SpecCause) {
          const event = causeOf(cause, earlier as Record<string, unknown>);
          const run = (): Promise<BeatOutcome<S, H>> =>
            beat(
              {
                runId,
                incidentId,
                round,
                topics: options.topics ?? platformTopicNames(),
                cause: event,
                earlier,
                resumedBy: resumedByOf(step, event) as never,
                effects: options.effects ?? memoryEffects(),
                logger: options.logger ?? createLogger('beat-spec', 'silent'),
                attempt: options.attempt ?? 1,
              },
              deps,
            );
          return {
            /** Runs the beat and returns what it ended with, for assertions of one's own. */
            run,
            /** Then the beat emits exactly this event (and returns its whole outcome). */
            async then(expected: Extract<BeatOutcome<S, H>, { event: unknown }>['event']) {
              const outcome = await run();
              if (!('event' in outcome))
                fail(`${handler} waited (${JSON.stringify(outcome.wait)}) instead of emitting`);
              deepStrictEqual(outcome.event, expected as Emitted<string>);
              return outcome;
            },
            /** Then the beat waits (until this time, if given). */
            async thenWaits(expected: Partial<WaitRequest> = {}) {
              const outcome = (await run()) as BeatOutcome<S, H> | { wait: WaitRequest };
              if (!('wait' in outcome)) fail(`${handler} emitted ${outcome.event.type} instead of waiting`);
              for (const [k, v] of Object.entries(expected))
                deepStrictEqual(outcome.wait[k as keyof WaitRequest], v, `wait.${k}`);
              return outcome.wait;
            },
            /** Then the beat fails with an error whose message matches. */
            async thenThrows(message: RegExp) {
              const error = await run().then(
                (o) => fail(`${handler} ended with ${JSON.stringify(o).slice(0, 200)} instead of failing`),
                (e: unknown) => e as Error,
              );
              match(error.message, message);
              return error;
            },
          };
        },
      };
    },
  };
}
