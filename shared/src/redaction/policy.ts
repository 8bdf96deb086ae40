import { hasMixedTokenRun, isHighEntropyToken, isSecretShapedValue } from './tokens.js';

/**
 * The redaction policy: what counts as a secret in telemetry, and what replaces it. Runs on every message before
 * template mining and on every attribute before anything is stored or emitted, and on what the dead-letter topic
 * keeps, so secrets reach neither templates, MongoDB nor any topic. Each secret becomes `<redacted:kind>`, counted
 * per kind. Rules go from most to least specific so that one secret is counted once (a JWT sent as a bearer token
 * counts as `bearer`).
 *
 * - by format: private keys, credentials in URLs and connection strings, bearer and basic auth, JWTs, AWS access
 *   key ids, tokens of common services (GitHub, GitLab, Slack, Stripe, Google, SendGrid, npm, OpenAI, Hugging
 *   Face, Twilio);
 * - by key word: the value after `password`, `secret`, `token`, `credential`, `api key` ... in any case and with
 *   any separator (`=`, `:`, JSON quotes, or a space when the value looks like a secret); after the weaker `key`
 *   or `sig` only a long random-looking value;
 * - by looks: standalone tokens of 20+ characters that are random (both cases and digits, high entropy);
 * - e-mail addresses (personal data).
 */

export type RedactionKind =
  | 'private-key'
  | 'url-credentials'
  | 'bearer'
  | 'basic-auth'
  | 'jwt'
  | 'aws-access-key'
  | 'service-token'
  | 'secret'
  | 'high-entropy'
  | 'email';

export type RedactionCounts = Partial<Record<RedactionKind, number>>;

export const redactionMarker = (kind: RedactionKind): string => `<redacted:${kind}>`;

const MARKER = /^<redacted:[a-z-]+>$/;

/** Key names (last segment, separators removed, lower case) whose values are secrets whatever they look like. */
const STRONG_KEY =
  /(?:pass(?:word|wd|phrase)?|pwd|secret|token|apikey|accesskey|privatekey|secretkey|clientsecret|credentials?|sessionkey|signature|auth(?:orization)?|cookie)$/;

/** Key names that name a secret only sometimes (`AccountKey` yes, `cache key` no): judged by the value. */
const WEAK_KEY = /(?:key|sig)$/;

/** Attribute keys that name a count or a property of a secret rather than the secret itself. */
const NOT_SECRET_KEY = /(?:_count|count|_length|length|_type|type|_expired|expired|_ttl|ttl|_id_hint)$/i;

const squash = (key: string): string => key.toLowerCase().replace(/[^a-z0-9]/g, '');

interface Rule {
  kind: RedactionKind;
  pattern: RegExp;
  replace: (match: string, ...groups: string[]) => string;
  /**
   * A cheap test that is true whenever `pattern` can match. Nearly every log message holds no secret, and a
   * replace with a callback costs far more than a substring search: this keeps redaction off the profile.
   */
  mayMatch: (text: string) => boolean;
}

/**
 * A key word directly followed by what may separate it from a value (`=`, `:`, a quote, a space): far rarer than
 * the words alone (`keyboard`, `signal`, `tokens`), and one linear scan, where the full pattern backtracks.
 */
