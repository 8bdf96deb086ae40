/**
 * Timestamp recognition at the start of a plain-text log line, without regular expressions: each shape is a
 * small pattern of fields and literals matched left to right by a hand-written scanner (no backtracking beyond
 * trying the shapes in order), so a pathological line costs at most (shapes × pattern length) steps.
 */

/** Pattern fields. Literal characters are matched as themselves; `?` makes the previous literal optional. */
type Field =
  | 'yyyy' // 4-digit year
  | 'yy' // 2-digit year
  | 'MM' // 2-digit month
  | 'M' // 1-2 digit month
  | 'MMM' // month name (Jan, january, ...)
  | 'dd' // 2-digit day
  | 'd' // 1-2 digit day, optionally space padded
  | 'EEE' // day-of-week name, ignored
  | 'HH'
  | 'mm'
  | 'ss'
  | 'SSS' // fraction of a second, 1-9 digits
  | 'Z'; // optional zone: Z, +hh:mm, +hhmm, -hh

type PatternItem = { field: Field } | { lit: string; optional?: boolean };

export interface TimestampFields {
  year: number | null;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  millis: number;
  /** Zone offset in minutes east of UTC when the text carried one. */
  offsetMinutes: number | null;
}

export interface TimestampMatch {
  /** Index just after the timestamp text (and after its closing bracket when bracketed). */
  end: number;
  /** The matched text, without surrounding brackets. */
  text: string;
  fields: TimestampFields;
}

/**
 * The shapes, most specific first. `<`…`>` name a field, anything else is literal; a literal followed by `?`
 * is optional. The order matters only where one shape is a prefix of another (fractions, zones).
 */
const SHAPES: readonly string[] = [
  '<yyyy>-<MM>-<dd>T<HH>:<mm>:<ss>.?<SSS><Z>', // ISO 8601 with fraction (dot or comma, see below)
  '<yyyy>-<MM>-<dd>T<HH>:<mm>:<ss><Z>',
  '<yyyy>-<MM>-<dd> <HH>:<mm>:<ss>.?<SSS><Z>',
  '<yyyy>-<MM>-<dd> <HH>:<mm>:<ss><Z>',
  // ISO 8601 written with other separators: `2005-06-03-15.42.50.675872`, `2017-05-16_13:53:08`.
  '<yyyy>-<MM>-<dd>-<HH>.<mm>.<ss>.?<SSS>',
  '<yyyy>-<MM>-<dd>-<HH>.<mm>.<ss>',
  '<yyyy>-<MM>-<dd>-<HH>:<mm>:<ss>.?<SSS>',
  '<yyyy>-<MM>-<dd>-<HH>:<mm>:<ss>',
  '<yyyy>-<MM>-<dd>_<HH>:<mm>:<ss>.?<SSS>',
  '<yyyy>-<MM>-<dd>_<HH>:<mm>:<ss>',
  '<yyyy>.<MM>.<dd> <HH>:<mm>:<ss>.?<SSS>',
  '<yyyy>/<MM>/<dd>T<HH>:<mm>:<ss>.?<SSS><Z>',
  '<yyyy>/<MM>/<dd>T<HH>:<mm>:<ss><Z>',
  '<yyyy>/<MM>/<dd> <HH>:<mm>:<ss>.?<SSS>',
  '<yyyy>/<MM>/<dd> <HH>:<mm>:<ss>',
  '<yyyy>.<MM>.<dd> <HH>:<mm>:<ss>',
  '<yyyy><MM><dd>-<HH>:<mm>:<ss>:<SSS>', // 20171223-22:15:29:606
  '<yyyy><MM><dd>-<HH>:<mm>:<ss>',
  '<yyyy><MM><dd>T<HH><mm><ss><Z>', // basic ISO 8601
  '<yyyy><MM><dd> <HH>:<mm>:<ss>.?<SSS>',
  '<yyyy><MM><dd> <HH>:<mm>:<ss>',
  '<yy>/<MM>/<dd> <HH>:<mm>:<ss>.?<SSS>',
  '<yy>/<MM>/<dd> <HH>:<mm>:<ss>', // 17/06/09 20:10:40
  '<yy><MM><dd> <HH><mm><ss>', // 081109 203615
  '<dd>/<MMM>/<yyyy>:<HH>:<mm>:<ss> <Z>', // access log: 10/Oct/2000:13:55:36 -0700
  '<EEE> <MMM> <d> <HH>:<mm>:<ss>.?<SSS> <yyyy>',
  '<EEE> <MMM> <d> <HH>:<mm>:<ss> <yyyy>', // Sun Dec 04 04:47:44 2005
  '<EEE> <MMM> <d> <HH>:<mm>:<ss>',
  '<MMM> <d> <yyyy> <HH>:<mm>:<ss>',
  '<MMM> <d> <HH>:<mm>:<ss>.?<SSS>',
  '<MMM> <d> <HH>:<mm>:<ss>', // syslog: Dec 10 06:55:46, Jun  9 06:06:20
  '<dd>-<MMM>-<yyyy> <HH>:<mm>:<ss>.?<SSS>',
  '<dd>-<MMM>-<yyyy> <HH>:<mm>:<ss>',
  '<MM>-<dd> <HH>:<mm>:<ss>.?<SSS>', // logcat: 03-17 16:13:38.811
  '<MM>.<dd> <HH>:<mm>:<ss>', // 10.30 16:49:06
  '<MM>/<dd>/<yyyy> <HH>:<mm>:<ss>',
  '<HH>:<mm>:<ss>.?<SSS>',
  '<HH>:<mm>:<ss>',
];

