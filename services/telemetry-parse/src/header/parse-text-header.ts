import type { Level } from '@self-healing/schemas';
import { levelOfHeaderWord, levelOfLetter } from '../normalize/level.js';
import { matchTimestamp, toEpochMs, type EpochDefaults } from './timestamp.js';

export interface TextHeader {
  /** The timestamp text as it appeared (without brackets), null when the line has none. */
  timestamp: string | null;
  /** The timestamp in epoch ms (UTC), using the configured defaults for a missing zone or year. */
  epochMs: number | null;
  level: Level | null;
  component: string | null;
  /** Process or thread: a pid, `name[pid]`'s pid, or a bracketed thread name. */
  process: string | null;
  host: string | null;
  /** The rest of the line after the header. */
  message: string;
}

export interface HeaderOptions {
  /** Minutes east of UTC assumed for timestamps without a zone. Default 0 (UTC). */
  defaultOffsetMinutes?: number;
  /** Year assumed for timestamps without one (syslog). Default: the current UTC year. */
  defaultYear?: number;
  /** Midnight (epoch ms, UTC) of the day assumed for time-of-day-only timestamps. Default: null (epochMs null). */
  defaultDateMs?: number | null;
}

/** Level words come from the one vocabulary of normalize/level.ts. */
const levelOf = levelOfHeaderWord;

function isSpace(c: number): boolean {
  return c === 32 || c === 9;
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
/** Characters of a component / logger / program name: identifier chars plus . $ - / # @. */
function isNameChar(c: number): boolean {
  return (
    (c >= 65 && c <= 90) ||
    (c >= 97 && c <= 122) ||
    isDigit(c) ||
    c === 95 || // _
    c === 46 || // .
    c === 36 || // $
    c === 45 || // -
    c === 47 || // /
    c === 35 || // #
    c === 64 // @
  );
}

function skipSpaces(s: string, i: number): number {
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  return i;
}

/** End of the whitespace-free token starting at i. */
function tokenEnd(s: string, i: number): number {
  while (i < s.length && !isSpace(s.charCodeAt(i))) i++;
  return i;
}

/** Index after the balanced bracket group opening at i (handles nesting), or -1. */
function bracketEnd(s: string, i: number, open: number, close: number): number {
  let depth = 0;
  for (let k = i; k < s.length && k < i + 256; k++) {
    const c = s.charCodeAt(k);
    if (c === open) depth++;
    else if (c === close) {
      depth--;
      if (depth === 0) return k + 1;
    }
  }
  return -1;
}

function allDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let k = 0; k < s.length; k++) if (!isDigit(s.charCodeAt(k))) return false;
  return true;
}

function allNameChars(s: string): boolean {
  if (s.length === 0) return false;
  for (let k = 0; k < s.length; k++) if (!isNameChar(s.charCodeAt(k))) return false;
  return true;
}

/** A logger/module name is qualified when it has a separator a prose word would not have. */
function isQualified(tok: string): boolean {
  for (let k = 0; k < tok.length; k++) {
    const c = tok.charCodeAt(k);
    if (c === 46 || c === 36 || c === 47 || c === 95 || c === 35 || c === 64 || c === 45) return true;
  }
  return false;
}

interface Fields {
  level: Level | null;
  component: string | null;
  process: string | null;
  host: string | null;
}

/**
 * Tries to read `name[pid]:` or `name:` (a component that terminates the header). Returns the index after
 * the colon and its separating space, or -1.
 */
function componentColon(s: string, i: number, out: Fields, anyName: boolean): number {
  const end = tokenEnd(s, i);
  if (end - i < 2 || s.charCodeAt(end - 1) !== 58 /* : */) return -1;
  const tok = s.slice(i, end - 1);
  const lb = tok.indexOf('[');
  if (lb > 0 && tok.endsWith(']')) {
    const name = tok.slice(0, lb);
    const pid = tok.slice(lb + 1, -1);
    if (!allNameChars(name.replace(/[()]/g, '')) || !allDigits(pid)) return -1;
    out.component = name;
    out.process = pid;
    return end;
  }
  // A logger name: identifier characters, and not a plain English word followed by a colon unless it is
  // qualified (contains . $ / or _), since messages often start with "Error:" or "Note:".
  if (!allNameChars(tok) || allDigits(tok)) return -1;
  if (!anyName && !isQualified(tok)) return -1;
  out.component = tok;
  return end;
}