const SECRET_KEYWORD =
  /(?:pass(?:word|wd|phrase)?|pwd|secret|token|key|credentials?|signature|sig)\\?["']?(?:\s*[:=]|\s)/i;

const SERVICE_TOKEN_HINT =
  /gh[pousr]_|github_pat_|xox[abposr]-|_live_|_test_|AIza|glpat-|SG\.|npm_|sk-|hf_|ya29\.|SK[0-9a-f]{8}/;

/** Separators inside compound key words: `api_key`, `api-key`, `API Key`, `api.key`. */
const S = '[ _.-]?';

// Quotes may be escaped (`\"password\":\"...\"`): JSON logged inside a JSON string.
const KEYWORD_PATTERN = new RegExp(
  `(\\\\?["']?)\\b([A-Za-z0-9_.-]*?(?:pass(?:word|wd|phrase)?|pwd|secret|token|api${S}key|apikey|access${S}key|private${S}key|secret${S}key|client${S}secret|credentials?|session${S}key|signature|key|sig))\\1` +
    // `=` or `:` (JSON, key=value, headers), or words between (`secret is ...`, `token ...`).
    `(\\s*[:=]\\s*|\\s+(?:is\\s+|was\\s+|of\\s+)?)` +
    `(\\\\?["']?)(?!<redacted:|Bearer\\b|Basic\\b)([^\\s"'&,;}\\\\]+)\\4`,
  'gi',
);

function keywordVerdict(key: string, separator: string, value: string): boolean {
  if (NOT_SECRET_KEY.test(key)) return false;
  const name = squash(key);
  const explicit = /[:=]/.test(separator);
  if (STRONG_KEY.test(name)) return explicit || isSecretShapedValue(value);
  if (WEAK_KEY.test(name)) return isSecretShapedValue(value, true);
  return false;
}

const RULES: Rule[] = [
  {
    kind: 'private-key',
    mayMatch: (t) => t.includes('-----BEGIN'),
    // A key cut off by a line limit still has its BEGIN line: redact to the end of the text then.
    pattern: /-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----[\s\S]*?(?:-----END (?:[A-Z]+ )*PRIVATE KEY-----|$)/g,
    replace: () => redactionMarker('private-key'),
  },
  {
    kind: 'url-credentials',
    mayMatch: (t) => t.includes('://'),
    // user:password@ and :password@ (Redis); the user alone (`user@host`) is no secret.
    pattern: /\b([a-z][a-z0-9+.-]*:\/\/)[^\s:@/?#]*:[^\s@/?#]+@/gi,
    replace: (_m, scheme: string) => `${scheme}${redactionMarker('url-credentials')}@`,
  },
  {
    kind: 'bearer',
    mayMatch: (t) => /bearer/i.test(t),
    pattern: /\b(Bearer)\s+[A-Za-z0-9\-._~+/]{8,}=*/gi,
    replace: (_m, word: string) => `${word} ${redactionMarker('bearer')}`,
  },
  {
    kind: 'basic-auth',
    mayMatch: (t) => /basic/i.test(t),
    pattern: /\b(Basic)\s+[A-Za-z0-9+/]{8,}={0,2}/gi,
    replace: (_m, word: string) => `${word} ${redactionMarker('basic-auth')}`,
  },
  {
    kind: 'jwt',
    mayMatch: (t) => t.includes('eyJ'),
    pattern: /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g,
    replace: () => redactionMarker('jwt'),
  },
  {
    kind: 'aws-access-key',
    mayMatch: (t) => /A[BCGIKNPRS][A-Z]A/.test(t),
    pattern: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[A-Z0-9]{16}\b/g,
    replace: () => redactionMarker('aws-access-key'),
  },
  {
    kind: 'service-token',
    mayMatch: (t) => SERVICE_TOKEN_HINT.test(t),
    pattern:
      /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255}|xox[abposr]-[A-Za-z0-9-]{10,}|(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}|AIza[0-9A-Za-z_-]{35}|glpat-[0-9A-Za-z_-]{20,}|SG\.[\w-]{16,}\.[\w-]{16,}|npm_[A-Za-z0-9]{36}|sk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}|hf_[A-Za-z0-9]{30,}|ya29\.[0-9A-Za-z_-]{20,}|SK[0-9a-f]{32})/g,
    replace: () => redactionMarker('service-token'),
  },
  {
    kind: 'secret',
    mayMatch: (t) => SECRET_KEYWORD.test(t),
    pattern: KEYWORD_PATTERN,
    replace: (m, q: string, key: string, sep: string, vq: string, value: string) =>
      keywordVerdict(key, sep, value) ? `${q}${key}${q}${sep}${vq}${redactionMarker('secret')}${vq}` : m,
  },
  {
    kind: 'high-entropy',
    mayMatch: hasMixedTokenRun,
    pattern: /[A-Za-z0-9+/=_-]{20,}/g,
    replace: (m) => (isHighEntropyToken(m) ? redactionMarker('high-entropy') : m),
  },
  {
    kind: 'email',
    mayMatch: (t) => t.includes('@'),
    pattern: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/g,
    replace: () => redactionMarker('email'),
  },
];

