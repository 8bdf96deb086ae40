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
 * The masking of one token SHAPE: the token with every ASCII digit read as `0`. maskToken decides from
 * whether a character is a digit, never from which digit (digit counts, runs and positions; 0-9 are all hex;
 * no keyword, unit or top-level domain contains a digit), so all tokens of one shape get the same decisions,
 * and when the masked text keeps no digit (every digit went into a `<*>`) it is the same text for all of
 * them: `blk_-6247364168500873179`, `10.251.39.144:50010` and `u-5511` are looked up instead of re-scanned
 * (a scan of such a token cost ~300 ns, and 20 % of tokens have digits). When the masked text keeps a digit
 * (`jk2_init()`, `log4j`), the entry serves that exact token only.
 */
interface Shape {
  masked: string;
  pure: boolean;
  /** The token (trailing punctuation aside) is a duration or size unit. */
  unit: boolean;
  /**
   * For a unit, the detail of a plain value followed by it (`<*> ms`), internalized: made once, and a
   * cluster's detail made from it is the same string (compared by pointer). A unit has no digit, so every
   * token of its shape is the same text.
   */
  afterValue: string | null;
  hash: number;
  /** Code units of the shape (-1: the plain-number marker, never compared). */
  length: number;
  /** The shape's UTF-16 code units. */
  codes: Uint16Array;
  /** The one token this entry is for when `masked` keeps a digit; null when it serves the whole shape. */
  exact: string | null;
  /**
   * The shape that followed this one last time, and the different one that followed it before. Messages
   * repeat their templates' word sequences, so the next token is first compared with these two, without
   * hashing or probing the table; two because a word often has two followers that alternate (`sent,` /
   * `received,`, `open` / `close,`, `in` / `(TID`), which one remembered follower misses every time.
   */
  next: Shape | null;
  nextAlt: Shape | null;
}

/** A plain unsigned integer (up to 15 digits): by far the most common value token, masked without a look-up. */
const NUMBER_TOKEN: Shape = {
  masked: WILDCARD,
  pure: true,
  unit: false,
  afterValue: null,
  hash: 0,
  length: -1,
  codes: new Uint16Array(0),
  exact: null,
  next: null,
  nextAlt: null,
};

/**
 * Shapes seen before, by hash. Open addressing with a bounded probe: a run of colliding shapes (hostile
 * input) costs what masking costs, not a scan of the table. Dropped wholesale when half full: cheap, and
 * bounded memory (after a drop, entries only point to entries created since, or to one older step).
 */
const CACHE_BITS = 16;
const CACHE_SIZE = 1 << CACHE_BITS;
const CACHE_MASK = CACHE_SIZE - 1;
const CACHE_LIMIT = CACHE_SIZE >>> 1;
const MAX_PROBES = 8;
/** Longer tokens are masked each time, not cached: rarely repeated, and they would hold memory. */
const MAX_CACHED_TOKEN = 256;
/** A longer message gets a shape buffer of its own instead of growing the shared one for good. */
const MAX_KEPT_BUFFER = 1 << 16;
const cache: Array<Shape | null> = new Array<Shape | null>(CACHE_SIZE).fill(null);
let cacheCount = 0;

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/** The shape of the token being scanned (grown to the longest message, never shrunk). */
let units = new Uint16Array(256);

/** FNV-1a over a shape's code units, with the length folded in. */
function shapeHash(src: Uint16Array, from: number, length: number): number {
  let h = FNV_OFFSET ^ length;
  for (let q = from, end = from + length; q < end; q++) h = Math.imul(h ^ src[q]!, FNV_PRIME);
  return h ^ (h >>> 16);
}

/**
 * A copy of `s` that does not hold on to the string it was cut from: V8 keeps a substring of 13 or more
 * characters as a view on its parent, so a cached token would keep its whole message (or the whole batch the
 * message was cut from) alive. Concatenating first makes V8 copy the characters into a string of their own.
 */
function detached(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}

/**
 * The one internalized (V8 string-table) copy of `s`. Slot keys are compared with `===` several times per
 * slot (with `<*>`, with the cluster's key); when every key is internalized, V8's optimizing compiler sees
 * only internalized strings at those comparisons and compiles each to a pointer compare instead of a call
 * comparing characters (about 1 ns instead of 5). A property name is internalized, hence the object. Called
 * once per cached shape, never per token. Correctness never depends on it: equal strings compare equal
 * either way.
 */
export function internalized(s: string): string {
  const holder: Record<string, true> = { [s]: true };
  for (const key in holder) return key;
  return s;
}

function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isText(message: string, start: number, text: string): boolean {
  for (let k = 0; k < text.length; k++)
    if (message.charCodeAt(start + k) !== text.charCodeAt(k)) return false;
  return true;
}

