import type { OffsetRange } from '@self-healing/shared';

/**
 * Arithmetic on half-open offset ranges `[fromOffset, toOffset)` of a topic's partitions: what was requested for
 * parsing, what is left to request. Pure: no I/O, inputs are never modified.
 */

/** A partition's log as the broker reports it: `low` is the first offset retained, `high` the next one to be written. */
export interface PartitionEnds {
  partition: number;
  low: number;
  high: number;
}

const byPosition = (a: OffsetRange, b: OffsetRange) =>
  a.partition - b.partition || a.fromOffset - b.fromOffset || a.toOffset - b.toOffset;

/**
 * The same offsets in the fewest ranges: sorted by partition then offset, overlapping or touching ranges of a
 * partition joined, empty ones dropped.
 */
export function mergeRanges(ranges: readonly OffsetRange[]): OffsetRange[] {
  const out: OffsetRange[] = [];
  for (const r of [...ranges].filter((x) => x.toOffset > x.fromOffset).sort(byPosition)) {
    const last = out[out.length - 1];
    if (last && last.partition === r.partition && r.fromOffset <= last.toOffset)
      last.toOffset = Math.max(last.toOffset, r.toOffset);
    else out.push({ partition: r.partition, fromOffset: r.fromOffset, toOffset: r.toOffset });
  }
  return out;
}

/** The offsets of `ranges` that are not in `taken`, merged. */
export function subtractRanges(ranges: readonly OffsetRange[], taken: readonly OffsetRange[]): OffsetRange[] {
  const holes = mergeRanges(taken);
  const out: OffsetRange[] = [];
  for (const r of mergeRanges(ranges)) {
    let from = r.fromOffset;
    for (const h of holes) {
      if (h.partition !== r.partition || h.toOffset <= from) continue;
      if (h.fromOffset >= r.toOffset) break;
      if (h.fromOffset > from) out.push({ partition: r.partition, fromOffset: from, toOffset: h.fromOffset });
      from = Math.max(from, h.toOffset);
      if (from >= r.toOffset) break;
    }
    if (from < r.toOffset) out.push({ partition: r.partition, fromOffset: from, toOffset: r.toOffset });
  }
  return out;
}

/**
 * Every offset the partitions still hold that was never requested, gaps between earlier requests included, merged
 * into as few ranges as possible. Offsets below `low` are gone (retention) and cannot be requested.
 */
export function unrequestedRanges(
  ends: readonly PartitionEnds[],
  requested: readonly OffsetRange[],
): OffsetRange[] {
  return subtractRanges(
    ends.map((e) => ({ partition: e.partition, fromOffset: e.low, toOffset: e.high })),
    requested,
  );
}

/**
 * Splits ranges into the fewest groups that name each partition at most once (a parse command allows one range
 * per partition): group k holds the k-th range of every partition, so usually there is a single group.
 */
export function onePerPartition(ranges: readonly OffsetRange[]): OffsetRange[][] {
  const groups: OffsetRange[][] = [];
  const seen = new Map<number, number>();
  for (const r of mergeRanges(ranges)) {
    const k = seen.get(r.partition) ?? 0;
    seen.set(r.partition, k + 1);
    (groups[k] ??= []).push(r);
  }
  return groups;
}

/** Whether two sets of ranges share an offset. */
export function overlaps(a: readonly OffsetRange[], b: readonly OffsetRange[]): boolean {
  return offsetCount(subtractRanges(a, b)) !== offsetCount(mergeRanges(a));
}

export function offsetCount(ranges: readonly OffsetRange[]): number {
  return ranges.reduce((n, r) => n + Math.max(0, r.toOffset - r.fromOffset), 0);
}
