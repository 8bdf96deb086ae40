import { describe, expect, it } from 'vitest';
import { SECRET_CORPUS, leaks } from './corpus.js';
import { redactAttributes, redactText, type RedactionCounts } from './policy.js';
import { isHighEntropyToken, isSecretShapedValue } from './tokens.js';

describe('the secret corpus', () => {
  it.each(SECRET_CORPUS.map((s) => [s.name, s] as const))(
    'given %s in a log line, when redacted, then no piece of it survives and it is counted',
    (_name, sample) => {
      const counts: RedactionCounts = {};
      const out = redactText(sample.line, counts);
      expect(leaks(out, sample.secret), out).toBe(false);
      expect(Object.values(counts).reduce((a, b) => a + (b ?? 0), 0)).toBeGreaterThan(0);
      expect(out).toMatch(/<redacted:[a-z-]+>/);
    },
  );

  it('given each secret as an attribute value under an innocent key, then none survives', () => {
    const attributes = Object.fromEntries(SECRET_CORPUS.map((s, i) => [`field${i}`, s.line]));
    const out = JSON.stringify(redactAttributes(attributes));
    for (const s of SECRET_CORPUS) expect(leaks(out, s.secret), s.name).toBe(false);
  });

  it('given JSON logged inside a JSON string (escaped quotes), then its secrets are redacted too', () => {
    const nested = JSON.stringify(SECRET_CORPUS.map((s) => s.line).join(' '));
    const out = redactText(nested);
    for (const s of SECRET_CORPUS) expect(leaks(out, s.secret), s.name).toBe(false);
    expect(redactText('{\\"password\\":\\"hunter2-x\\"}')).toBe('{\\"password\\":\\"<redacted:secret>\\"}');
  });

  it('given a key word in any case and separator, then the value after it is redacted', () => {
    for (const line of [
      'SECRET=abc',
      'Secret: abc',
      'secret_key = "abc"',
      "'Password': 'abc'",
      'api-key=abc',
      'API Key: abc',
      'x_auth_token=abc',
      'Credentials: abc',
    ])
      expect(redactText(line), line).not.toMatch(/abc/);
  });
});

describe('what is not a secret stays as written', () => {
  const innocent = [
    'token_count=5 max_tokens=10 took 32 ms user=bob at 10.0.0.1',
    'session token expired for user 42',
    'password reset requested by user 42',
    'cache key=user:42:profile miss',
    'primary key violation on orders',
    'trace 4bf92f3577b34da6a3ce929d0e0e4736 span 00f067aa0ba902b7',
    'class com.example.checkout.PaymentServiceImpl2024 loaded',
    'GET /api/v2/UserProfiles/12345/Settings 200',
    'request id 550e8400-e29b-41d4-a716-446655440000',
    'commit 9fceb02d0ae598e95dc970b74767f19372d61af8 deployed',
    'charged card for order 123 took 52 ms',
    'keyboard layout us, signal SIGTERM received',
    'org.springframework.boot.SpringApplication started in 3.2 s',
  ];
  it.each(innocent)('%s', (line) => {
    const counts: RedactionCounts = {};
    expect(redactText(line, counts)).toBe(line);
    expect(counts).toEqual({});
  });

  it('the shape tests tell random tokens from words and ids', () => {
    expect(isHighEntropyToken('q7Xv2Lp9Zr4Kt8Wm3Nb6Yc1Hd5Fg0Js')).toBe(true);
    expect(isHighEntropyToken('PaymentServiceImplementation2024')).toBe(false);
    expect(isHighEntropyToken('4bf92f3577b34da6a3ce929d0e0e4736')).toBe(false);
    expect(isSecretShapedValue('expired')).toBe(false);
    expect(isSecretShapedValue('a1b2c3d4e5')).toBe(true);
    expect(isSecretShapedValue('user:42:profile', true)).toBe(false);
  });
});

describe('attributes', () => {
  it('given values under secret keys, then they are replaced whole; random values under weak keys too', () => {
    const counts: RedactionCounts = {};
    const out = redactAttributes(
      {
        'db.password': 'p',
        'Storage.AccountKey': 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq',
        'cache.key': 'user:42',
        token_count: 4,
        'token.expired': true,
      },
      counts,
    );
    expect(out).toEqual({
      'db.password': '<redacted:secret>',
      'Storage.AccountKey': '<redacted:secret>',
      'cache.key': 'user:42',
      token_count: 4,
      'token.expired': true,
    });
    expect(counts).toEqual({ secret: 2 });
  });
});