function hasDigit(s: string): boolean {
  for (let k = 0; k < s.length; k++) if (isDigitCode(s.charCodeAt(k))) return true;
  return false;
}

/** The masking of message[start, start + length), shape at src[from...]: from the table, else computed. */
function maskScanned(src: Uint16Array, from: number, message: string, start: number, length: number): Shape {
  const hash = shapeHash(src, from, length);
  let i = hash & CACHE_MASK;
  let free = -1;
  let sameShape = false;
  for (let probe = 0; probe < MAX_PROBES; probe++, i = (i + 1) & CACHE_MASK) {
    const e = cache[i];
    if (e === null || e === undefined) {
      free = i;
      break;
    }
    if (e.hash !== hash || e.length !== length) continue;
    const codes = e.codes;
    let q = 0;
    while (q < length && codes[q] === src[from + q]) q++;
    if (q !== length) continue;
    if (e.exact === null || isText(message, start, e.exact)) return e;
    // Same shape, another token whose masking keeps digits: computed, not cached (one entry per shape).
    sameShape = true;
    break;
  }
  const tok = detached(message.slice(start, start + length));
  const masked = maskToken(tok);
  const exact = hasDigit(tok) && hasDigit(masked) ? tok : null;
  const unit = isUnitWord(unitCore(tok));
  const e: Shape = {
    masked: internalized(masked),
    pure: isPureVariable(masked),
    unit,
    afterValue: unit ? internalized(WILDCARD + ' ' + tok) : null,
    hash,
    length,
    codes: new Uint16Array(src.subarray(from, from + length)),
    exact,
    next: null,
    nextAlt: null,
  };
  if (sameShape || length > MAX_CACHED_TOKEN) return e;
  if (cacheCount >= CACHE_LIMIT) {
    cache.fill(null);
    cacheCount = 0;
    free = hash & CACHE_MASK;
  }
  if (free >= 0) {
    cache[free] = e;
    cacheCount++;
  }
  return e;
}

/**
 * Stands before each message's first token (never a token's shape): its followers are the guesses for the
 * next message's first token.
 */
const MESSAGE_START: Shape = { ...NUMBER_TOKEN, next: null, nextAlt: null };

/** Whether `shape` starts with expect[0, at) then `d`: the token read so far is a prefix of it too. */
function startsAlike(shape: Shape, expect: Uint16Array, at: number, d: number): boolean {
  const codes = shape.codes;
  if (codes.length <= at || codes[at] !== d) return false;
  for (let q = 0; q < at; q++) if (codes[q] !== expect[q]) return false;
  return true;
}

/** Copies the shape prefix expect[0, at) into `buf`; returns whether it is all digits (so far a plain number). */
function copyShapePrefix(buf: Uint16Array, expect: Uint16Array, at: number): boolean {
  let plain = true;
  for (let q = 0; q < at; q++) {
    const d = expect[q]!;
    buf[q] = d;
    if (d !== 48) plain = false;
  }
  return plain;
}

/**
 * The slots of one message without an array per message: the miner keeps one buffer and reads `n` entries.
 * Raw slot texts are cut from the message only when asked for (parameters), from their bounds.
 */
export class SlotBuffer {
  n = 0;
  message = '';
  readonly keys: string[] = [];
  readonly details: string[] = [];
  readonly rawStart: number[] = [];
  readonly rawEnd: number[] = [];
  /** Every separator inside the slot is one space, so the raw text is the message's own substring. */
  readonly rawSpaced: boolean[] = [];
  /** Whether the last slot written is a variable one (a following variable piece joins it). */
  lastPure = false;

  /** Raw text of slot `i`: the original tokens joined by one space. */
  raw(i: number): string {
    const s = this.message.slice(this.rawStart[i], this.rawEnd[i]);
    return this.rawSpaced[i] ? s : splitWhitespace(s).join(' ');
  }

  /**
   * Appends a piece of the message (one token, or a value and its unit) at [start, end): a new slot, or
   * the continuation of the last slot when both are variables.
   */
  push(pure: boolean, masked: string, detail: string, start: number, end: number, spaced: boolean): void {
    const n = this.n;
    if (pure && this.lastPure) {
      const last = n - 1;
      const lastEnd = this.rawEnd[last]!;
      this.details[last] = this.details[last]! + ' ' + detail;
      this.rawSpaced[last] =
        this.rawSpaced[last]! && spaced && start === lastEnd + 1 && this.message.charCodeAt(lastEnd) === 32;
      this.rawEnd[last] = end;
      return;
    }
    this.keys[n] = pure ? WILDCARD : masked;
    this.details[n] = detail;
    this.rawStart[n] = start;
    this.rawEnd[n] = end;
    this.rawSpaced[n] = spaced;
    this.n = n + 1;
    this.lastPure = pure;
  }
}

