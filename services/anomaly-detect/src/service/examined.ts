import type { TemplatedEvent } from '@self-healing/schemas';

/** Parse runs remembered per event-fed detector as examined (oldest forgotten first). */
export const EXAMINED_RUNS_KEPT = 500;

/**
 * Which events an event-fed detector takes in from a run, and what it remembers after. Events are deduplicated by
 * parse run, not by time: a parse run whose events were examined is never examined again (a second detection of
 * the same parse run feeds nothing twice), while a new parse run's events are all taken, even those older than the
 * newest event seen so far, down to `lateBy` behind it. Logs of several instances reach the raw topic in their own
 * chunks, so a run regularly carries events a little older than the previous run's newest: a watermark that dropped
 * them (as this once did) lost the second step of sessions split across two runs and reported it "missing". Events
 * later than `lateBy` are dropped: the detector could not judge them (its sessions have timed out meanwhile).
 * Pure.
 */
export function examine(
  events: readonly TemplatedEvent[],
  seenBefore: number,
  lateBy: number,
): { taken: TemplatedEvent[]; seenUntil: number } {
  const floor = seenBefore - lateBy;
  const taken = events.filter((e) => e.timestamp > floor).sort((a, b) => a.timestamp - b.timestamp);
  let seenUntil = seenBefore;
  for (const e of taken) if (e.timestamp > seenUntil) seenUntil = e.timestamp;
  return { taken, seenUntil };
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
