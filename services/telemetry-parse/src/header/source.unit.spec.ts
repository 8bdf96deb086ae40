import { describe, expect, it } from 'vitest';
import { SourceHeaderReader } from './source.js';

const pad = (n: number): string => String(n).padStart(2, '0');

describe('SourceHeaderReader', () => {
  it('given a declared preset, then every line is read with it and a line without that shape by the rules', () => {
    const r = new SourceHeaderReader({
      format: { preset: 'syslog-rfc3164' },
      referenceMs: Date.UTC(2024, 5, 30),
    });
    expect(r.read('Jun 14 15:16:01 box sshd[9]: closed')).toMatchObject({
      epochMs: Date.UTC(2024, 5, 14, 15, 16, 1),
      host: 'box',
      component: 'sshd',
      message: 'closed',
    });
    expect(r.read('  continuation of the last one')).toMatchObject({
      timestamp: null,
      message: 'continuation of the last one',
    });
    expect(r.read('2024-06-30 10:00:00 ERROR another writer')).toMatchObject({
      level: 'error',
      message: 'another writer',
    });
  });

  it('given a structured preset (pino), then it says so and reads no text header', () => {
    expect(new SourceHeaderReader({ format: { preset: 'pino' } }).structured).toBe(true);
  });

  it('given a bad declaration, then constructing the reader fails once, not every line', () => {
    expect(() => new SourceHeaderReader({ format: { regex: '(?<Level>' } })).toThrow(/regex/);
  });

  it('given no format and a primed sample, then the header is inferred before the first line is read', () => {
    const lines = Array.from(
      { length: 40 },
      (_, i) => `2024-01-02 03:04:${pad(i)} CRIT [w${i % 3}] q.Worker: job ${i} lost`,
    );
    const r = new SourceHeaderReader({ sample: 40 });
    r.prime(lines);
    expect(r.describe()).toBe('<Time> <Level> <Pid> <Component>: <Content>');
    expect(r.read(lines[5]!)).toMatchObject({
      level: 'fatal',
      process: 'w2',
      component: 'q.Worker',
      message: 'job 5 lost',
    });
  });
});
