/**
 * Secret redaction. Runs on every message before template mining and on every attribute before anything is
 * stored or emitted, so secrets reach neither templates nor topics. Each secret is replaced by
 * `<redacted:kind>` and counted per kind. The rules are ordered from most to least specific so that one
 * secret is counted once (a JWT sent as a bearer token counts as `bearer`).
 */

export type RedactionKind =
  'private-key' | 'url-credentials' | 'bearer' | 'basic-auth' | 'jwt' | 'aws-access-key' | 'secret' | 'email';

export type RedactionCounts = Partial<Record<RedactionKind, number>>;

const marker = (kind: RedactionKind): string => `<redacted:${kind}>`;

/** Key names whose values are secrets whatever they look like (in `key=value` text and in attributes). */
const SECRET_KEY =
  /(?:pass(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|client[_-]?secret|credentials?|auth(?:orization)?|cookie|session[_-]?key|signature)$/i;

/** Attribute keys that name a count or a property of a secret rather than the secret itself. */
const NOT_SECRET_KEY = /(?:_count|count|_length|length|_type|type|_expired|expired|_ttl|ttl|_id_hint)$/i;

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

const SECRET_KEYWORD =
  /pass|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credential|session[_-]?key|signature/i;

const RULES: Rule[] = [
  {
    kind: 'private-key',
    mayMatch: (t) => t.includes('-----BEGIN'),
    // A key cut off by a line limit still has its BEGIN line: redact to the end of the text then.
    pattern: /-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----[\s\S]*?(?:-----END (?:[A-Z]+ )*PRIVATE KEY-----|$)/g,
    replace: () => marker('private-key'),
  },
  {
    kind: 'url-credentials',
    mayMatch: (t) => t.includes('://'),
    pattern: /\b([a-z][a-z0-9+.-]*:\/\/)[^\s:@/?#]+:[^\s@/?#]+@/gi,
    replace: (_m, scheme: string) => `${scheme}${marker('url-credentials')}@`,
  },
  {
    kind: 'bearer',
    mayMatch: (t) => t.includes('Bearer'),
    pattern: /\b(Bearer)\s+[A-Za-z0-9\-._~+/]{8,}=*/g,
    replace: (_m, word: string) => `${word} ${marker('bearer')}`,
  },
  {
    kind: 'basic-auth',
    mayMatch: (t) => t.includes('Basic'),
    pattern: /\b(Basic)\s+[A-Za-z0-9+/]{8,}={0,2}/g,
    replace: (_m, word: string) => `${word} ${marker('basic-auth')}`,
  },
  {
    kind: 'jwt',
    mayMatch: (t) => t.includes('eyJ'),
    pattern: /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g,
    replace: () => marker('jwt'),
  },
  {
    kind: 'aws-access-key',
    mayMatch: (t) => /A[BCGIKNPRS][A-Z]A/.test(t),
    pattern: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[A-Z0-9]{16}\b/g,
    replace: () => marker('aws-access-key'),
  },
  {
    kind: 'secret',
    mayMatch: (t) => SECRET_KEYWORD.test(t),
    // key=value, key: value, "key": "value", key='value'; the value stops at whitespace, quote, & , ; or }.
    pattern:
      /(["']?)\b([A-Za-z0-9_.-]*?(?:pass(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|client[_-]?secret|credentials?|session[_-]?key|signature))\1(\s*[:=]\s*)(["']?)(?!<redacted:|Bearer\b|Basic\b)([^\s"'&,;}]+)\4/gi,
    replace: (m, q: string, key: string, sep: string, vq: string) =>
      NOT_SECRET_KEY.test(key) ? m : `${q}${key}${q}${sep}${vq}${marker('secret')}${vq}`,
  },
  {
    kind: 'email',
    mayMatch: (t) => t.includes('@'),
    pattern: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/g,
    replace: () => marker('email'),
  },
];

function bump(counts: RedactionCounts, kind: RedactionKind, by = 1): void {
  counts[kind] = (counts[kind] ?? 0) + by;
}

/**
 * True whenever some rule's `mayMatch` is (a superset of their union, case-insensitive): one scan tells that a
 * message, usually, holds nothing to redact.
 */
const ANY_RULE_MAY_MATCH =
  /-----BEGIN|:\/\/|bearer|basic|eyJ|A[BCGIKNPRS][A-Z]A|@|pass|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credential|session[_-]?key|signature/i;

/** Redacts secrets in free text; adds what it replaced to `counts`. */
export function redactText(text: string, counts: RedactionCounts = {}): string {
  if (!ANY_RULE_MAY_MATCH.test(text)) return text;
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
  const verdict = SECRET_KEY.test(last.replace(/-/g, '_')) && !NOT_SECRET_KEY.test(last);
  if (secretKeyVerdicts.size >= 10_000) secretKeyVerdicts.clear();
  secretKeyVerdicts.set(key, verdict);
  return verdict;
}

const secretKeyVerdicts = new Map<string, boolean>();

/**
 * Redacts attributes: values under secret keys are replaced whole (strings and numbers; booleans say nothing),
 * other strings go through `redactText`.
 */
export function redactAttributes(
  attributes: Record<string, string | number | boolean>,
  counts: RedactionCounts = {},
): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (
      typeof value !== 'boolean' &&
      isSecretKey(key) &&
      !(typeof value === 'string' && /^<redacted:[a-z-]+>$/.test(value))
    ) {
      out[key] = marker('secret');
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
