import type { OffsetRange } from '@self-healing/shared';
import { deterministicId } from '@self-healing/shared';
import { mergeRanges, onePerPartition, overlaps, subtractRanges } from './offsetRanges.js';

/**
 * The ledger of parse requests over one raw topic, as pure state transitions (its MongoDB documents and their
 * compare-and-set writes live in commands/parseRequests.ts).
 *
 * A request is first reserved (`pending`, with everything needed to send it again), then sent to the commands
 * topic, then settled (its ranges joined to `requested`). Whoever crashes between reserving and settling leaves a
 * pending request behind; after a grace period the next invocation sends it again under the same run id, which
 * the telemetry stage ignores if the first copy arrived (a trigger for an existing run is skipped), and settles it.
 * So no range is ever parsed twice and none is lost.
 */

export interface PendingRequest {
  runId: string;
  ranges: OffsetRange[];
  services: string[];
  windowMs: number | null;
  comment: string;
  /** Epoch ms when it was reserved. */
  reservedAt: number;
}

export interface LedgerState {
  /** Incremented by every write; a write succeeds only against the version it read. */
  version: number;
  /** Merged ranges whose parse request is on the commands topic. */
  requested: OffsetRange[];
  pending: PendingRequest[];
}

export const EMPTY_LEDGER: LedgerState = { version: 0, requested: [], pending: [] };

/** Every offset requested or about to be: what nobody may request again. */
export function claimedRanges(state: LedgerState): OffsetRange[] {
  return mergeRanges([...state.requested, ...state.pending.flatMap((p) => p.ranges)]);
}

/** A run id that depends only on what is parsed, so that sending the same request again names the same run. */
export function runIdFor(topic: string, ranges: readonly OffsetRange[]): string {
  return `parse-${deterministicId(
    'parse',
    topic,
    ...mergeRanges(ranges).map((r) => `${r.partition}:${r.fromOffset}-${r.toOffset}`),
  )}`;
}

export interface RequestTemplate {
  topic: string;
  /** Run id of the first request; later ones get `-2`, `-3`... Default: derived from the ranges. */
  runId?: string;
  services: string[];
  windowMs: number | null;
  comment: (records: number) => string;
}

/**
 * The requests covering `wanted` minus everything claimed: as few as the one-range-per-partition rule of a parse
 * command allows (one, unless a partition has gaps).
 */
export function planRequests(
  state: LedgerState,
  wanted: readonly OffsetRange[],
  template: RequestTemplate,
  now: number,
): PendingRequest[] {
  const groups = onePerPartition(subtractRanges(wanted, claimedRanges(state)));
  return groups.map((ranges, k) => ({
    runId: template.runId
      ? k === 0
        ? template.runId
        : `${template.runId}-${k + 1}`
      : runIdFor(template.topic, ranges),
    ranges,
    services: template.services,
    windowMs: template.windowMs,
    comment: template.comment(ranges.reduce((n, r) => n + r.toOffset - r.fromOffset, 0)),
    reservedAt: now,
  }));
}

/** The state with `requests` reserved. Refuses a request that overlaps a claimed range: it would be parsed twice. */
export function reserve(state: LedgerState, requests: readonly PendingRequest[]): LedgerState {
  let claimed = claimedRanges(state);
  for (const r of requests) {
    if (overlaps(r.ranges, claimed)) throw new Error(`run ${r.runId} overlaps ranges already requested`);
    if (state.pending.some((p) => p.runId === r.runId)) throw new Error(`run ${r.runId} is already pending`);
    claimed = mergeRanges([...claimed, ...r.ranges]);
  }
  return { version: state.version + 1, requested: state.requested, pending: [...state.pending, ...requests] };
}

/** The state with the named pending requests moved to `requested` (names not pending are ignored). */
export function settle(state: LedgerState, runIds: readonly string[]): LedgerState {
  const done = state.pending.filter((p) => runIds.includes(p.runId));
  return {
    version: state.version + 1,
    requested: mergeRanges([...state.requested, ...done.flatMap((p) => p.ranges)]),
    pending: state.pending.filter((p) => !runIds.includes(p.runId)),
  };
}

/** Pending requests older than the grace period: their writer has most likely crashed before settling them. */
export function abandoned(state: LedgerState, now: number, graceMs: number): PendingRequest[] {
  return state.pending.filter((p) => now - p.reservedAt >= graceMs);
}

/**
 * The state a ledger starts from on a topic that the earlier per-topic cursor (`next` offset per partition) was
 * tracking: everything below the cursor was requested.
 */
export function fromCursor(next: Record<string, number>): LedgerState {
  return {
    ...EMPTY_LEDGER,
    requested: mergeRanges(
      Object.entries(next).map(([p, to]) => ({ partition: Number(p), fromOffset: 0, toOffset: to })),
    ),
  };
}
