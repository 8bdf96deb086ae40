import type { TemplatedEvent } from '@self-healing/schemas';

/** Parse runs remembered per event-fed detector as examined (oldest forgotten first). */
export const EXAMINED_RUNS_KEPT = 500;

/**
 * The newest event time a detector has examined, per service, and for services without one of their own (the
 * watermark of an older memory, which had one for all services).
 */
export interface ServiceClocks {
  byService: Record<string, number>;
  others: number;
}

/** A memory's clocks: older memories kept a single number for all services. */
export type SeenUntil = number | ServiceClocks;

/**
 * Which events an event-fed detector takes in from a run, and what it remembers after. Events are deduplicated by
 * parse run, not by time: a parse run whose events were examined is never examined again (a second detection of
 * the same parse run feeds nothing twice), while a new parse run's events are all taken, even those older than the
 * newest event seen so far, down to `lateBy` behind it. Logs of several instances reach the raw topic in their own
 * chunks, so a run regularly carries events a little older than the previous run's newest: a watermark that dropped
 * them (as this once did) lost the second step of sessions split across two runs and reported it "missing". Events
 * later than `lateBy` are dropped: the detector could not judge them (its sessions have timed out meanwhile).
 * "Later" is by the event's own service: each service ships its logs with its own delay, and a watermark shared
 * by ten services dropped the first steps of a slow shipper's sessions, whose remaining steps then looked like
 * sessions starting in the middle.
 * Pure.
 */
export function examine(
  events: readonly TemplatedEvent[],
  seenBefore: SeenUntil,
  lateBy: number,
): { taken: TemplatedEvent[]; seenUntil: ServiceClocks } {
  // Stored as JSON, an infinite clock comes back as null.
  const time = (t: number | null | undefined) => t ?? Number.NEGATIVE_INFINITY;
  const clocks: ServiceClocks =
    typeof seenBefore === 'number'
      ? { byService: {}, others: seenBefore }
      : { byService: { ...seenBefore.byService }, others: time(seenBefore.others) };
  const before = (service: string) => clocks.byService[service] ?? clocks.others;
  const taken = events
    .filter((e) => e.timestamp > before(e.service) - lateBy)
    .sort((a, b) => a.timestamp - b.timestamp);
  for (const e of taken) clocks.byService[e.service] = Math.max(before(e.service), e.timestamp);
  return { taken, seenUntil: clocks };
}

/** The parse runs of `requested` not examined yet. */
export function freshRuns(requested: readonly string[], examined: readonly string[] | undefined): string[] {
  const seen = new Set(examined ?? []);
  return requested.filter((id) => !seen.has(id));
}

/** The examined list after a run examined `fresh` (bounded). */
export function examinedAfter(examined: readonly string[] | undefined, fresh: readonly string[]): string[] {
  return [...(examined ?? []), ...fresh].slice(-EXAMINED_RUNS_KEPT);
}