function bump(counts: RedactionCounts, kind: RedactionKind, by = 1): void {
  counts[kind] = (counts[kind] ?? 0) + by;
}

/**
 * True whenever a format rule's `mayMatch` is; with the key-word and token-run tests, three linear scans tell
 * that a message, usually, holds nothing to redact.
 */
const FORMAT_HINTS =
  /-----BEGIN|:\/\/|bearer|basic|eyJ|A[BCGIKNPRS][A-Z]A|@|gh[pousr]_|github_pat_|xox|_live_|_test_|AIza|glpat-|SG\.|npm_|sk-|hf_|ya29\.|SK[0-9a-f]/i;

/** Redacts secrets in free text; adds what it replaced to `counts`. */
export function redactText(text: string, counts: RedactionCounts = {}): string {
  if (!FORMAT_HINTS.test(text) && !SECRET_KEYWORD.test(text) && !hasMixedTokenRun(text)) return text;
  let out = text;
  for (const rule of RULES) {
    if (!rule.mayMatch(out)) continue;
    rule.pattern.lastIndex = 0;
    out = out.replace(rule.pattern, (match: string, ...args: unknown[]) => {
      const groups = args.slice(0, -2).map((g) => (typeof g === 'string' ? g : ''));
      const replaced = rule.replace(match, ...groups);
      if (replaced !== match) bump(counts, rule.kind);
      return replaced;
    });
  }
  return out;
}

/** True when an attribute key names a secret (`password`, `db.password`, `x-api-key`, `authorization`). */
export function isSecretKey(key: string): boolean {
  // Attribute keys repeat on every line of a source: remember the verdicts (a bounded number of them).
  const known = secretKeyVerdicts.get(key);
  if (known !== undefined) return known;
  const last = key.split('.').pop() ?? key;
  const verdict = STRONG_KEY.test(squash(last)) && !NOT_SECRET_KEY.test(last);
  if (secretKeyVerdicts.size >= 10_000) secretKeyVerdicts.clear();
  secretKeyVerdicts.set(key, verdict);
  return verdict;
}

const secretKeyVerdicts = new Map<string, boolean>();

/** A key such as `AccountKey` or `signing_key` whose value is a secret when it looks like one. */
function isWeakSecretKey(key: string): boolean {
  const last = key.split('.').pop() ?? key;
  return WEAK_KEY.test(squash(last)) && !NOT_SECRET_KEY.test(last);
}

/**
 * Redacts attributes: values under secret keys are replaced whole (strings and numbers; booleans say nothing),
 * random-looking values under `...key` names too, other strings go through `redactText`.
 */
export function redactAttributes(
  attributes: Record<string, string | number | boolean>,
  counts: RedactionCounts = {},
): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (typeof value === 'boolean' || (typeof value === 'string' && MARKER.test(value))) {
      out[key] = value;
    } else if (
      isSecretKey(key) ||
      (typeof value === 'string' && isWeakSecretKey(key) && isSecretShapedValue(value, true))
    ) {
      out[key] = redactionMarker('secret');
      bump(counts, 'secret');
    } else if (typeof value === 'string') {
      out[key] = redactText(value, counts);
    } else {
      out[key] = value;
    }
  }
  return out;
}

export function mergeCounts(into: RedactionCounts, from: RedactionCounts): RedactionCounts {
  for (const [kind, n] of Object.entries(from) as [RedactionKind, number][]) bump(into, kind, n);
  return into;
}
