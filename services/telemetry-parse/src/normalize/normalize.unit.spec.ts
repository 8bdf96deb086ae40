import { describe, expect, it } from 'vitest';
import { normalizeLevel } from './level.js';
import { parseTimestamp, wallClockToUtc } from './time.js';
import { redactAttributes, redactText, type RedactionCounts } from './redact.js';
import { normalizeNumbers } from './units.js';
import { normalizeHostName, normalizeServiceName } from './names.js';

describe('level vocabulary', () => {
  it.each([
    ['WARNING', 'warn'],
    ['warn', 'warn'],
    ['ERR', 'error'],
    ['SEVERE', 'error'],
    ['notice', 'info'],
    ['crit', 'fatal'],
    ['CRITICAL', 'fatal'],
    ['emerg', 'fatal'],
    ['[DEBUG]', 'debug'],
    ['FINEST', 'trace'],
    ['INFO2', 'info'],
    ['SEVERITY_NUMBER_ERROR3', 'error'],
    ['Information', 'info'],
    ['E', 'error'],
  ])('given the name %s, when normalized, then it is %s', (name, level) => {
    expect(normalizeLevel(name)).toBe(level);
  });

  it('given numbers, when normalized on each scale, then pino/bunyan, OTLP and syslog map as documented', () => {
    expect([10, 20, 30, 40, 50, 60].map((n) => normalizeLevel(n, 'pino'))).toEqual([
      'trace',
      'debug',
      'info',
      'warn',
      'error',
      'fatal',
    ]);
    expect([1, 5, 9, 12, 13, 17, 20, 21, 24].map((n) => normalizeLevel(n, 'otlp'))).toEqual([
      'trace',
      'debug',
      'info',
      'info',
      'warn',
      'error',
      'error',
      'fatal',
      'fatal',
    ]);
    expect([0, 2, 3, 4, 5, 6, 7].map((n) => normalizeLevel(n, 'syslog'))).toEqual([
      'fatal',
      'fatal',
      'error',
      'warn',
      'info',
      'info',
      'debug',
    ]);
    expect(normalizeLevel('35')).toBe('info');
  });

  it('given an unknown level, when normalized, then null is returned for the caller to default and count', () => {
    expect(normalizeLevel('loud')).toBeNull();
    expect(normalizeLevel(null)).toBeNull();
  });
});

describe('timestamps', () => {
  it('given zoned timestamps, when parsed, then the written zone wins over the default', () => {
    const utc = Date.UTC(2024, 2, 1, 10, 0, 0, 123);
    expect(parseTimestamp('2024-03-01T10:00:00.123Z', { defaultZone: 'Asia/Tokyo' })).toBe(utc);
    expect(parseTimestamp('2024-03-01T12:00:00.123+02:00', { defaultZone: 'Asia/Tokyo' })).toBe(utc);
    expect(parseTimestamp('01/Mar/2024:05:00:00 -0500')).toBe(Date.UTC(2024, 2, 1, 10, 0, 0));
    expect(parseTimestamp('Fri, 01 Mar 2024 10:00:00 GMT')).toBe(Date.UTC(2024, 2, 1, 10, 0, 0));
  });

  it('given zone-less timestamps, when parsed with a fixed offset or an IANA zone, then DST is respected', () => {
    expect(parseTimestamp('2024-03-01 10:00:00,500', { defaultZone: '+05:30' })).toBe(
      Date.UTC(2024, 2, 1, 4, 30, 0, 500),
    );
    // Paris is UTC+1 in winter, UTC+2 in summer.
    expect(parseTimestamp('2024-01-15 12:00:00', { defaultZone: 'Europe/Paris' })).toBe(
      Date.UTC(2024, 0, 15, 11),
    );
    expect(parseTimestamp('2024-07-15 12:00:00', { defaultZone: 'Europe/Paris' })).toBe(
      Date.UTC(2024, 6, 15, 10),
    );
    expect(parseTimestamp('2024-07-15 12:00:00', { defaultZone: 'America/New_York' })).toBe(
      Date.UTC(2024, 6, 15, 16),
    );
    expect(parseTimestamp('2024-07-15 12:00:00')).toBe(Date.UTC(2024, 6, 15, 12));
  });

  it('given the ambiguous hour when DST ends, when converted, then the earlier instant is chosen', () => {
    // 2024-10-27 02:30 happens twice in Paris: 00:30Z (CEST) and 01:30Z (CET).
    expect(wallClockToUtc(Date.UTC(2024, 9, 27, 2, 30), 'Europe/Paris')).toBe(Date.UTC(2024, 9, 27, 0, 30));
    // 2024-03-31 02:30 does not exist in Paris (02:00 -> 03:00): read with the pre-jump offset, 01:30Z.
    expect(wallClockToUtc(Date.UTC(2024, 2, 31, 2, 30), 'Europe/Paris')).toBe(Date.UTC(2024, 2, 31, 1, 30));
  });

  it('given syslog, HDFS and ctime shapes and epoch numbers, when parsed, then each gives the instant', () => {
    const reference = Date.UTC(2024, 0, 2);
    expect(parseTimestamp('Jan  1 23:59:59', { referenceMs: reference })).toBe(
      Date.UTC(2024, 0, 1, 23, 59, 59),
    );
    expect(parseTimestamp('Dec 31 23:59:59', { referenceMs: reference })).toBe(
      Date.UTC(2023, 11, 31, 23, 59, 59),
    );
    expect(parseTimestamp('Dec 31 23:59:59')).toBeNull();
    expect(parseTimestamp('081109 203615')).toBe(Date.UTC(2008, 10, 9, 20, 36, 15));
    expect(parseTimestamp('Sun Dec 04 04:47:44 2005')).toBe(Date.UTC(2005, 11, 4, 4, 47, 44));
    expect(parseTimestamp('1709287200')).toBe(1709287200000);
    expect(parseTimestamp('1709287200123456789')).toBe(1709287200123);
    expect(parseTimestamp('not a time')).toBeNull();
  });
});

