import { randomUUID } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';

/**
 * Every event we emit carries this envelope. The Kafka key is `incidentId`. An event's identity is
 * (incidentId, seq): `eventId` is derived from it, so an event produced twice (a retried beat, a redelivered
 * input) has the same id both times, and consumers drop the second copy by comparing `seq`.
 */
export interface EventMeta {
  eventId: string;
  type: string;
  incidentId: string;
  /** Position of the event in its incident's stream on one stage topic: 1, 2, 3 ... */
  seq: number;
  causationId: string | null;
  correlationId: string;
  /** When the beat that produced the event started and ended (epoch ms). */
  startedAt: number | null;
  occurredAt: number;
  producer: string;
  sequenceId: string | null;
  beat: number | null;
  handler: string | null;
  attempt: number;
  machineVersion: string | null;
}

export interface StageEvent<P = unknown> {
  meta: EventMeta;
  payload: P;
}

/** Namespace for name-based event ids; fixed forever, changing it would change every id. */
const EVENT_ID_NAMESPACE = '5b0e7a4c-3f86-4c1e-9d0e-6a1f2b9f8c11';

export function eventIdFor(stream: string, incidentId: string, seq: number): string {
  return uuidv5(`${stream}/${incidentId}/${seq}`, EVENT_ID_NAMESPACE);
}

/** A stable id for anything derived from other ids (commands, incidents), so retries agree on it. */
export function deterministicId(...parts: Array<string | number>): string {
  return uuidv5(parts.join('/'), EVENT_ID_NAMESPACE);
}

export interface NewEvent<P = unknown> {
  type: string;
  payload: P;
}

export function buildEvent<P>(
  stream: string,
  event: NewEvent<P>,
  meta: Omit<EventMeta, 'eventId' | 'type'>,
): StageEvent<P> {
  return {
    meta: { ...meta, type: event.type, eventId: eventIdFor(stream, meta.incidentId, meta.seq) },
    payload: event.payload,
  };
}

/**
 * The meta of an event written outside any beat (a command, an incident's lifecycle event): caused by nothing in
 * the log, run by no machine or handler, first attempt.
 */
export function outsideBeatMeta(m: {
  incidentId: string;
  seq: number;
  correlationId: string;
  occurredAt: number;
  producer: string;
}): Omit<EventMeta, 'eventId' | 'type'> {
  return {
    ...m,
    causationId: null,
    startedAt: null,
    sequenceId: null,
    beat: null,
    handler: null,
    attempt: 1,
    machineVersion: null,
  };
}

/**
 * A command or request as a producer outside the stages writes it (an operator's CLI, another team, a test): the
 * first event of its key, caused by nothing, starting a new correlation, outside any beat.
 */
export function buildCommand<P>(
  type: string,
  payload: P,
  incidentId: string,
  producer: string,
  eventId?: string,
  /** The flow the command belongs to (a stage asking the next one); a new one by default. */
  correlationId: string = randomUUID(),
): StageEvent<P> {
  const event = buildEvent(
    'commands',
    { type, payload },
    outsideBeatMeta({ incidentId, seq: 1, correlationId, occurredAt: Date.now(), producer }),
  );
  return eventId ? { ...event, meta: { ...event.meta, eventId } } : event;
}
