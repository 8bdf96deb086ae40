import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { integerIn, oneOf, partitionOffset } from './options.js';

describe('option parsers', () => {
  it('integerIn reads plain whole numbers in range and refuses everything else', () => {
    const limit = integerIn(1, 1000);
    expect(limit('50')).toBe(50);
    for (const bad of ['abc', '1.5', '1e3', '12abc', '', '0', '1001'])
      expect(() => limit(bad), bad).toThrow(InvalidArgumentError);
    expect(() => integerIn(1)('0')).toThrow('expected at least 1, got 0');
  });

  it('oneOf names the choices', () => {
    const status = oneOf(['open', 'resolved'] as const);
    expect(status('open')).toBe('open');
    expect(() => status('bogus')).toThrow('expected one of open, resolved; got "bogus"');
  });

  it('partitionOffset collects refs and refuses malformed ones', () => {
    expect(partitionOffset('1:2', ['0:1'])).toEqual(['0:1', '1:2']);
    expect(() => partitionOffset('x')).toThrow(InvalidArgumentError);
  });
});

describe('progress on stderr', () => {
  it('says nothing for a command done within a second, and never writes to stdout', async () => {
    const { progress } = await import('./output.js');
    const writes: string[] = [];
    const err = process.stderr.write.bind(process.stderr);
    const out = process.stdout.write.bind(process.stdout);
    process.stderr.write = ((c: string) => (writes.push(`err:${c}`), true)) as typeof process.stderr.write;
    process.stdout.write = ((c: string) => (writes.push(`out:${c}`), true)) as typeof process.stdout.write;
    try {
      const bar = progress('quick');
      bar.update('1/2');
      bar.done('2 things');
    } finally {
      process.stderr.write = err;
      process.stdout.write = out;
    }
    expect(writes).toEqual([]);
  });
});