function compile(shape: string): PatternItem[] {
  const items: PatternItem[] = [];
  let i = 0;
  while (i < shape.length) {
    const c = shape[i]!;
    if (c === '<') {
      const close = shape.indexOf('>', i);
      items.push({ field: shape.slice(i + 1, close) as Field });
      i = close + 1;
    } else if (shape[i + 1] === '?') {
      items.push({ lit: c, optional: true });
      i += 2;
    } else {
      items.push({ lit: c });
      i += 1;
    }
  }
  return items;
}

const PATTERNS: readonly PatternItem[][] = SHAPES.map(compile);

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isAlpha(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** Reads exactly `n` digits at `pos`; returns -1 when absent. */
function digits(s: string, pos: number, n: number): number {
  if (pos + n > s.length) return -1;
  let v = 0;
  for (let k = 0; k < n; k++) {
    const c = s.charCodeAt(pos + k);
    if (!isDigit(c)) return -1;
    v = v * 10 + (c - 48);
  }
  return v;
}

/** Reads an alphabetic word at `pos` and returns its index in `names` (by 3-letter prefix) and its length. */
function nameAt(s: string, pos: number, names: readonly string[]): [number, number] {
  let end = pos;
  while (end < s.length && isAlpha(s.charCodeAt(end))) end++;
  const len = end - pos;
  if (len < 3 || len > 9) return [-1, 0];
  const idx = names.indexOf(s.slice(pos, pos + 3).toLowerCase());
  return [idx, len];
}

function matchPattern(s: string, start: number, items: readonly PatternItem[]): TimestampMatch | null {
  const f: TimestampFields = {
    year: null,
    month: 1,
    day: 1,
    hour: 0,
    minute: 0,
    second: 0,
    millis: 0,
    offsetMinutes: null,
  };
  let pos = start;
  let sawMonth = false;
  for (let k = 0; k < items.length; k++) {
    const it = items[k]!;
    if ('lit' in it) {
      const c = s[pos];
      // A fraction separator may be '.' or ',' (log4j writes 18:01:47,978).
      if (c === it.lit || (it.lit === '.' && c === ',')) pos++;
      else if (!it.optional) return null;
      continue;
    }
    let v: number;
    switch (it.field) {
      case 'yyyy':
        v = digits(s, pos, 4);
        if (v < 1970 || v > 2199) return null;
        f.year = v;
        pos += 4;
        break;
      case 'yy':
        v = digits(s, pos, 2);
        if (v < 0) return null;
        f.year = 2000 + v;
        pos += 2;
        break;
      case 'MM':
        v = digits(s, pos, 2);
        if (v < 1 || v > 12) return null;
        f.month = v;
        sawMonth = true;
        pos += 2;
        break;
      case 'M':
      case 'd': {
        if (s.charCodeAt(pos) === 32 && it.field === 'd') pos++; // syslog pads days with a space
        let n = digits(s, pos, 2);
        let w = 2;
        if (n < 0 || (pos + 2 < s.length && isDigit(s.charCodeAt(pos + 2)))) {
          n = digits(s, pos, 1);
          w = 1;
        }
        if (n < 1 || n > (it.field === 'M' ? 12 : 31)) return null;
        if (it.field === 'M') {
          f.month = n;
          sawMonth = true;
        } else f.day = n;
        pos += w;
        break;
      }
      case 'MMM': {
        const [idx, len] = nameAt(s, pos, MONTHS);
        if (idx < 0) return null;
        f.month = idx + 1;
        sawMonth = true;
        pos += len;
        break;
      }
      case 'EEE': {
        const [idx, len] = nameAt(s, pos, DAYS);
        if (idx < 0) return null;
        pos += len;
        break;
      }
      case 'dd':
        v = digits(s, pos, 2);
        if (v < 1 || v > 31) return null;
        f.day = v;
        pos += 2;
        break;
      case 'HH':
      case 'mm':
      case 'ss': {
        // Two digits, or one when the writer does not pad (`22:16:0:119`) and a separator follows.
        let w = 2;
        v = digits(s, pos, 2);
        if (v < 0 && k + 1 < items.length && 'lit' in items[k + 1]!) {
          v = digits(s, pos, 1);
          w = 1;
          if (v >= 0 && s[pos + 1] !== (items[k + 1] as { lit: string }).lit) v = -1;
        }
        const max = it.field === 'HH' ? 23 : it.field === 'mm' ? 59 : 60;
        if (v < 0 || v > max) return null;
        if (it.field === 'HH') f.hour = v;
        else if (it.field === 'mm') f.minute = v;
        else f.second = v;
        pos += w;
        break;
      }
      case 'SSS': {
        let n = 0;
        let frac = 0;
        while (n < 9 && pos < s.length && isDigit(s.charCodeAt(pos))) {
          if (n < 3) frac = frac * 10 + (s.charCodeAt(pos) - 48);
          n++;
          pos++;
        }
        if (n === 0) return null;
        for (let z = n; z < 3; z++) frac *= 10;
        f.millis = frac;
        break;
      }
      case 'Z': {
        const c = s[pos];
        if (c === 'Z') {
          f.offsetMinutes = 0;
          pos++;
        } else if ((c === '+' || c === '-') && isDigit(s.charCodeAt(pos + 1))) {
          const hh = digits(s, pos + 1, 2);
          if (hh < 0) break;
          let p = pos + 3;
          if (s[p] === ':') p++;
          const mm = digits(s, p, 2);
          const off = hh * 60 + (mm >= 0 ? mm : 0);
          f.offsetMinutes = c === '-' ? -off : off;
          pos = mm >= 0 ? p + 2 : pos + 3;
        }
        break;
      }
    }
  }
  if (!sawMonth && f.year === null) {
    // Time of day only: keep month/day unknown (the caller supplies a default date).
    f.month = 0;
    f.day = 0;
  }
  // A timestamp must end at a boundary, not run into a word (e.g. `10.30` inside `10.30.1.2`).
  const next = s.charCodeAt(pos);
  if (pos < s.length && (isDigit(next) || isAlpha(next))) return null;
  return { end: pos, text: s.slice(start, pos), fields: f };
}

/**
 * Finds a timestamp at `start`, optionally inside `[...]` or `(...)`. Returns null when none of the shapes fits.
 */
export function matchTimestamp(line: string, start: number): TimestampMatch | null {
  const open = line[start];
  const bracketed = open === '[' || open === '(';
  const from = bracketed ? start + 1 : start;
  for (const items of PATTERNS) {
    const m = matchPattern(line, from, items);
    if (m === null) continue;
    if (bracketed) {
      const close = open === '[' ? ']' : ')';
      if (line[m.end] !== close) continue;
      return { end: m.end + 1, text: m.text, fields: m.fields };
    }
    return m;
  }
  return null;
}

export interface EpochDefaults {
  /** Offset in minutes east of UTC applied when the timestamp carries no zone. */
  defaultOffsetMinutes: number;
  /** Year used when the timestamp has none (syslog). */
  defaultYear: number;
  /** Date used for time-of-day-only timestamps, as epoch ms of that day's midnight UTC; null leaves epochMs null. */
  defaultDateMs: number | null;
}

export function toEpochMs(f: TimestampFields, d: EpochDefaults): number | null {
  let base: number;
  if (f.month === 0) {
    if (d.defaultDateMs === null) return null;
    base = d.defaultDateMs;
  } else {
    base = Date.UTC(f.year ?? d.defaultYear, f.month - 1, f.day);
  }
  const local = base + ((f.hour * 60 + f.minute) * 60 + f.second) * 1000 + f.millis;
  const offset = f.offsetMinutes ?? d.defaultOffsetMinutes;
  return local - offset * 60_000;
}

/**
 * Shapes read only as a whole field (a declared or inferred time field), never at the head of a free line:
 * a bare date there is as likely to be message text.
 */
const FIELD_ONLY_SHAPES: readonly string[] = [
  '<yyyy>-<MM>-<dd>',
  '<yyyy>.<MM>.<dd>',
  '<yyyy>/<MM>/<dd>',
  '<yyyy><MM><dd>',
  '<dd>/<MMM>/<yyyy>',
  '<MMM> <d> <yyyy>',
];
const FIELD_ONLY_PATTERNS: readonly PatternItem[][] = FIELD_ONLY_SHAPES.map(compile);

export interface TimeFieldMatch {
  fields: TimestampFields;
  /** Whether the text had a date, a time of day and a fraction: choose the most precise of several fields. */
  hasDate: boolean;
  hasTime: boolean;
  hasFraction: boolean;
  /** Epoch ms when the text was an epoch number (no zone or year to apply). */
  epochMs: number | null;
}

/** Ranks time fields: a full date and time beats a date, a year beats none, a fraction breaks ties. */
export function precisionOf(m: TimeFieldMatch): number {
  return (
    (m.hasTime ? 8 : 0) + (m.hasDate ? 4 : 0) + (m.fields.year !== null ? 2 : 0) + (m.hasFraction ? 1 : 0)
  );
}

function describe(
  fields: TimestampFields,
  items: readonly PatternItem[],
  epochMs: number | null,
): TimeFieldMatch {
  let hasTime = false;
  let hasFraction = false;
  for (const it of items) {
    if ('field' in it && it.field === 'HH') hasTime = true;
    if ('field' in it && it.field === 'SSS') hasFraction = true;
  }
  return { fields, hasDate: fields.month !== 0, hasTime, hasFraction, epochMs };
}

const EPOCH = /^(\d{10}|\d{13})(?:\.(\d{1,9}))?$/;

function fromEpochMs(ms: number, hasFraction: boolean): TimeFieldMatch {
  const d = new Date(ms);
  const fields: TimestampFields = {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    millis: d.getUTCMilliseconds(),
    offsetMinutes: 0,
  };
  return { fields, hasDate: true, hasTime: true, hasFraction, epochMs: ms };
}

/** Epoch seconds (10 digits) or milliseconds (13 digits), optionally with a fraction. */
function epochField(text: string): TimeFieldMatch | null {
  const m = EPOCH.exec(text);
  if (m === null) return null;
  const whole = Number(m[1]);
  const fraction = m[2] === undefined ? 0 : Number(`0.${m[2]}`);
  const seconds = m[1]!.length === 10;
  const ms = seconds ? Math.round((whole + fraction) * 1000) : whole + Math.round(fraction);
  return fromEpochMs(ms, !seconds || m[2] !== undefined);
}

/**
 * Reads a whole field as a time: one of the line-head shapes, a field-only date shape, or an epoch number; the
 * whole text must be consumed. With `layout` (compiled by `compileLayout`) only that layout is tried.
 */
export function readTimeField(text: string, layout?: CompiledLayout): TimeFieldMatch | null {
  const t = text.length > 2 && text[0] === '[' && text.endsWith(']') ? text.slice(1, -1) : text;
  if (layout !== undefined) {
    if (layout.epoch !== null) {
      if (!/^\d{1,16}(\.\d{1,9})?$/.test(t)) return null;
      return fromEpochMs(Math.round(Number(t) * layout.epoch), layout.epoch === 1 || t.includes('.'));
    }
    const m = matchPattern(t, 0, layout.items);
    return m !== null && m.end === t.length ? describe(m.fields, layout.items, null) : null;
  }
  const epoch = epochField(t);
  if (epoch !== null) return epoch;
  for (const items of PATTERNS) {
    const m = matchPattern(t, 0, items);
    if (m !== null && m.end === t.length) return describe(m.fields, items, null);
  }
  for (const items of FIELD_ONLY_PATTERNS) {
    const m = matchPattern(t, 0, items);
    if (m !== null && m.end === t.length) return describe(m.fields, items, null);
  }
  return null;
}

export interface CompiledLayout {
  items: PatternItem[];
  /** For `epoch` / `epoch_millis` layouts: the factor from the number to ms; null otherwise. */
  epoch: number | null;
}

/** Letters of a Java/Joda-style layout, longest first, and the scanner field each stands for. */
const LAYOUT_LETTERS: ReadonlyArray<[string, Field]> = [
  ['yyyy', 'yyyy'],
  ['yy', 'yy'],
  ['MMMM', 'MMM'],
  ['MMM', 'MMM'],
  ['MM', 'MM'],
  ['M', 'M'],
  ['dd', 'dd'],
  ['d', 'd'],
  ['EEEE', 'EEE'],
  ['EEE', 'EEE'],
  ['HH', 'HH'],
  ['H', 'HH'],
  ['mm', 'mm'],
  ['ss', 'ss'],
  ['XXX', 'Z'],
  ['XX', 'Z'],
  ['X', 'Z'],
  ['ZZ', 'Z'],
  ['Z', 'Z'],
];

/**
 * Compiles a declared time layout: Java/Joda letters (`yyyy-MM-dd HH:mm:ss.SSS`, `MMM d HH:mm:ss`,
 * `dd/MMM/yyyy:HH:mm:ss Z`; any run of `S` is the fraction; text in single quotes is literal), or `epoch`
 * (seconds) / `epoch_millis`. Throws on letters it does not know, so a typo is reported when the format is
 * declared rather than as unreadable times later.
 */
export function compileLayout(layout: string): CompiledLayout {
  if (layout === 'epoch' || layout === 'epoch_seconds') return { items: [], epoch: 1000 };
  if (layout === 'epoch_millis' || layout === 'epoch_ms') return { items: [], epoch: 1 };
  const items: PatternItem[] = [];
  let i = 0;
  while (i < layout.length) {
    const c = layout[i]!;
    if (c === "'") {
      const close = layout.indexOf("'", i + 1);
      if (close < 0) throw new Error(`time layout ${JSON.stringify(layout)}: unclosed quote`);
      for (const ch of layout.slice(i + 1, close)) items.push({ lit: ch });
      i = close + 1;
      continue;
    }
    if (c === 'S') {
      while (layout[i] === 'S') i++;
      items.push({ field: 'SSS' });
      continue;
    }
    if (/[A-Za-z]/.test(c)) {
      const hit = LAYOUT_LETTERS.find(([letters]) => layout.startsWith(letters, i));
      if (hit === undefined) throw new Error(`time layout ${JSON.stringify(layout)}: unknown letter ${c}`);
      items.push({ field: hit[1] });
      i += hit[0].length;
      continue;
    }
    items.push({ lit: c });
    i++;
  }
  return { items, epoch: null };
}
