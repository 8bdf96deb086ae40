import type { StageEvent } from '@self-healing/shared';

/**
 * The incident projection: one document per incident (a parse batch, a detection run, an opened incident...)
 * with where it stands, the timeline of its beats and the key outputs so far. `evolve` is pure and
 * deterministic (times come from the events), so a replay from offset zero rebuilds the very same documents.
 */
export interface TimelineEntry {
  stage: string;
  seq: number;
  eventId: string;
  beat: number | null;
  handler: string | null;
  event: string;
  startedAt: number | null;
  endedAt: number;
  durationMs: number | null;
  outcome: 'ok' | 'rejected' | 'failed';
}

export type IncidentStatus =
  'running' | 'waiting' | 'completed' | 'rejected' | 'failed' | 'open' | 'resolved';

export interface IncidentDoc {
  _id: string;
  /** Number of events applied; the guard of every write. */
  version: number;
  /** Last applied seq per stream (stage topic): the projection's checkpoint, inside the document it guards. */
  checkpoint: Record<string, number>;
  stage: string;
  status: IncidentStatus;
  correlationId: string;
  createdAt: number;
  updatedAt: number;
  timeline: TimelineEntry[];
  /** Each event's payload, summarised (long arrays cut, binary dropped), by event type. */
  outputs: Record<string, unknown>;
}

/** How the projection reads an event's outcome: a few types end or reopen incidents. */
export interface StatusRules {
  completed: (type: string) => boolean;
  rejected: (type: string) => boolean;
  failed: (type: string) => boolean;
  /** A beat ended in a wait (for an outside event or a time); the next event of the run ends it. */
  waiting: (type: string) => boolean;
  opened: (type: string) => boolean;
  /** The incident is over: closed by its owners, or healed (learning.track measured the fix resolving it). */
  resolved: (type: string, payload: unknown) => boolean;
}

export const defaultStatusRules: StatusRules = {
  completed: (t) => t.endsWith('Completed'),
  rejected: (t) => t.endsWith('Rejected'),
  failed: (t) => t.endsWith('Failed'),
  waiting: (t) => t.endsWith('Waiting'),
  opened: (t) => t === 'IncidentOpened' || t === 'IncidentReopened',
  resolved: (t, payload) =>
    t === 'IncidentResolved' ||
    (t === 'EffectivenessTrackingCompleted' &&
      (payload as { resolvesIncident?: unknown } | null)?.resolvesIncident === true),
};

const MAX_ARRAY = 50;

/** Field names safe for any MongoDB-compatible server (no dots, no leading `$`). */
export function safeKey(key: string): string {
  return key.replace(/\./g, '_').replace(/^\$/, '_');
}

export function summarise(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return typeof value === 'bigint' ? Number(value) : value;
  if (value instanceof Uint8Array) return undefined;
  if (depth > 6) return '…';
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ARRAY).map((v) => summarise(v, depth + 1));
    return value.length > MAX_ARRAY ? [...items, `… ${value.length - MAX_ARRAY} more`] : items;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const s = summarise(v, depth + 1);
    if (s !== undefined) out[safeKey(k)] = s;
  }
  return out;
}

/** The stream an event belongs to: its sequence (stage), or the topic for events outside sequences. */
export function streamOf(event: StageEvent, topic: string): string {
  return safeKey(event.meta.sequenceId ?? topic);
}

/** Returns the next document, or null when the event was applied already (a redelivery changes nothing). */
export function evolve(
  doc: IncidentDoc | null,
  event: StageEvent,
  topic: string,
  rules: StatusRules = defaultStatusRules,
): IncidentDoc | null {
  const { meta } = event;
  const stream = streamOf(event, topic);
  const applied = doc?.checkpoint[stream] ?? 0;
  if (meta.seq <= applied) return null;
  const type = meta.type;
  const outcome: TimelineEntry['outcome'] = rules.rejected(type)
    ? 'rejected'
    : rules.failed(type)
      ? 'failed'
      : 'ok';
  let status: IncidentStatus = doc?.status ?? 'running';
  if (rules.opened(type)) status = 'open';
  else if (rules.resolved(type, event.payload)) status = 'resolved';
  else if (outcome !== 'ok') status = outcome;
  else if (rules.waiting(type)) status = 'waiting';
  else if (rules.completed(type) && (status === 'running' || status === 'waiting')) status = 'completed';
  // A later stage picked it up, or the wait is over.
  else if (status === 'completed' || status === 'rejected' || status === 'failed' || status === 'waiting')
    status = 'running';
  const entry: TimelineEntry = {
    stage: meta.sequenceId ?? topic,
    seq: meta.seq,
    eventId: meta.eventId,
    beat: meta.beat,
    handler: meta.handler,
    event: type,
    startedAt: meta.startedAt,
    endedAt: meta.occurredAt,
    durationMs: meta.startedAt === null ? null : meta.occurredAt - meta.startedAt,
    outcome,
  };
  return {
    _id: meta.incidentId,
    version: (doc?.version ?? 0) + 1,
    checkpoint: { ...(doc?.checkpoint ?? {}), [stream]: meta.seq },
    stage: meta.sequenceId ?? doc?.stage ?? topic,
    status,
    correlationId: doc?.correlationId ?? meta.correlationId,
    createdAt: doc?.createdAt ?? meta.occurredAt,
    updatedAt: Math.max(doc?.updatedAt ?? 0, meta.occurredAt),
    timeline: [...(doc?.timeline ?? []), entry],
    outputs: { ...(doc?.outputs ?? {}), [safeKey(type)]: summarise(event.payload) },
  };
}
