import { levelOfHeaderWord, levelOfLetter } from '../normalize/level.js';
import { recordFromFields, type HeaderRecord } from './fields.js';
import type { MatchOptions } from './format.js';
import { precisionOf, readTimeField } from './timestamp.js';

/**
 * Header inference from the data itself, for sources that declare no format: the header is the run of leading
 * fields whose token classes are stable across a sample of the source's lines (a timestamp's digits, a level
 * word, a bracketed thread, a `name:` that ends the header, a ` - ` separator), ending at its last field that
 * is not a plain word: a plain word in every line is as likely the first word of the messages. No rule names
 * a system; the one parameter (the share of lines a class must hold) is chosen by leave-one-system-out in
 * bench/loghub.ts.
 */

export type TokenClass =
  'num' | 'month' | 'weekday' | 'level' | 'letter' | 'bracket' | 'colon' | 'dash' | 'word';
/** What follows a token: a run of whitespace, a pipe, or the end of the line. */
type Sep = ' ' | '|' | '';

interface Token {
  text: string;
  start: number;
  end: number;
  /** Index where the next token (or the message) starts. */
  next: number;
  sep: Sep;
  cls: TokenClass;
}

/** Headers are short: only this much of a line is tokenized. */
const HEAD_CHARS = 512;
const MAX_FIELDS = 14;
/** Tokens a name before a ` - ` or `:` terminator may span (`chrome.exe *64 - `). */
const MAX_ABSORB = 2;

const MONTHS = new Set(['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']);
const WEEKDAYS = new Set(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);

function isSpace(c: number): boolean {
  return c === 32 || c === 9;
}

function isNumChar(c: number): boolean {
  // digits and the separators of dates, times and ids: - : . , / _ + T Z
  return (
    (c >= 48 && c <= 57) ||
    c === 45 ||
    c === 58 ||
    c === 46 ||
    c === 44 ||
    c === 47 ||
    c === 95 ||
    c === 43 ||
    c === 84 ||
    c === 90
  );
}

export function classOf(tok: string): TokenClass {
  if (tok === '-') return 'dash';
  const bracketed = tok.length > 2 && tok[0] === '[' && tok.endsWith(']');
  const core = bracketed ? tok.slice(1, -1).trim() : tok.replace(/[:,]$/, '');
  if (levelOfHeaderWord(core, bracketed, true) !== null) return 'level';
  if (bracketed) return 'bracket';
  if (tok.length === 1 && levelOfLetter(tok) !== null) return 'letter';
  const c0 = tok.charCodeAt(0);
  if (c0 >= 48 && c0 <= 57) {
    let all = true;
    for (let k = 1; k < tok.length && all; k++) all = isNumChar(tok.charCodeAt(k));
    if (all) return 'num';
  }
  const lower = core.toLowerCase();
  if (/^[A-Za-z]{3,9}$/.test(core)) {
    if (MONTHS.has(lower.slice(0, 3)) && (core.length === 3 || lower.startsWith(monthFull(lower))))
      return 'month';
    if (WEEKDAYS.has(lower.slice(0, 3)) && (core.length === 3 || lower.endsWith('day'))) return 'weekday';
  }
  if (tok.length >= 2 && tok.endsWith(':')) return 'colon';
  return 'word';
}

const FULL_MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
function monthFull(lower: string): string {
  return FULL_MONTHS.find((m) => m.startsWith(lower.slice(0, 3))) ?? '\u0000';
}

/** The leading tokens of a line: whitespace- or pipe-separated, a `[...]` group (balanced) is one token. */
export function headTokens(line: string, max = MAX_FIELDS): Token[] {
  const out: Token[] = [];
  const limit = Math.min(line.length, HEAD_CHARS);
  let i = 0;
  while (i < limit && isSpace(line.charCodeAt(i))) i++;
  while (i < limit && out.length < max) {
    const start = i;
    if (line.charCodeAt(i) === 91 /* [ */) {
      let depth = 0;
      for (let k = i; k < limit && k < i + 256; k++) {
        const c = line.charCodeAt(k);
        if (c === 91) depth++;
        else if (c === 93 && --depth === 0) {
          i = k + 1;
          break;
        }
      }
    }
    while (i < limit && !isSpace(line.charCodeAt(i)) && line.charCodeAt(i) !== 124 /* | */) i++;
    if (i === start) i++; // a lone unclosed bracket at the limit
    const end = i;
    let sep: Sep = '';
    if (i < line.length && line.charCodeAt(i) === 124) {
      sep = '|';
      i++;
    } else if (i < line.length) {
      sep = ' ';
      while (i < line.length && isSpace(line.charCodeAt(i))) i++;
    }
    const text = line.slice(start, end);
    out.push({ text, start, end, next: i, sep, cls: classOf(text) });
  }
  return out;
}

interface Slot {
  cls: TokenClass;
  sep: Sep;
}

const TERMINATORS: ReadonlySet<TokenClass> = new Set(['dash', 'colon']);

/**
 * Aligns a line's tokens to a template: the index of the token matching each slot, or null when the line does
 * not have that header. A word slot followed by a terminator may span up to MAX_ABSORB extra tokens.
 */