/**
 * Generic header extraction for plain-text log lines: one configuration for all sources. It recognises a
 * leading timestamp (many shapes, optionally bracketed), then a short sequence of header fields (level words,
 * pids, bracketed thread names, a syslog host, pipe-separated fields) that ends at a clear terminator:
 * a `component:` / `program[pid]:` token, a ` - ` separator, or the last pipe-separated field. Fields read
 * after the last certain point are given back to the message when no terminator follows them, so a message
 * that happens to start with a bracket (`[client 1.2.3.4] ...`) keeps it.
 */
let yearCache = { year: 0, until: 0 };

/** The current UTC year, recomputed only when the cached year has ended (avoids a Date per line). */
function currentYear(): number {
  const now = Date.now();
  if (now >= yearCache.until) {
    const year = new Date(now).getUTCFullYear();
    yearCache = { year, until: Date.UTC(year + 1, 0, 1) };
  }
  return yearCache.year;
}

export function parseTextHeader(line: string, options: HeaderOptions = {}): TextHeader {
  const defaults: EpochDefaults = {
    defaultOffsetMinutes: options.defaultOffsetMinutes ?? 0,
    defaultYear: options.defaultYear ?? currentYear(),
    defaultDateMs: options.defaultDateMs ?? null,
  };
  let s = line;
  let last = s.length;
  while (last > 0 && s.charCodeAt(last - 1) <= 32) last--;
  if (last !== s.length) s = s.slice(0, last);

  let i = skipSpaces(s, 0);
  const ts = matchTimestamp(s, i);
  const out: Fields = { level: null, component: null, process: null, host: null };
  let timestamp: string | null = null;
  let epochMs: number | null = null;
  let syslog = false;
  if (ts !== null) {
    timestamp = ts.text;
    epochMs = toEpochMs(ts.fields, defaults);
    // RFC 3164 syslog (`Dec 10 06:55:46 host prog[pid]: msg`) has no year and puts the host next.
    syslog = ts.fields.year === null && /^[A-Za-z]/.test(ts.text);
    i = ts.end;
  }

  // Committed state: the message starts at `commit` with the fields in `committed`.
  let commit = ts !== null ? skipSpaces(s, i) : i;
  let committed: Fields = { ...out };
  const cur: Fields = { ...out };
  const doCommit = (at: number): void => {
    commit = at;
    committed = { ...cur };
  };

  // Pipe-separated header: `ts|component|pid|message`.
  if (ts !== null && s[i] === '|') {
    let p = i + 1;
    for (let field = 0; field < 3; field++) {
      const bar = s.indexOf('|', p);
      if (bar < 0) break;
      const v = s.slice(p, bar);
      if (v.length === 0 || v.length > 64 || v.includes(' ')) break;
      const lv = levelOf(v, true);
      if (lv !== null && cur.level === null) cur.level = lv;
      else if (allDigits(v) && cur.process === null) cur.process = v;
      else if (cur.component === null && !allDigits(v)) cur.component = v;
      else break;
      p = bar + 1;
      doCommit(p);
    }
    return { timestamp, epochMs, ...committed, message: s.slice(commit) };
  }

  if (ts === null) {
    // Without a timestamp only a leading level word is taken (e.g. `ERROR something failed`).
    const end = tokenEnd(s, i);
    const w = s.slice(i, end);
    const br = w.length > 2 && w[0] === '[' && w.endsWith(']');
    const lv = levelOf(br ? w.slice(1, -1) : w.endsWith(':') ? w.slice(0, -1) : w, br);
    if (lv !== null) {
      committed.level = lv;
      commit = skipSpaces(s, end);
    }
    return { timestamp, epochMs, ...committed, message: s.slice(commit) };
  }

  let fieldsSinceCommit = 0;
  for (let step = 0; step < 6; step++) {
    i = skipSpaces(s, i);
    if (i >= s.length) break;
    const c = s.charCodeAt(i);

    // ` - ` separator: ends the header when some field precedes it, otherwise it only separates the timestamp.
    if (c === 45 /* - */ && isSpace(s.charCodeAt(i + 1))) {
      if (step === 0) {
        i += 2;
        doCommit(skipSpaces(s, i));
        continue;
      }
      doCommit(skipSpaces(s, i + 2));
      break;
    }

    // Bracketed group: level (`[notice]`), pid (`[1234]`) or thread/component (`[main]`, `[Worker@12]`).
    if (c === 91 /* [ */ || c === 60 /* < */) {
      const end = bracketEnd(s, i, c, c === 91 ? 93 : 62);
      if (end < 0) break;
      const inner = s.slice(i + 1, end - 1).trim();
      const lv = levelOf(inner, true);
      if (lv !== null && cur.level === null) {
        cur.level = lv;
        i = end;
        doCommit(skipSpaces(s, i));
        fieldsSinceCommit = 0;
        continue;
      }
      if (allDigits(inner) && cur.process === null) cur.process = inner;
      else if (cur.process === null) cur.process = inner;
      else if (cur.component === null) cur.component = inner;
      else break;
      i = end;
      fieldsSinceCommit++;
      continue;
    }

    // A comma right after the timestamp (`2016-09-28 04:30:30, Info ...`) only separates.
    if (c === 44 /* , */ && step === 0) {
      i++;
      continue;
    }
    const end = tokenEnd(s, i);
    const tok = s.slice(i, end);
    const letter = tok.length === 1 && cur.process !== null && cur.level === null ? levelOfLetter(tok) : null;
    const lv =
      letter ??
      levelOf(
        tok.endsWith(':') ? tok.slice(0, -1) : tok,
        false,
        !tok.endsWith(':') && fieldsSinceCommit === 0 && step <= 1,
      );
    if (lv !== null && cur.level === null) {
      cur.level = lv;
      i = end;
      doCommit(skipSpaces(s, i));
      fieldsSinceCommit = 0;
      if (tok.endsWith(':')) break;
      continue;
    }
    // `component:` or `program[pid]:` terminates the header.
    const scratch: Fields = { ...cur };
    const after = componentColon(s, i, scratch, syslog || cur.level !== null);
    if (after > 0) {
      Object.assign(cur, scratch);
      doCommit(skipSpaces(s, after));
      break;
    }
    if (allDigits(tok) && cur.level === null && cur.component === null && fieldsSinceCommit < 2) {
      // A bare number right after the timestamp is a pid (`081109 203615 148 INFO ...`); a second one is the
      // thread id of logcat-style headers (`1702  2395 D Tag: ...`), kept as `pid/tid`.
      cur.process = cur.process === null ? tok : `${cur.process}/${tok}`;
      i = end;
      fieldsSinceCommit++;
      continue;
    }
    if (syslog && step === 0 && allNameChars(tok)) {
      cur.host = tok;
      i = end;
      fieldsSinceCommit++;
      continue;
    }
    // A program name followed by ` - ` (`chrome.exe - msg`, `app.exe *64 - msg`): a qualified name, optionally
    // with one non-word qualifier; plain prose (`Connection lost - retrying`) is not a header.
    if (
      fieldsSinceCommit < 2 &&
      cur.component === null &&
      tok.length <= 64 &&
      allNameChars(tok) &&
      isQualified(tok)
    ) {
      cur.component = cur.component === null ? tok : cur.component;
      const nextStart = skipSpaces(s, end);
      const twoWords = s.slice(nextStart, nextStart + 2);
      if (twoWords === '- ' || (s[nextStart] === '-' && nextStart + 1 === s.length)) {
        doCommit(skipSpaces(s, nextStart + 1));
        break;
      }
      const e2 = tokenEnd(s, nextStart);
      const after2 = skipSpaces(s, e2);
      const qualifier = s.slice(nextStart, e2);
      if (
        e2 > nextStart &&
        s.slice(after2, after2 + 2) === '- ' &&
        qualifier.length <= 16 &&
        !/^[A-Za-z]+$/.test(qualifier)
      ) {
        cur.component = s.slice(i, e2);
        doCommit(skipSpaces(s, after2 + 1));
        break;
      }
    }
    break;
  }
  return { timestamp, epochMs, ...committed, message: s.slice(commit) };
}
