/** Units of duration (to milliseconds) and size (to bytes) recognised after a number or glued to it. */

const DURATION_MS: ReadonlyMap<string, number> = new Map([
  ['ns', 1e-6],
  ['nanos', 1e-6],
  ['nanoseconds', 1e-6],
  ['us', 1e-3],
  ['µs', 1e-3],
  ['micros', 1e-3],
  ['microseconds', 1e-3],
  ['ms', 1],
  ['msec', 1],
  ['msecs', 1],
  ['millis', 1],
  ['milliseconds', 1],
  ['millisecond', 1],
  ['s', 1000],
  ['sec', 1000],
  ['secs', 1000],
  ['second', 1000],
  ['seconds', 1000],
  ['m', 60_000],
  ['min', 60_000],
  ['mins', 60_000],
  ['minute', 60_000],
  ['minutes', 60_000],
  ['h', 3_600_000],
  ['hr', 3_600_000],
  ['hrs', 3_600_000],
  ['hour', 3_600_000],
  ['hours', 3_600_000],
  ['d', 86_400_000],
  ['day', 86_400_000],
  ['days', 86_400_000],
]);

// Binary multiples for K/M/G/T: what most log writers mean by "12KB" (JVM, Spark, Hadoop); SI forms like
// `kB` are read the same way because logs rarely distinguish them.
const SIZE_BYTES: ReadonlyMap<string, number> = new Map([
  ['b', 1],
  ['byte', 1],
  ['bytes', 1],
  ['kb', 1024],
  ['kib', 1024],
  ['k', 1024],
  ['mb', 1024 ** 2],
  ['mib', 1024 ** 2],
  ['gb', 1024 ** 3],
  ['gib', 1024 ** 3],
  ['tb', 1024 ** 4],
  ['tib', 1024 ** 4],
  ['pb', 1024 ** 5],
  ['pib', 1024 ** 5],
]);

export type UnitKind = 'duration' | 'size';

export interface Unit {
  kind: UnitKind;
  /** Multiplier to milliseconds (duration) or bytes (size). */
  factor: number;
}

/**
 * The unit named by `word` (case-insensitive for sizes except a lone `m`/`M` ambiguity: `M` alone is
 * not taken). `m` is minutes only when lower-case; `b` alone is bytes.
 */
export function unitOf(word: string): Unit | null {
  if (word.length === 0 || word.length > 12) return null;
  const d = DURATION_MS.get(word);
  if (d !== undefined) return { kind: 'duration', factor: d };
  const lower = word.toLowerCase();
  if (lower !== word) {
    const d2 = word.length > 2 ? DURATION_MS.get(lower) : undefined;
    if (d2 !== undefined) return { kind: 'duration', factor: d2 };
  }
  if (word === 'M' || word === 'm' || word === 'k') return null;
  const z = SIZE_BYTES.get(lower);
  if (z !== undefined) return { kind: 'size', factor: z };
  return null;
}

/** Unit words as they follow a number in a message, for deciding that `<num> <unit>` is one quantity. */
export function isUnitWord(word: string): boolean {
  return unitOf(word) !== null;
}