function align(tokens: readonly Token[], template: readonly Slot[]): number[] | null {
  const at: number[] = [];
  let p = 0;
  for (let k = 0; k < template.length; k++) {
    const slot = template[k]!;
    const tok = tokens[p];
    if (tok === undefined) return null;
    if (tok.cls === slot.cls && (tok.sep === slot.sep || k === template.length - 1)) {
      at.push(p++);
      continue;
    }
    if (TERMINATORS.has(slot.cls) && k > 0 && template[k - 1]!.cls === 'word') {
      let found = -1;
      for (let j = 1; j <= MAX_ABSORB && p + j < tokens.length; j++) {
        if (tokens[p + j]!.cls === slot.cls) {
          found = p + j;
          break;
        }
      }
      if (found >= 0) {
        at.push(found);
        p = found + 1;
        continue;
      }
    }
    return null;
  }
  return at;
}

export type InferredRole = 'time' | 'level' | 'component' | 'process' | 'host' | 'other';

export interface InferredHeader {
  slots: ReadonlyArray<Slot & { role: InferredRole }>;
  /** Slots [from, to] that together hold the time, or null. */
  time: [number, number] | null;
  /** Share of the sample whose lines have this header. */
  support: number;
  /** The header in Drain's notation, for reports. */
  notation: string;
  match(line: string, options?: MatchOptions): HeaderRecord | null;
}

export interface InferOptions {
  /** Share of the sample a position's class must hold to belong to the header. */
  stability?: number;
}

export const DEFAULT_STABILITY = 0.8;

