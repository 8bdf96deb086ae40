/**
 * Appends `items` to `target` in place. `target.push(...items)` passes every item as an argument and overflows
 * the call stack beyond some hundred thousand items, which a large parse run reaches.
 */
export function append<T>(target: T[], items: readonly T[]): T[] {
  for (const item of items) target.push(item);
  return target;
}

/** Smallest and largest value, without spreading the array into arguments (see `append`); `empty` when none. */
export function minOf(values: Iterable<number>, empty = Number.POSITIVE_INFINITY): number {
  let min = empty;
  for (const v of values) if (v < min) min = v;
  return min;
}

export function maxOf(values: Iterable<number>, empty = Number.NEGATIVE_INFINITY): number {
  let max = empty;
  for (const v of values) if (v > max) max = v;
  return max;
}
