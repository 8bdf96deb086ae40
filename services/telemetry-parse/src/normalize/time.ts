import { readTimeField } from '../header/timestamp.js';

/**
 * Timestamps to UTC epoch milliseconds. Sources that write a zone (Z, +02:00, GMT) are read as written; sources
 * that do not are read in the zone configured for them: a fixed offset (`+05:30`) or an IANA zone
 * (`Europe/Paris`, DST-aware through the platform Intl API), never the zone of the machine running the parser.
 */

const MONTHS: Record<string, number> = {
  jan: 0,
  feb: 1,
  mar: 2,
  apr: 3,
  may: 4,
  jun: 5,
  jul: 6,
  aug: 7,
  sep: 8,
  oct: 9,
  nov: 10,
  dec: 11,
};

/**
 * Epoch numbers of unknown unit: seconds, milliseconds, microseconds or nanoseconds, told apart by magnitude
 * (valid for dates between 1973 and 5138, which is every log we will see).
 */
export function epochMsFromNumber(value: number): number | null {
  if (!Number.isFinite(value) || value < 0) return null;
  if (value < 1e11) return Math.round(value * 1000);
  if (value < 1e14) return Math.round(value);
  if (value < 1e17) return Math.floor(value / 1e3);
  return Math.floor(value / 1e6);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

const FIXED_OFFSET = /^([+-])(\d{2}):?(\d{2})?$/;

/** Offset of a fixed-offset zone text (`Z`, `UTC`, `GMT`, `+02:00`, `-0530`, `+01`) in ms, or null. */
export function parseFixedOffset(zone: string): number | null {
  const z = zone.trim();
  if (/^(Z|UTC|GMT|UT)$/i.test(z)) return 0;
  const m = FIXED_OFFSET.exec(z);
  if (!m) return null;
  const minutes = Number(m[2]) * 60 + Number(m[3] ?? '0');
  return (m[1] === '-' ? -1 : 1) * minutes * 60_000;
}

/** True when the zone is a fixed offset or an IANA zone name the platform knows. */
export function isValidZone(zone: string): boolean {
  if (parseFixedOffset(zone) !== null) return true;
  try {
    formatterFor(zone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC (ms) at the given instant. */
export function zoneOffsetMs(zone: string, utcMs: number): number {
  const fixed = parseFixedOffset(zone);
  if (fixed !== null) return fixed;
  const second = Math.floor(utcMs / 1000) * 1000;
  const parts: Record<string, number> = {};
  for (const p of formatterFor(zone).formatToParts(new Date(second))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const asUtc = Date.UTC(
    parts.year ?? 1970,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  return asUtc - second;
}

/**
 * Converts a wall-clock time in `zone` (given as if it were UTC) to the UTC instant. In a DST gap the
 * result moves forward by the gap; in an overlap the earlier (pre-transition) instant is chosen.
 */
export function wallClockToUtc(wallMs: number, zone: string): number {
  const fixed = parseFixedOffset(zone);
  if (fixed !== null) return wallMs - fixed;
  // Offsets in force a day either side cover any single transition; a reading is valid when the zone's
  // offset at the resulting instant is the one used to get there.
  const offsets = [
    ...new Set([zoneOffsetMs(zone, wallMs - 86_400_000), zoneOffsetMs(zone, wallMs + 86_400_000)]),
  ];
  const valid = offsets.map((o) => wallMs - o).filter((t) => wallMs - zoneOffsetMs(zone, t) === t);
  if (valid.length > 0) return Math.min(...valid);
  // In a gap (clocks jumped forward) no reading is valid: use the offset from before the jump.
  return wallMs - (offsets[0] ?? 0);
}

export interface TimeOptions {
  /** Zone for timestamps written without one: `UTC`, `+02:00`, `Europe/Paris`. Default UTC. */
  defaultZone?: string;
  /** Instant near the event (e.g. the Kafka record time), used to supply the year that syslog omits. */
  referenceMs?: number | null;
}

interface Parts {
  /** Null when the text has no year (syslog): taken from the reference time. */
  year: number | null;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  fraction: string;
  zone: string | null;
}

const ISO =
  /^(\d{4})[-/](\d{2})[-/](\d{2})(?:[T ]|\s+)(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?|UTC|GMT)?$/i;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const CLF =
  /^(\d{2})\/([A-Za-z]{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(?:\s*([+-]\d{4}|Z))?$/;
const CTIME =
  /^(?:[A-Za-z]{3},?\s+)?([A-Za-z]{3})\s+(\d{1,2})\s+(?:(\d{4})\s+)?(\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(?:\s+(\d{4}))?(?:\s+(Z|UTC|GMT|[+-]\d{2}:?\d{2}))?$/;
const RFC2822 =
  /^(?:[A-Za-z]{3},\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{4})\s+(\d{2}):(\d{2})(?::(\d{2}))?\s*(Z|UT|UTC|GMT|[+-]\d{4})?$/;
const COMPACT = /^(\d{2}|\d{4})(\d{2})(\d{2})[ T-]?(\d{2}):?(\d{2}):?(\d{2})(?:[.,](\d{1,9}))?$/;

function monthIndex(name: string | undefined): number | null {
  return MONTHS[(name ?? '').toLowerCase()] ?? null;
}

function parseParts(text: string): Parts | null {
  let m = ISO.exec(text);
  if (m) {
    return {
      year: Number(m[1]),
      month: Number(m[2]) - 1,
      day: Number(m[3]),
      hour: Number(m[4]),
      minute: Number(m[5]),
      second: Number(m[6] ?? '0'),
      fraction: m[7] ?? '',
      zone: m[8] ?? null,
    };
  }
  m = ISO_DATE.exec(text);
  if (m)
    return {
      year: Number(m[1]),
      month: Number(m[2]) - 1,
      day: Number(m[3]),
      hour: 0,
      minute: 0,
      second: 0,
      fraction: '',
      zone: null,
    };
  m = CLF.exec(text);
  if (m) {
    const month = monthIndex(m[2]);
    if (month === null) return null;
    return {
      year: Number(m[3]),
      month,
      day: Number(m[1]),
      hour: Number(m[4]),
      minute: Number(m[5]),
      second: Number(m[6]),
      fraction: m[7] ?? '',
      zone: m[8] ?? null,
    };
  }
  m = RFC2822.exec(text);
  if (m) {
    const month = monthIndex(m[2]);
    if (month === null) return null;
    return {
      year: Number(m[3]),
      month,
      day: Number(m[1]),
      hour: Number(m[4]),
      minute: Number(m[5]),
      second: Number(m[6] ?? '0'),
      fraction: '',
      zone: m[7] ?? null,
    };
  }
  m = CTIME.exec(text);
  if (m) {
    const month = monthIndex(m[1]);
    if (month === null) return null;
    const year = m[3] ?? m[8];
    return {
      year: year ? Number(year) : null,
      month,
      day: Number(m[2]),
      hour: Number(m[4]),
      minute: Number(m[5]),
      second: Number(m[6]),
      fraction: m[7] ?? '',
      zone: m[9] ?? null,
    };
  }
  m = COMPACT.exec(text);
  if (m) {
    const y = m[1] ?? '';
    // Two-digit years (HDFS writes yyMMdd) are read in 1970..2069.
    const year = y.length === 2 ? (Number(y) < 70 ? 2000 + Number(y) : 1900 + Number(y)) : Number(y);
    return {
      year,
      month: Number(m[2]) - 1,
      day: Number(m[3]),
      hour: Number(m[4]),
      minute: Number(m[5]),
      second: Number(m[6]),
      fraction: m[7] ?? '',
      zone: null,
    };
  }
  return null;
}

/**
 * The layouts of the header's table (header/timestamp.ts) that the expressions above do not cover: ISO 8601
 * written with other separators (`2005-06-03-15.42.50.675872`), `yyyyMMdd-HH:mm:ss:SSS`, `MM.dd HH:mm:ss`...
 */
function fromTimeField(text: string): Parts | 'epoch' | null {
  const m = readTimeField(text);
  if (m === null || !m.hasDate) return null;
  if (m.epochMs !== null) return 'epoch';
  const f = m.fields;
  const off = f.offsetMinutes;
  const zone =
    off === null
      ? null
      : `${off < 0 ? '-' : '+'}${String(Math.floor(Math.abs(off) / 60)).padStart(2, '0')}:${String(Math.abs(off) % 60).padStart(2, '0')}`;
  return {
    year: f.year,
    month: f.month - 1,
    day: f.day,
    hour: f.hour,
    minute: f.minute,
    second: f.second,
    fraction: String(f.millis).padStart(3, '0'),
    zone,
  };
}

function zoneOffsetFromText(zone: string): number | null {
  const z = zone.trim();
  if (/^[+-]\d{4}$/.test(z)) return parseFixedOffset(`${z.slice(0, 3)}:${z.slice(3)}`);
  return parseFixedOffset(z);
}

function validParts(p: Parts): boolean {
  return (
    p.month >= 0 &&
    p.month <= 11 &&
    p.day >= 1 &&
    p.day <= 31 &&
    p.hour <= 23 &&
    p.minute <= 59 &&
    p.second <= 60
  );
}

/**
 * Parses a timestamp text to UTC epoch ms: ISO 8601 / RFC 3339 (with `T` or space, `.`/`,` fractions),
 * `yyyy/MM/dd HH:mm:ss`, Apache CLF (`10/Oct/2000:13:55:36 -0700`), RFC 2822, ctime (`Sun Dec 04 04:47:44 2005`),
 * syslog without a year (`Jan 15 10:23:45`, year from `referenceMs`), compact `yyMMdd HHmmss` (HDFS), epoch
 * numbers, and the other layouts of the header's table (ISO 8601 with other separators such as
 * `2005-06-03-15.42.50.675872`, `20171223-22:15:29:606`). Returns null when the text is none of these.
 */
export function parseTimestamp(text: string, options: TimeOptions = {}): number | null {
  const t = text.trim().replace(/^\[|\]$/g, '');
  if (/^\d+(\.\d+)?$/.test(t) && t.length >= 9) return epochMsFromNumber(Number(t));
  const parts = parseParts(t) ?? fromTimeField(t);
  if (parts === 'epoch') return readTimeField(t)?.epochMs ?? null;
  if (!parts || !validParts(parts)) return null;
  const zone = options.defaultZone ?? 'UTC';
  const millis = Math.floor(Number((parts.fraction + '000').slice(0, 3)));
  const wall = (year: number): number =>
    Date.UTC(year, parts.month, parts.day, parts.hour, parts.minute, parts.second, millis);
  const toUtc = (wallMs: number): number | null => {
    if (parts.zone !== null) {
      const offset = zoneOffsetFromText(parts.zone);
      return offset === null ? null : wallMs - offset;
    }
    return wallClockToUtc(wallMs, zone);
  };
  if (parts.year !== null) return toUtc(wall(parts.year));
  if (options.referenceMs === null || options.referenceMs === undefined) return null;
  // Syslog omits the year: take the reference's year, or the previous one when that would put the event
  // more than a day after the reference (a December line read in January).
  const refYear = new Date(options.referenceMs).getUTCFullYear();
  const candidate = toUtc(wall(refYear));
  if (candidate !== null && candidate > options.referenceMs + 86_400_000) return toUtc(wall(refYear - 1));
  return candidate;
}