/** Infers a source's header from a sample of its lines; null when no leading field is stable. */
export function inferHeader(sample: readonly string[], options: InferOptions = {}): InferredHeader | null {
  const theta = options.stability ?? DEFAULT_STABILITY;
  const lines = sample.filter((l) => l.trim().length > 0);
  if (lines.length === 0) return null;
  const tokens = lines.map((l) => headTokens(l));
  const template: Slot[] = [];
  for (let k = 0; k < MAX_FIELDS; k++) {
    const counts = new Map<string, number>();
    for (const toks of tokens) {
      const at = align(toks, template);
      if (at === null) continue;
      const p = at.length === 0 ? 0 : at[at.length - 1]! + 1;
      const seen = new Set<string>();
      const tok = toks[p];
      if (tok === undefined) continue;
      seen.add(`${tok.cls}${tok.sep}`);
      // A terminator a few tokens on, after a word: the word is a name of varying width.
      if (template.length > 0 && template[template.length - 1]!.cls === 'word') {
        for (let j = 1; j <= MAX_ABSORB && p + j < toks.length; j++) {
          const t = toks[p + j]!;
          if (TERMINATORS.has(t.cls)) {
            seen.add(`${t.cls}${t.sep}`);
            break;
          }
        }
      }
      for (const key of seen) counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    let best: string | null = null;
    let bestCount = 0;
    for (const [key, n] of counts) {
      if (n > bestCount) {
        best = key;
        bestCount = n;
      }
    }
    if (best === null || bestCount < theta * lines.length) break;
    const sep = (best.endsWith('|') ? '|' : best.endsWith(' ') ? ' ' : '') as Sep;
    template.push({ cls: (sep === '' ? best : best.slice(0, -1)) as TokenClass, sep });
  }
  // The header ends at its last field that is not a plain word, and at a terminator (`name:`, ` - `) that a
  // plain word follows: what comes after `name: word` is the message even when every sampled message
  // happens to start alike.
  let end = template.length;
  for (let k = 0; k + 1 < template.length; k++) {
    if (TERMINATORS.has(template[k]!.cls) && template[k + 1]!.cls === 'word') {
      end = k + 1;
      break;
    }
  }
  template.length = end;
  while (end > 0 && template[end - 1]!.cls === 'word') end--;
  if (end === 0) return null;
  const slots = template.slice(0, end);
  const aligned = tokens.map((t) => align(t, slots));
  const support = aligned.filter((a) => a !== null).length / lines.length;
  const { time, timeish } = chooseTime(slots, lines, tokens, aligned);
  return build(slots, time, timeish, support);
}

const TIME_CLASSES: ReadonlySet<TokenClass> = new Set(['num', 'month', 'weekday', 'bracket']);

/**
 * The run of slots that reads as a time in most aligned lines, the most precise such run; and the slots that
 * read as a time on their own (an epoch or a date beside the chosen time), which are then no pid.
 */
function chooseTime(
  slots: readonly Slot[],
  lines: readonly string[],
  tokens: readonly Token[][],
  aligned: ReadonlyArray<number[] | null>,
): { time: [number, number] | null; timeish: Set<number> } {
  const timeish = new Set<number>();
  let best: [number, number] | null = null;
  let bestScore = -1;
  for (let a = 0; a < slots.length; a++) {
    for (let b = a; b < slots.length && b < a + 4; b++) {
      if (!TIME_CLASSES.has(slots[b]!.cls)) break;
      let ok = 0;
      let total = 0;
      let precision = 0;
      for (let i = 0; i < lines.length; i++) {
        const at = aligned[i];
        if (at === null || at === undefined) continue;
        total++;
        const t = tokens[i]!;
        const m = readTimeField(lines[i]!.slice(t[at[a]!]!.start, t[at[b]!]!.end));
        if (m !== null) {
          ok++;
          precision = Math.max(precision, precisionOf(m));
        }
      }
      if (total === 0 || ok < 0.9 * total) continue;
      if (a === b) timeish.add(a);
      // Most precise first; among equals the longer run (date and time over the time alone).
      const score = precision * 10 + (b - a);
      if (score > bestScore) {
        bestScore = score;
        best = [a, b];
      }
    }
  }
  return { time: best, timeish };
}

function build(
  slotsIn: readonly Slot[],
  time: [number, number] | null,
  timeish: ReadonlySet<number>,
  support: number,
): InferredHeader {
  const roles: InferredRole[] = slotsIn.map(() => 'other');
  const inTime = (k: number): boolean => time !== null && k >= time[0] && k <= time[1];
  if (time !== null) for (let k = time[0]; k <= time[1]; k++) roles[k] = 'time';
  let level = -1;
  for (let k = 0; k < slotsIn.length; k++) {
    const c = slotsIn[k]!.cls;
    if (inTime(k)) continue;
    if ((c === 'level' || c === 'letter') && level < 0) {
      roles[k] = 'level';
      level = k;
    }
  }
  let component = -1;
  const last = slotsIn.length - 1;
  if (slotsIn[last]!.cls === 'colon') component = last;
  else if (slotsIn[last]!.cls === 'dash' && last > 0 && slotsIn[last - 1]!.cls === 'word')
    component = last - 1;
  else {
    // The word nearest before the end (`RAS KERNEL INFO`: KERNEL) names what wrote the line.
    for (let k = last; k >= 0; k--) {
      if (slotsIn[k]!.cls === 'word' && !inTime(k)) {
        component = k;
        break;
      }
    }
  }
  if (component >= 0) roles[component] = 'component';
  let process = -1;
  let host = -1;
  let sawTime = false;
  for (let k = 0; k < slotsIn.length; k++) {
    if (inTime(k) || timeish.has(k)) sawTime = true;
    if (roles[k] !== 'other' || timeish.has(k)) continue;
    const c = slotsIn[k]!.cls;
    if ((c === 'num' || c === 'bracket') && process < 0) {
      roles[k] = 'process';
      process = k;
    } else if (c === 'word' && host < 0 && sawTime) {
      roles[k] = 'host';
      host = k;
    }
  }
  const slots = slotsIn.map((s, k) => ({ ...s, role: roles[k]! }));
  const names = slots.map((s, k) =>
    s.role === 'time'
      ? 'Time'
      : s.role === 'level'
        ? 'Level'
        : s.role === 'component'
          ? 'Component'
          : s.role === 'process'
            ? 'Pid'
            : s.role === 'host'
              ? 'Host'
              : `F${k}`,
  );
  let notation = '';
  for (let k = 0; k < slots.length; k++) {
    if (time !== null && k > time[0] && k <= time[1]) continue;
    const s = slots[k]!;
    const field = s.cls === 'dash' ? '-' : s.cls === 'colon' ? `<${names[k]!}>:` : `<${names[k]!}>`;
    notation += field + (s.sep === '|' ? '|' : ' ');
  }
  notation += '<Content>';

  return {
    slots,
    time,
    support,
    notation,
    match(line: string, options: MatchOptions = {}): HeaderRecord | null {
      const toks = headTokens(line, slots.length + MAX_ABSORB * 2);
      const at = align(toks, slots);
      if (at === null) return null;
      const fieldNames: string[] = [];
      const values: string[] = [];
      for (let k = 0; k < slots.length; k++) {
        const s = slots[k]!;
        if (s.cls === 'dash') continue;
        if (time !== null && k >= time[0] && k <= time[1]) {
          if (k === time[0]) {
            fieldNames.push('Time');
            values.push(line.slice(toks[at[time[0]]!]!.start, toks[at[time[1]]!]!.end));
          }
          continue;
        }
        // A name spans from its token to the one before the terminator it was aligned to.
        const from = toks[at[k]!]!;
        const toIdx = k + 1 < slots.length ? at[k + 1]! - 1 : at[k]!;
        let text = line.slice(from.start, toks[Math.max(toIdx, at[k]!)]!.end);
        if (s.cls === 'bracket') text = text.slice(1, -1);
        if (s.role === 'level' && s.cls === 'level') text = text.replace(/^\[|\]$|[:,]$/g, '');
        fieldNames.push(names[k]!);
        values.push(text);
      }
      const lastTok = toks[at[at.length - 1]!]!;
      return recordFromFields(fieldNames, values, line.slice(lastTok.next).trimEnd(), {
        ...(options.years !== undefined ? { years: options.years } : {}),
        defaultOffsetMinutes: options.defaultOffsetMinutes ?? 0,
        defaultDateMs: options.defaultDateMs ?? null,
      });
    },
  };
}
