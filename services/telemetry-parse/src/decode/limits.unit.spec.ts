import { describe, expect, it } from 'vitest';
import { decodeKafkaRecord } from './index.js';
import { DEFAULT_DECODE_LIMITS, withinDepth, withoutLongLines } from './limits.js';
import type { RawKafkaRecord } from './types.js';

const rec = (value: string | Uint8Array, headers: Record<string, string> = {}): RawKafkaRecord => ({
  value: typeof value === 'string' ? Buffer.from(value) : value,
  headers,
});

const good = (i: number) => JSON.stringify({ time: 1767225600000 + i, level: 30, msg: `order ${i} paid` });
const nestedObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const nestedArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('hostile records are rejected with a reason, their neighbours kept', () => {
  it('given a JSON line nested 10,000 deep among good lines, then only that line is rejected as too-deep', () => {
    // 10,000 levels stay under the line limit, so the depth limit is what refuses it.
    const deep = `{"msg":"x","payload":${nestedObject(10_000)}}`;
    const result = decodeKafkaRecord(rec([good(1), deep, good(2)].join('\n'), { format: 'json' }));
    expect(result.records.map((r) => r.message)).toEqual(['order 1 paid', 'order 2 paid']);
    expect(result.rejections).toEqual([
      { reason: 'too-deep', detail: expect.stringContaining('line 2') as unknown as string },
    ]);
  });

  it('given a whole document nested 100,000 deep, then it is one too-deep rejection, nothing thrown', () => {
    for (const value of [nestedObject(100_000), `{"msg":"m","list":${nestedArray(100_000)}}`]) {
      const result = decodeKafkaRecord(rec(value));
      expect(result.records).toEqual([]);
      expect(result.rejections.map((r) => r.reason)).toEqual(['too-deep']);
    }
  });

  it('given an array nested 100,000 deep as a batch, then it is rejected, not a stack overflow', () => {
    const result = decodeKafkaRecord(rec(nestedArray(100_000)));
    expect(result.records).toEqual([]);
    expect(result.rejections.length).toBeGreaterThan(0);
  });

  it('given OTLP JSON whose body kvlist nests beyond the limit, then that log record alone is rejected', () => {
    const doc = {
      resourceLogs: [
        {
          resource: { attributes: [] },
          scopeLogs: [
            {
              logRecords: [
                { timeUnixNano: '1767225600000000000', body: { stringValue: 'fine' } },
                { timeUnixNano: '1767225600000000000', body: 'DEEP' },
              ],
            },
          ],
        },
      ],
    };
    // JSON.stringify itself recurses: the deep body is written as text.
    const deep = `${'{"kvlistValue":{"values":[{"key":"k","value":'.repeat(100_000)}{"stringValue":"leaf"}${'}]}}'.repeat(100_000)}`;
    const text = JSON.stringify(doc).replace('"DEEP"', deep);
    const result = decodeKafkaRecord(rec(text, { format: 'otlp-json' }));
    expect(result.records.map((r) => r.message)).toEqual(['fine']);
    expect(result.rejections.map((r) => r.reason)).toContain('too-deep');
  });

  it('given a 5 MB line between good ones, then it is rejected as line-too-long before parsing', () => {
    const huge = JSON.stringify({ time: 1, msg: 'x'.repeat(5 * 1024 * 1024) });
    const result = decodeKafkaRecord(rec([good(1), huge, good(2)].join('\n')));
    expect(result.records).toHaveLength(2);
    expect(result.rejections).toEqual([
      { reason: 'line-too-long', detail: expect.stringMatching(/^line 2: line of \d+ characters exceeds/) },
    ]);
  });

  it('given a single 5 MB JSON object, then its message is refused as line-too-long', () => {
    const result = decodeKafkaRecord(rec(JSON.stringify({ time: 1, msg: 'y'.repeat(5_000_000) })));
    expect(result.records).toEqual([]);
    expect(result.rejections.map((r) => r.reason)).toEqual(['line-too-long']);
  });

  it('given a text record with one overlong line, then the other lines keep their numbers and records', () => {
    const result = decodeKafkaRecord(rec(`first line\n${'z'.repeat(70_000)}\nthird line`));
    expect(result.records.map((r) => r.message)).toEqual(['first line', 'third line']);
    expect(result.rejections).toEqual([
      { reason: 'line-too-long', detail: expect.stringContaining('line 2:') as unknown as string },
    ]);
  });

  it('given a record above the size limit, then it is rejected unread', () => {
    const result = decodeKafkaRecord(rec(good(1)), { limits: { maxRecordBytes: 10 } });
    expect(result.rejections).toEqual([
      { reason: 'record-too-large', detail: expect.stringContaining('exceeds the 10-byte limit') },
    ]);
  });

  it('given invalid UTF-8 or NUL bytes declared as text, then the record is rejected, not mangled', () => {
    const invalid = new Uint8Array([0x68, 0x69, 0xc3, 0x28, 0x0a]);
    expect(decodeKafkaRecord(rec(invalid, { 'content-type': 'text/plain' })).rejections[0]?.reason).toBe(
      'not-utf8-text',
    );
    const nul = Buffer.from('before\u0000after\n');
    expect(decodeKafkaRecord(rec(nul, { 'content-type': 'application/json' })).rejections[0]?.reason).toBe(
      'not-utf8-text',
    );
  });

  it('given billion-laughs-style repetition, then nothing expands: JSON has no references to follow', () => {
    // JSON cannot reference; the nearest attack is a wide, repetitive object. It costs its own size, no more.
    const wide = JSON.stringify({
      msg: 'lol',
      time: 1,
      ...Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`lol${i}`, 'lol'.repeat(10)])),
    });
    const result = decodeKafkaRecord(rec(wide));
    expect(result.records).toHaveLength(1);
    expect(Object.keys(result.records[0]!.attributes).length).toBeLessThanOrEqual(65);
  });
});

