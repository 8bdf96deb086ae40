import { describe, expect, it } from 'vitest';
import { SECRET_CORPUS, leaks } from './corpus.js';
import { DLQ_REDACTION_HEADERS, keepDeadLetterOriginals, redactDeadLetter } from './deadLetter.js';

describe('what the dead-letter topic keeps', () => {
  it('given a text record full of secrets, then value, key and headers are redacted and the original is described', () => {
    const text = SECRET_CORPUS.map((s) => s.line).join('\n');
    const value = Buffer.from(text);
    const out = redactDeadLetter({
      key: 'svc password=hunter2-key',
      value,
      headers: { 'dlq.error': 'invalid-json: line 1 near "password":"hunter2-abc"', service: 'checkout' },
    });
    const kept = `${out.value?.toString()} ${out.key?.toString()} ${JSON.stringify(out.headers)}`;
    for (const s of SECRET_CORPUS) expect(leaks(kept, s.secret), s.name).toBe(false);
    expect(kept).not.toContain('hunter2');
    expect(out.headers[DLQ_REDACTION_HEADERS.redacted]).toBe('redacted');
    expect(out.headers[DLQ_REDACTION_HEADERS.originalBytes]).toBe(String(value.length));
    expect(out.headers[DLQ_REDACTION_HEADERS.originalSha256]).toMatch(/^[0-9a-f]{64}$/);
    expect(out.headers.service).toBe('checkout');
    expect(out.counts.secret).toBeGreaterThan(0);
  });

  it('given binary that cannot be read, then the value is withheld; our own wire-format events are kept as they are', () => {
    const binary = Buffer.from([0x0a, 0x01, 0xff, 0x00, 0x13]);
    expect(redactDeadLetter({ key: null, value: binary, headers: {} })).toMatchObject({
      value: null,
      headers: { [DLQ_REDACTION_HEADERS.redacted]: 'value-withheld' },
    });
    const event = Buffer.from([0, 0, 0, 0, 7, 2, 65]);
    expect(redactDeadLetter({ key: null, value: event, headers: {} }).value).toBe(event);
  });

  it('given a long text value, then it is cut after redaction without splitting a character', () => {
    const out = redactDeadLetter(
      { key: null, value: Buffer.from('é'.repeat(100)), headers: {} },
      { maxValueBytes: 9 },
    );
    expect(out.value?.toString()).toBe('éééé');
    expect(out.headers[DLQ_REDACTION_HEADERS.redacted]).toBe('redacted,truncated');
  });

  it('given an operator who enabled originals, then the record is kept as it came and says so', () => {
    const value = Buffer.from('{"password":"hunter2"}');
    const out = redactDeadLetter({ key: null, value, headers: {} }, { keepOriginal: true });
    expect(out.value).toBe(value);
    expect(out.headers[DLQ_REDACTION_HEADERS.redacted]).toBe('off');
    expect(keepDeadLetterOriginals({ DLQ_KEEP_ORIGINAL: 'true' })).toBe(true);
    expect(keepDeadLetterOriginals({})).toBe(false);
  });
});