describe('redaction', () => {
  const cases: [string, string, string][] = [
    [
      'bearer',
      'GET /a Authorization: Bearer abc.def-ghi_123456',
      'GET /a Authorization: Bearer <redacted:bearer>',
    ],
    ['basic-auth', 'auth header Basic dXNlcjpwYXNzd29yZA==', 'auth header Basic <redacted:basic-auth>'],
    [
      'jwt',
      'session eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTYifQ.SflKxwRJSMeKKF2QT4fwpMeJf36P ok',
      'session <redacted:jwt> ok',
    ],
    ['secret', 'login password=hunter2 user=bob', 'login password=<redacted:secret> user=bob'],
    [
      'secret',
      '{"api_key": "k-123", "client_secret":"s"}',
      '{"api_key": "<redacted:secret>", "client_secret":"<redacted:secret>"}',
    ],
    ['secret', 'db pwd: p4ss token=t0k', 'db pwd: <redacted:secret> token=<redacted:secret>'],
    ['aws-access-key', 'using AKIAIOSFODNN7EXAMPLE for s3', 'using <redacted:aws-access-key> for s3'],
    [
      'url-credentials',
      'connect postgres://app:s3cret@db:5432/x failed',
      'connect postgres://<redacted:url-credentials>@db:5432/x failed',
    ],
    ['email', 'mail sent to jane.doe+x@example.co.uk', 'mail sent to <redacted:email>'],
    [
      'private-key',
      'key -----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY----- loaded',
      'key <redacted:private-key> loaded',
    ],
  ];
  it.each(cases)(
    'given a %s in text, when redacted, then it is replaced and counted',
    (kind, input, output) => {
      const counts: RedactionCounts = {};
      expect(redactText(input, counts)).toBe(output);
      expect(Object.keys(counts)).toEqual([kind]);
    },
  );

  it('given several secrets, when redacted, then counts are per kind and nothing is redacted twice', () => {
    const counts: RedactionCounts = {};
    const out = redactText('a@b.io c@d.io token=x Authorization: Bearer abcdefghij https://u:p@h/', counts);
    expect(out).toBe(
      '<redacted:email> <redacted:email> token=<redacted:secret> Authorization: Bearer <redacted:bearer> https://<redacted:url-credentials>@h/',
    );
    expect(counts).toEqual({ email: 2, secret: 1, bearer: 1, 'url-credentials': 1 });
  });

  it('given innocent text, when redacted, then it is unchanged', () => {
    const text = 'token_count=5 max_tokens=10 took 32 ms user=bob at 10.0.0.1';
    const counts: RedactionCounts = {};
    expect(redactText(text, counts)).toBe(text);
    expect(counts).toEqual({});
  });

  it('given attributes, when redacted, then secret keys are replaced whole and other strings are scanned', () => {
    const counts: RedactionCounts = {};
    const out = redactAttributes(
      {
        'req.headers.authorization': 'Bearer zzz',
        'db.password': 'p',
        user: 'x@y.com',
        retries: 3,
        'token.expired': true,
        token_count: 4,
      },
      counts,
    );
    expect(out).toEqual({
      'req.headers.authorization': '<redacted:secret>',
      'db.password': '<redacted:secret>',
      user: '<redacted:email>',
      retries: 3,
      'token.expired': true,
      token_count: 4,
    });
    expect(counts).toEqual({ secret: 2, email: 1 });
  });
});

describe('units and names', () => {
  it('given durations and sizes in various units, when normalized, then durations are ms and sizes bytes', () => {
    expect(
      normalizeNumbers({
        responseTime: 12.5,
        db_time_us: 2500,
        payload_kb: 2,
        'http.response.body.bytes': 512,
        timeout_s: 3,
        status: 200,
      }),
    ).toEqual({
      durationMs: 12.5,
      dbTimeMs: 2.5,
      payloadBytes: 2048,
      httpResponseBodyBytes: 512,
      timeoutMs: 3000,
    });
    expect(normalizeNumbers({ 'event.duration': 3_000_000 })).toEqual({ durationMs: 3 });
    expect(normalizeNumbers({ request_time: '0.250' })).toEqual({ durationMs: 250 });
    expect(normalizeNumbers({}, { durationMs: 7 })).toEqual({ durationMs: 7 });
    expect(normalizeNumbers({ duration_ms: 9 }, { durationMs: 7 })).toEqual({ durationMs: 9 });
  });

  it('given names with case, spaces and dots, when normalized, then they follow the documented rules', () => {
    expect(normalizeServiceName('  Checkout Service ')).toBe('checkout-service');
    expect(normalizeServiceName('  ')).toBeNull();
    expect(normalizeHostName('Web-1.EU.example.com.')).toBe('web-1.eu.example.com');
    expect(normalizeHostName('web-1.eu.example.com', true)).toBe('web-1');
    expect(normalizeHostName('10.0.0.1', true)).toBe('10.0.0.1');
  });
});
