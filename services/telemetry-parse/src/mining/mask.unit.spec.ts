import { describe, expect, it } from 'vitest';
import { canonicalSlot, maskToken } from './mask.js';
import { toSlots } from './tokenize.js';

describe('maskToken', () => {
  it.each([
    ['numbers', '12345', '<*>'],
    ['signed and decimal numbers', '-3.25', '<*>'],
    ['hex with 0x', '0x7ffe12', '<*>'],
    ['long hex ids', 'deadbeef0042', '<*>'],
    ['UUIDs', '3f2a9c1e-8b7d-4e21-9f00-1a2b3c4d5e6f', '<*>'],
    ['IPv4 with port', '192.168.10.4:8443', '<*>:<*>'],
    ['host name with port', 'db.internal.example:5432', '<*>:<*>'],
    ['absolute paths', '/var/lib/app/data-01.db', '<*>'],
    ['URLs with numbers', 'https://api.example.com/v2/items?id=7', 'https://<*>'],
    ['URLs with only host:port', 'amqp://broker-1:5672', 'amqp://<*>:<*>'],
    ['e-mail addresses', 'ops.team@example.org', '<*>'],
    ['durations glued to units', '532ms', '<*>'],
    ['sizes glued to units', '12KB,', '<*>,'],
    ['ids with a numeric segment', 'job_20230405_0007_r_000001', '<*>'],
    ['key=value', 'retries=3', 'retries=<*>'],
    ['booleans as values', 'enabled=true', 'enabled=<*>'],
    ['object hash after @', 'Worker@5e2a7c', 'Worker@<*>'],
    ['an upper-case kind code keeps its name', 'NODE-XK4Z9', 'NODE-<*>'],
    ['parenthesised values', '(4.2', '(<*>'],
    ['fully qualified host names', 'mail.relay.example.net', '<*>'],
  ])('masks %s', (_kind, token, masked) => {
    expect(maskToken(token)).toBe(masked);
  });

  it.each([
    ['SOCKS5'],
    ['org.example.billing.Invoice'],
    ['ssh2'],
    ['log4j'],
    ['Slf4jLogger'],
    ['init()'],
    ['BLOCK*'],
    ['http://docs.example.org/guide'],
  ])('keeps the constant %s', (token) => {
    expect(maskToken(token)).toBe(token);
  });

  it('given a word glued to a variable, then the canonical slot is one variable', () => {
    expect(canonicalSlot('id<*>')).toBe('<*>');
    expect(canonicalSlot('<*>.<*>')).toBe('<*>');
    expect(canonicalSlot('uid=<*>')).toBe('uid=<*>');
  });
});

describe('toSlots', () => {
  it('given a number followed by a unit, then they form one variable slot that keeps the unit for display', () => {
    const s = toSlots('fetch took 532 ms total');
    expect(s.keys).toEqual(['fetch', 'took', '<*>', 'total']);
    expect(s.details[2]).toBe('<*> ms');
    expect(s.raws[2]).toBe('532 ms');
  });

  it('given a run of variable tokens of varying length, then the slot count does not change', () => {
    const a = toSlots('sent 10 bytes to peer');
    const b = toSlots('sent 1300 bytes (1.27 KB) to peer');
    expect(a.keys).toEqual(b.keys);
  });
});
