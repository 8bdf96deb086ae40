import { isPureVariable, maskToken, WILDCARD } from './mask.js';
import { isUnitWord } from './units.js';

/**
 * A message cut into slots, the unit the miner compares. A slot is one masked token, except that
 * (a) a number with its unit (`532 ms`, `5.2 KB,`) and (b) a run of adjacent tokens that are only variables
 * (`<*> <*>`, `1190 bytes (1.16 KB)`) each form ONE slot. Variable-length runs of values therefore do not
 * change the slot count, which is what keys the prefix tree.
 */
export interface Slots {
  /** Comparison key per slot: `<*>` for variable slots, the masked token text otherwise. */
  keys: string[];
  /** Rendered text per slot: the masked tokens joined by one space (`<*> KB,`, `uid=<*>`). */
  details: string[];
  /** Raw text per slot (original tokens joined by one space), for parameter extraction. */
  raws: string[];
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12;
}

/** The unit word inside a token such as `KB,` or `ms)`: strips trailing punctuation. */
function unitCore(tok: string): string {
  let e = tok.length;
  while (e > 0) {
    const c = tok.charCodeAt(e - 1);
    if (c === 44 || c === 41 || c === 93 || c === 59 || c === 46 || c === 58 || c === 125) e--;
    else break;
  }
  return e === tok.length ? tok : tok.slice(0, e);
}

export function splitWhitespace(message: string): string[] {
  const out: string[] = [];
  let start = -1;
  for (let k = 0; k < message.length; k++) {
    if (isSpace(message.charCodeAt(k))) {
      if (start >= 0) {
        out.push(message.slice(start, k));
        start = -1;
      }
    } else if (start < 0) start = k;
  }
  if (start >= 0) out.push(message.slice(start));
  return out;
}

/**
 * Masking results of recent tokens. Words repeat a lot in logs, so most tokens are looked up instead of
 * re-scanned; the cache is dropped wholesale when full (cheap, and bounded memory).
 */
const MASK_CACHE_LIMIT = 50_000;

interface MaskedToken {
  masked: string;
  pure: boolean;
  /** The token (trailing punctuation aside) is a duration or size unit. */
  unit: boolean;
}

let maskCache = new Map<string, MaskedToken>();

function hasDigit(tok: string): boolean {
  for (let k = 0; k < tok.length; k++) {
    const c = tok.charCodeAt(k);
    if (c >= 48 && c <= 57) return true;
  }
  return false;
}

/** A plain unsigned integer: by far the most common value token, masked without a scan of its shape. */
const NUMBER_TOKEN: MaskedToken = { masked: WILDCARD, pure: true, unit: false };

function isPlainNumber(tok: string): boolean {
  if (tok.length === 0 || tok.length > 15) return false;
  for (let k = 0; k < tok.length; k++) {
    const c = tok.charCodeAt(k);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function cachedMask(tok: string): MaskedToken {
  if (isPlainNumber(tok)) return NUMBER_TOKEN;
  let m = maskCache.get(tok);
  if (m === undefined) {
    const masked = maskToken(tok);
    m = { masked, pure: isPureVariable(masked), unit: isUnitWord(unitCore(tok)) };
    // Tokens with digits are mostly values seen once: caching them would only churn the cache.
    if (!hasDigit(tok)) {
      if (maskCache.size >= MASK_CACHE_LIMIT) maskCache = new Map();
      maskCache.set(tok, m);
    }
  }
  return m;
}

export function toSlots(message: string): Slots {
  const tokens = splitWhitespace(message);
  const keys: string[] = [];
  const details: string[] = [];
  const raws: string[] = [];
  let prevPure = false;
  for (let k = 0; k < tokens.length; k++) {
    const tok = tokens[k]!;
    const m = cachedMask(tok);
    const masked = m.masked;
    let pure = m.pure;
    let detail = masked;
    let raw = tok;
    if (pure && k + 1 < tokens.length) {
      const next = tokens[k + 1]!;
      if (cachedMask(next).unit) {
        detail = masked + ' ' + next;
        raw = tok + ' ' + next;
        k++;
      }
    } else if (!pure && prevPure && m.unit && tok.length <= 8) {
      // A unit after a parenthesised or otherwise punctuated value (`(1.16 KB)`): part of that value.
      pure = true;
    }
    if (pure && prevPure) {
      const last = details.length - 1;
      details[last] = details[last] + ' ' + detail;
      raws[last] = raws[last] + ' ' + raw;
      continue;
    }
    keys.push(pure ? WILDCARD : masked);
    details.push(detail);
    raws.push(raw);
    prevPure = pure;
  }
  return { keys, details, raws };
}
