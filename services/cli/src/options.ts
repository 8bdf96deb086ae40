import { InvalidArgumentError } from 'commander';

/**
 * Option parsers that refuse what they cannot read, with a message naming what was expected. Commander turns
 * the refusal into a usage error, which healctl exits with 2 (bad usage), before anything is contacted.
 */

/** An integer in [min, max], written in plain digits (`abc`, `1.5`, `1e3` and `12abc` are refused). */
export function integerIn(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value: string) => {
    const text = value.trim();
    if (!/^-?\d+$/.test(text)) throw new InvalidArgumentError(`expected a whole number, got "${value}"`);
    const n = Number(text);
    if (n < min || n > max)
      throw new InvalidArgumentError(
        max === Number.MAX_SAFE_INTEGER
          ? `expected at least ${min}, got ${n}`
          : `expected ${min}..${max}, got ${n}`,
      );
    return n;
  };
}

/** One of the given words. */
export function oneOf<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value: string) => {
    if ((choices as readonly string[]).includes(value)) return value as T;
    throw new InvalidArgumentError(`expected one of ${choices.join(', ')}; got "${value}"`);
  };
}

/** `partition:offset`, as `dlq list` shows dead letters. */
export function partitionOffset(value: string, previous: string[] = []): string[] {
  if (!/^\d+:\d+$/.test(value)) throw new InvalidArgumentError(`expected partition:offset, got "${value}"`);
  return [...previous, value];
}
