import type { Level } from '@self-healing/schemas';

/**
 * Which numeric scale a level number is on. pino and bunyan use 10..60 in steps of ten, OpenTelemetry's
 * SeverityNumber uses 1..24 (four per level), syslog uses 0 (emergency) .. 7 (debug).
 */
export type LevelScale = 'pino' | 'otlp' | 'syslog';

const NAMES: Record<string, Level> = {
  trace: 'trace',
  trc: 'trace',
  finest: 'trace',
  finer: 'trace',
  verbose: 'trace',
  vrb: 'trace',
  v: 'trace',
  all: 'trace',
  debug: 'debug',
  dbg: 'debug',
  fine: 'debug',
  config: 'debug',
  d: 'debug',
  dbug: 'debug',
  info: 'info',
  inf: 'info',
  information: 'info',
  informational: 'info',
  notice: 'info',
  i: 'info',
  log: 'info',
  ok: 'info',
  success: 'info',
  default: 'info',
  warn: 'warn',
  warning: 'warn',
  wrn: 'warn',
  w: 'warn',
  error: 'error',
  err: 'error',
  eror: 'error',
  severe: 'error',
  e: 'error',
  failure: 'error',
  // Python's CRITICAL and .NET's Critical are their top level; syslog crit/alert/emerg are the worst too.
  fatal: 'fatal',
  ftl: 'fatal',
  f: 'fatal',
  critical: 'fatal',
  crit: 'fatal',
  crt: 'fatal',
  alert: 'fatal',
  emerg: 'fatal',
  emergency: 'fatal',
  panic: 'fatal',
  dpanic: 'fatal',
  off: 'fatal',
};

const ORDER: Level[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

function fromNumber(n: number, scale: LevelScale | undefined): Level | null {
  if (!Number.isFinite(n)) return null;
  const chosen: LevelScale = scale ?? (n >= 10 ? 'pino' : n <= 7 ? 'syslog' : 'otlp');
  switch (chosen) {
    case 'pino':
      // 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal; custom levels in between round down.
      if (n < 10) return 'trace';
      return ORDER[Math.min(5, Math.floor(n / 10) - 1)] ?? null;
    case 'otlp':
      if (n < 1 || n > 24) return null;
      return ORDER[Math.floor((n - 1) / 4)] ?? null;
    case 'syslog': {
      const syslog: Level[] = ['fatal', 'fatal', 'fatal', 'error', 'warn', 'info', 'info', 'debug'];
      return syslog[Math.trunc(n)] ?? null;
    }
  }
}

/**
 * Maps any level name or number to the one vocabulary `trace|debug|info|warn|error|fatal`.
 * Names are case-insensitive and may carry decoration (`[WARN]`, `<E>`, `INFO2`, `SEVERITY_NUMBER_ERROR3`).
 * Returns null for unknown values, so the caller decides the default and can count it.
 */
export function normalizeLevel(value: string | number | null | undefined, scale?: LevelScale): Level | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return fromNumber(value, scale);
  const text = value.trim();
  if (/^-?\d+$/.test(text)) return fromNumber(Number(text), scale);
  const word = text
    .toLowerCase()
    .replace(/^severity_number_/, '')
    .replace(/^[[<(]+|[\]>):]+$/g, '')
    .replace(/\d+$/, '')
    .trim();
  return NAMES[word] ?? null;
}

/**
 * Words that name a level wherever they stand at the head of a line. The rest of the vocabulary (single letters,
 * `log`, `ok`, `default`, `all`, `off`, `success`) names a level only in a field declared or inferred as the level:
 * as a bare word it is more often prose.
 */
const BARE_WORDS: ReadonlySet<string> = new Set(
  Object.keys(NAMES).filter(
    (w) => w.length >= 3 && !['log', 'all', 'off', 'default', 'success', 'inf', 'trc'].includes(w),
  ),
);

/**
 * The level a header token names, or null. Upper-case words (`INFO`, `SEVERE`, `CRIT`) always count; a
 * capitalised word (`Info`, `Warning`) counts when `capitalised` allows it; a lower-case one only inside
 * brackets (`[notice]`, `<warn>`), since a message may well begin with an ordinary word such as "error".
 */
export function levelOfHeaderWord(word: string, bracketed: boolean, capitalised = false): Level | null {
  if (word.length < 3 || word.length > 13) return null;
  if (!bracketed && word !== word.toUpperCase()) {
    const cap = word[0]! + word.slice(1).toLowerCase();
    if (!capitalised || word !== cap) return null;
  }
  const lower = word.toLowerCase();
  return BARE_WORDS.has(lower) ? (NAMES[lower] ?? null) : null;
}

/** One-letter levels of logcat and glog (`V D I W E F`): a level only where the position says so. */
export function levelOfLetter(letter: string): Level | null {
  return letter.length === 1 && 'VDIWEF'.includes(letter) ? (NAMES[letter.toLowerCase()] ?? null) : null;
}

export function isErrorLevel(level: Level): boolean {
  return level === 'error' || level === 'fatal';
}
