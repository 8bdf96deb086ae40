import { splitWhitespace } from './tokenize.js';
import { unitOf, type Unit } from './units.js';

/**
 * Durations and sizes mentioned in a message, as numbers in one unit each: milliseconds (`<name>Ms`) and bytes
 * (`<name>Bytes`). The name comes from the key or noun just before the quantity (`latency=0.4s` ->
 * `latencyMs`, `estimated size 5.2 KB` -> `sizeBytes`); a verb or preposition before it (`took 532 ms`,
 * `in 2.3 seconds`) gives the generic `durationMs` / `sizeBytes`. Repeated names get `_2`, `_3`, ...
 * Bare numbers without a unit are not reported: their meaning is unknown. `durationMs` is what the windows
 * sketch as latency, so a duration gets it only when the wording says something took that long (`took`,
 * `in`, `spent`, `elapsed`): after `over`, `every`, `within`, `for`, `than` a duration is a period, a
 * threshold or a wait (`12 errors over 3600 seconds`, `retry every 5 s`) and is not reported.
 */
export function extractNumbers(message: string): Record<string, number> {
  const out: Record<string, number> = {};
  // Most messages hold no number at all: nothing to tokenize then.
  if (!HAS_DIGIT.test(message)) return out;
  const tokens = splitWhitespace(message);
  for (let k = 0; k < tokens.length; k++) {
    const tok = tokens[k]!;
    // key=value or key:value inside one token.
    const eq = Math.max(tok.lastIndexOf('='), tok.lastIndexOf(':'));
    const keyed = eq > 0 && eq < tok.length - 1;
    const valueText = keyed ? tok.slice(eq + 1) : tok;
    const num = leadingNumber(valueText);
    if (num === null) continue;
    let key = keyed ? wordOf(tok.slice(0, eq)) : null;
    let unit: Unit | null = unitOf(trimPunct(valueText.slice(num.end)));
    let consumedNext = false;
    if (unit === null && trimPunct(valueText.slice(num.end)) === '' && k + 1 < tokens.length) {
      unit = unitOf(trimPunct(tokens[k + 1]!));
      consumedNext = unit !== null;
    }
    if (unit === null) continue;
    if (key === null && k > 0) {
      const prev = tokens[k - 1]!;
      const prevWord = wordOf(prev.endsWith('=') || prev.endsWith(':') ? prev.slice(0, -1) : prev);
      if (prevWord !== null && !FUNCTION_WORDS.has(prevWord.toLowerCase())) key = prevWord;
    }
    if (key === null && unit.kind === 'duration' && !tookWording(tokens, k)) {
      if (consumedNext) k++;
      continue;
    }
    const base = key ?? (unit.kind === 'duration' ? 'duration' : 'size');
    const name = base + (unit.kind === 'duration' ? 'Ms' : 'Bytes');
    let unique = name;
    for (let n = 2; unique in out; n++) unique = `${name}_${n}`;
    out[unique] = num.value * unit.factor;
    if (consumedNext) k++;
  }
  return out;
}

/** Words after which an unnamed duration is how long something took. */
const TOOK_WORDS = new Set([
  'took',
  'takes',
  'take',
  'taking',
  'in',
  'spent',
  'elapsed',
  'lasted',
  'completed',
  'finished',
  'done',
]);

/** The word before the number at token k says the duration is how long something took. */
function tookWording(tokens: readonly string[], k: number): boolean {
  if (k === 0) return false;
  const prev = tokens[k - 1]!.toLowerCase().replace(/[:=,]+$/, '');
  return TOOK_WORDS.has(prev);
}

/** Words that introduce a quantity without naming it. */
const FUNCTION_WORDS = new Set([
  'took',
  'takes',
  'take',
  'taking',
  'in',
  'after',
  'for',
  'of',
  'within',
  'over',
  'under',
  'about',
  'is',
  'was',
  'are',
  'were',
  'be',
  'been',
  'at',
  'by',
  'to',
  'from',
  'with',
  'than',
  'spent',
  'elapsed',
  'lasted',
  'waited',
  'wait',
  'waiting',
  'sleep',
  'sleeping',
  'exceeded',
  'the',
  'a',
  'an',
  'and',
  'or',
  'total',
  'used',
  'using',
  'every',
  'per',
  'each',
  'last',
  'past',
  'next',
]);

const HAS_DIGIT = /\d/;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** `[A-Za-z0-9_]`, by character code. */
function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || isDigit(c) || c === 95;
}

/** A decimal number at the start of s, allowing leading `(`, `[`, `~`, `<`, `>` and a sign. */
function leadingNumber(s: string): { value: number; end: number } | null {
  let i = 0;
  while (i < s.length && '([~<>'.includes(s[i]!)) i++;
  const start = i;
  if (s[i] === '-' || s[i] === '+') i++;
  const digitsFrom = i;
  while (i < s.length && isDigit(s.charCodeAt(i))) i++;
  if (s[i] === '.' && isDigit(s.charCodeAt(i + 1))) {
    i++;
    while (i < s.length && isDigit(s.charCodeAt(i))) i++;
  }
  if (i === digitsFrom) return null;
  const value = Number(s.slice(start, i));
  return Number.isFinite(value) ? { value, end: i } : null;
}

function trimPunct(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && ',;()[]{}.:'.includes(s[a]!)) a++;
  while (b > a && ',;()[]{}.:'.includes(s[b - 1]!)) b--;
  return s.slice(a, b);
}

/** The identifier-like tail of s (`(estimated size` -> `size`, `rpc.latency` -> `latency`), or null. */
function wordOf(s: string): string | null {
  let b = s.length;
  while (b > 0 && !isWordChar(s.charCodeAt(b - 1))) b--;
  let a = b;
  while (a > 0 && isWordChar(s.charCodeAt(a - 1))) a--;
  const first = s.charCodeAt(a);
  if (b - a < 2 || b - a > 40 || isDigit(first) || first === 95) return null;
  return s.slice(a, b);
}
