import { describe, expect, it } from 'vitest';
import { avroStringBytes, isRegistryUnavailable, isStartupRace, prefixWithinBytes } from './codec.js';

describe('events sized before they are produced', () => {
  it('keeps the longest prefix within the byte budget and the item cap', () => {
    const items = ['a'.repeat(100), 'b'.repeat(100), 'c'.repeat(100)];
    expect(prefixWithinBytes(items, avroStringBytes, 250)).toEqual(items.slice(0, 2));
    expect(prefixWithinBytes(items, avroStringBytes, 10_000, 1)).toEqual(items.slice(0, 1));
    expect(prefixWithinBytes(items, avroStringBytes, 50)).toEqual([]);
    expect(avroStringBytes('é')).toBe(12);
  });
});

describe('registration errors', () => {
  it('tells the start-up race and an unavailable registry from a refused schema', () => {
    const race = Object.assign(
      new Error('Compatibility does not match the configuration (BACKWARD != NONE)'),
      {
        name: 'ConfluentSchemaRegistryCompatibilityError',
      },
    );
    expect(isStartupRace(race)).toBe(true);
    expect(isStartupRace(Object.assign(new Error('(BACKWARD != FULL)'), { name: race.name }))).toBe(false);
    expect(isRegistryUnavailable(Object.assign(new Error('x'), { status: 503 }))).toBe(true);
    expect(
      isRegistryUnavailable(
        Object.assign(new Error("A rule named 'COMPATIBILITY' already exists."), { status: 409 }),
      ),
    ).toBe(true);
    expect(isRegistryUnavailable(Object.assign(new Error('Incompatible artifact'), { status: 409 }))).toBe(
      false,
    );
    expect(isRegistryUnavailable(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isRegistryUnavailable(new Error('bad schema'))).toBe(false);
  });
});