/**
 * Fills `out` with the slots of `message` (see Slots); returns `out`. One pass over the characters finds
 * each token's bounds and compares it, while it is read, with the shapes that followed the previous token
 * (most tokens are one of them: nothing copied, hashed or looked up); only a token that is neither is copied
 * as a shape into `units`, told apart as a plain number, or looked up. Slots are written as tokens come, a
 * variable token waiting for the next one in case that is its unit.
 */
export function scanSlots(message: string, out: SlotBuffer): SlotBuffer {
  const len = message.length;
  let buf = units;
  if (len > buf.length) {
    buf = new Uint16Array(Math.max(len, Math.min(buf.length * 2, MAX_KEPT_BUFFER)));
    if (buf.length <= MAX_KEPT_BUFFER) units = buf;
  }
  out.n = 0;
  out.message = message;
  out.lastPure = false;
  let prev = MESSAGE_START;
  // A variable token not yet written: the next token may be its unit (`532 ms`).
  let pending: Shape | null = null;
  let pendingStart = 0;
  let pendingEnd = 0;
  let k = 0;
  while (k < len) {
    let c = message.charCodeAt(k);
    if (c <= 32 && isSpace(c)) {
      k++;
      continue;
    }
    const start = k;
    // Plain numbers are told by their digits below: only shapes from the table are compared with.
    let guess = prev.next;
    let other = prev.nextAlt;
    if (guess === NUMBER_TOKEN) {
      guess = other;
      other = null;
    } else if (other === NUMBER_TOKEN) other = null;
    // Code units of the token read so far, all equal to the guess's shape.
    let at = 0;
    let tokenEnded = false;
    if (guess !== null) {
      let expect = guess.codes;
      for (;;) {
        const d = isDigitCode(c) ? 48 : c;
        if (at === expect.length || expect[at] !== d) {
          if (other === null || !startsAlike(other, expect, at, d)) break;
          guess = other;
          expect = other.codes;
          other = null;
        }
        at++;
        if (++k === len) {
          tokenEnded = true;
          break;
        }
        c = message.charCodeAt(k);
        if (c <= 32 && isSpace(c)) {
          tokenEnded = true;
          break;
        }
      }
    }
    let m: Shape;
    if (
      guess !== null &&
      tokenEnded &&
      at === guess.codes.length &&
      (guess.exact === null || isText(message, start, guess.exact))
    ) {
      m = guess;
    } else {
      // The shape so far is the guess's prefix; the rest of the token is read into `units` after it.
      let plain = guess === null || copyShapePrefix(buf, guess.codes, at);
      if (!tokenEnded) {
        for (;;) {
          let d = c;
          if (isDigitCode(c)) d = 48;
          else plain = false;
          buf[k - start] = d;
          if (++k === len) break;
          c = message.charCodeAt(k);
          if (c <= 32 && isSpace(c)) break;
        }
      }
      m = plain && k - start <= 15 ? NUMBER_TOKEN : maskScanned(buf, 0, message, start, k - start);
    }
    const length = k - start;
    if (prev.next !== m) {
      prev.nextAlt = prev.next;
      prev.next = m;
    }
    prev = m;

    if (pending !== null) {
      const masked = pending.masked;
      pending = null;
      if (m.unit) {
        const spaced = start === pendingEnd + 1 && message.charCodeAt(pendingEnd) === 32;
        const detail =
          masked === WILDCARD && m.afterValue !== null
            ? m.afterValue
            : masked + ' ' + message.slice(start, k);
        out.push(true, masked, detail, pendingStart, k, spaced);
        continue;
      }
      out.push(true, masked, masked, pendingStart, pendingEnd, true);
    }
    if (m.pure) {
      pending = m;
      pendingStart = start;
      pendingEnd = k;
    } else {
      // A unit after a parenthesised or otherwise punctuated value (`(1.16 KB)`): part of that value.
      const pure = out.lastPure && m.unit && length <= 8;
      out.push(pure, m.masked, m.masked, start, k, true);
    }
  }
  if (pending !== null) out.push(true, pending.masked, pending.masked, pendingStart, pendingEnd, true);
  return out;
}

export function toSlots(message: string): Slots {
  const buf = scanSlots(message, new SlotBuffer());
  const raws: string[] = [];
  for (let i = 0; i < buf.n; i++) raws.push(buf.raw(i));
  return { keys: buf.keys.slice(0, buf.n), details: buf.details.slice(0, buf.n), raws };
}