describe('limit helpers', () => {
  it('withinDepth walks without recursion and stops at the limit', () => {
    expect(withinDepth(JSON.parse(nestedArray(100_000)), 64)).toBe(false);
    expect(withinDepth({ a: { b: [1, [2]] } }, 4)).toBe(true);
    expect(withinDepth({ a: { b: [1, [2]] } }, 3)).toBe(false);
    expect(withinDepth('scalar', 0)).toBe(true);
  });

  it('withoutLongLines keeps a short text as it is and blanks only the long lines', () => {
    expect(withoutLongLines('ab\ncd', 5)).toEqual({ text: 'ab\ncd', removed: [] });
    expect(withoutLongLines('ab\ncdefgh\nij', 3)).toEqual({
      text: 'ab\n\nij',
      removed: [{ line: 2, chars: 6 }],
    });
    expect(DEFAULT_DECODE_LIMITS.maxLineChars).toBe(65_536);
  });
});

describe('a private key logged across lines', () => {
  it('stays in the message of the line that began it, so redaction sees the whole block', () => {
    const text = [
      '2024-03-01T10:00:00Z loading key -----BEGIN OPENSSH PRIVATE KEY-----',
      'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
      'QyNTUxOQAAACDx3H8o9mKXm2VtRzQ4cJ5lZ7vW2pYbN6eT1sQ0aUuLdwAAAJhq',
      '-----END OPENSSH PRIVATE KEY-----',
      '2024-03-01T10:00:01Z next line',
    ].join('\n');
    const result = decodeKafkaRecord(rec(text, { 'content-type': 'text/plain' }));
    expect(result.records.map((r) => r.message.split('\n').length)).toEqual([4, 1]);
    expect(result.records[0]!.message).toMatch(/-----END OPENSSH PRIVATE KEY-----$/);
  });
});
