import { describe, expect, it } from 'vitest';
import { extractNumbers } from './numbers.js';

describe('extractNumbers', () => {
  it('given "took N ms", then a generic duration in ms', () => {
    expect(extractNumbers('query took 532 ms')).toEqual({ durationMs: 532 });
  });
  it('given key=value with a glued unit, then the key names the field', () => {
    expect(extractNumbers('done latency=0.4s size=12KB')).toEqual({ latencyMs: 400, sizeBytes: 12288 });
  });
  it('given "in N seconds", then seconds are converted to ms', () => {
    expect(extractNumbers('finished in 2.3 seconds')).toEqual({ durationMs: 2300 });
  });
  it('given a noun before a size, then it names the field, repeated names are numbered', () => {
    expect(extractNumbers('estimated size 5.2 KB, free size 1 MB')).toEqual({
      sizeBytes: 5.2 * 1024,
      sizeBytes_2: 1024 * 1024,
    });
  });
  it('given numbers without units, then nothing is reported', () => {
    expect(extractNumbers('retry 3 of 5 for id 77')).toEqual({});
  });
});

describe('extractNumbers wording', () => {
  it('given a period ("over N seconds", "every N s", "for N s"), then no duration is reported', () => {
    expect(extractNumbers('12 correctable errors over 245331 seconds')).toEqual({});
    expect(extractNumbers('retry every 5 s')).toEqual({});
    expect(extractNumbers('sleeping for 30 seconds')).toEqual({});
  });
  it('given "took", "in", "spent", then the duration is the latency', () => {
    expect(extractNumbers('request done in 12 ms')).toEqual({ durationMs: 12 });
    expect(extractNumbers('spent 1.5 s in gc')).toEqual({ durationMs: 1500 });
  });
  it('given a noun before the duration, then it names the field and is no latency', () => {
    expect(extractNumbers('session timeout 30 s')).toEqual({ timeoutMs: 30000 });
  });
});
