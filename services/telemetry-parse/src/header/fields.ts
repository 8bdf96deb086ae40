import type { Level } from '@self-healing/schemas';
import { normalizeLevel } from '../normalize/level.js';
import {
  precisionOf,
  readTimeField,
  toEpochMs,
  type CompiledLayout,
  type TimeFieldMatch,
  type TimestampFields,
} from './timestamp.js';
import type { YearInference } from './year.js';

/**
 * Named header fields (from a declared format or an inferred one) to the fields of an event. Names are matched
 * case-insensitively and without `_`/`-`, so `<Date>`, `(?<log_level>…)` and `<PID>` all work; a name that is
 * none of these lands in `attributes`.
 */
export type FieldRole = 'time' | 'level' | 'priority' | 'component' | 'process' | 'host' | 'message';

const ROLES: Readonly<Record<string, FieldRole>> = {
  date: 'time',
  time: 'time',
  timestamp: 'time',
  datetime: 'time',
  ts: 'time',
  epoch: 'time',
  day: 'time',
  weekday: 'time',
  month: 'time',
  year: 'time',
  level: 'level',
  loglevel: 'level',
  severity: 'level',
  lvl: 'level',
  pri: 'priority',
  priority: 'priority',
  component: 'component',
  logger: 'component',
  program: 'component',
  app: 'component',
  appname: 'component',
  application: 'component',
  module: 'component',
  tag: 'component',
  class: 'component',
  category: 'component',
  ident: 'component',
  pid: 'process',
  process: 'process',
  procid: 'process',
  thread: 'process',
  tid: 'process',
  host: 'host',
  hostname: 'host',
  node: 'host',
  server: 'host',
  content: 'message',
  message: 'message',
  msg: 'message',
};

export function roleOf(name: string): FieldRole | null {
  return ROLES[name.toLowerCase().replace(/[_-]/g, '')] ?? null;
}

/** An event's header as a declared or inferred format reads it. Same shape as `TextHeader`, plus the rest. */
export interface HeaderRecord {
  /** The time as written, or (when its year was inferred or it was assembled from several fields) as ISO text. */
  timestamp: string | null;
  epochMs: number | null;
  level: Level | null;
  component: string | null;
  process: string | null;
  host: string | null;
  message: string;
  /** Named fields with no role (`<Id>`, `<Type>`), as written. */
  attributes: Record<string, string>;
}

export interface AssembleOptions {
  /** Declared layout of the joined time fields. */
  layout?: CompiledLayout;
  years?: YearInference;
  /** Minutes east of UTC assumed for times without a zone. */
  defaultOffsetMinutes?: number;
  defaultDateMs?: number | null;
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** ISO text of a time whose year we supplied, so later steps re-read it in the source's zone. */
function isoText(f: TimestampFields, year: number): string {
  const zone =
    f.offsetMinutes === null
      ? ''
      : f.offsetMinutes === 0
        ? 'Z'
        : `${f.offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(f.offsetMinutes) / 60))}:${pad(Math.abs(f.offsetMinutes) % 60)}`;
  return `${year}-${pad(f.month)}-${pad(f.day)}T${pad(f.hour)}:${pad(f.minute)}:${pad(f.second)}.${pad(f.millis, 3)}${zone}`;
}

/**
 * The event time from the time fields of one line: the joined fields when they read as one time (`Dec`,`10`,
 * `06:55:46`), else the most precise single field (BGL's `2005-06-03-15.42.50.675872` over its epoch seconds and
 * its date); a yearless time takes the year of another field of the line, else the source's (YearInference).
 */
export function assembleTime(
  values: readonly string[],
  options: AssembleOptions,
): { timestamp: string | null; epochMs: number | null } {
  if (values.length === 0) return { timestamp: null, epochMs: null };
  const joined = values.join(' ');
  let best: TimeFieldMatch | null = readTimeField(joined, options.layout);
  let text = joined;
  let yearFromLine: number | null = null;
  if (best === null && values.length > 1 && options.layout === undefined) {
    // Every run of adjacent fields (`<Month> <Day> <Time>` among other fields), the most precise wins.
    for (let a = 0; a < values.length; a++) {
      for (let b = a; b < values.length && b < a + 4; b++) {
        const t = b === a ? values[a]! : values.slice(a, b + 1).join(' ');
        const m = readTimeField(t);
        if (m === null) continue;
        if (m.fields.year !== null) yearFromLine = m.fields.year;
        if (best === null || precisionOf(m) > precisionOf(best)) {
          best = m;
          text = t;
        }
      }
    }
  }
  if (best === null) return { timestamp: joined, epochMs: null };
  if (best.epochMs !== null) return { timestamp: text, epochMs: best.epochMs };
  const f = best.fields;
  if (f.year !== null) {
    options.years?.observe(f);
  } else if (f.month !== 0) {
    const year = yearFromLine ?? options.years?.yearOf(f) ?? null;
    if (year === null) return { timestamp: text, epochMs: null };
    const withYear = { ...f, year };
    return {
      timestamp: isoText(withYear, year),
      epochMs: toEpochMs(withYear, {
        defaultOffsetMinutes: options.defaultOffsetMinutes ?? 0,
        defaultYear: year,
        defaultDateMs: null,
      }),
    };
  }
  return {
    timestamp: text,
    epochMs: toEpochMs(f, {
      defaultOffsetMinutes: options.defaultOffsetMinutes ?? 0,
      defaultYear: f.year ?? 1970,
      defaultDateMs: options.defaultDateMs ?? null,
    }),
  };
}

/** `name[pid]` / `name(facility)[pid]` / `name:` as written in a component field, split. */
function splitProgram(value: string): { component: string; pid: string | null } {
  let v = value.endsWith(':') ? value.slice(0, -1) : value;
  const lb = v.lastIndexOf('[');
  if (lb > 0 && v.endsWith(']')) {
    const pid = v.slice(lb + 1, -1);
    if (/^\d+$/.test(pid)) return { component: v.slice(0, lb), pid };
  }
  v = v.trim();
  return { component: v, pid: null };
}

/** Builds the event header from named fields (in the order the format declares them) and the message. */
export function recordFromFields(
  names: readonly string[],
  values: readonly string[],
  message: string,
  options: AssembleOptions,
): HeaderRecord {
  const out: HeaderRecord = {
    timestamp: null,
    epochMs: null,
    level: null,
    component: null,
    process: null,
    host: null,
    message,
    attributes: {},
  };
  const times: string[] = [];
  for (let k = 0; k < names.length; k++) {
    const value = values[k];
    if (value === undefined || value === '') continue;
    const name = names[k]!;
    const role = roleOf(name);
    // `-` is the nil value of RFC 5424 and of access logs: no host, no pid.
    if (value === '-' && role !== null) continue;
    switch (role) {
      case 'time':
        times.push(value.trim());
        break;
      case 'level':
        out.level ??= normalizeLevel(value);
        if (out.level === null) out.attributes[name] = value;
        break;
      case 'priority': {
        // Syslog PRI = facility * 8 + severity.
        const pri = Number(value);
        if (Number.isInteger(pri) && pri >= 0 && pri < 192) out.level ??= normalizeLevel(pri % 8, 'syslog');
        break;
      }
      case 'component': {
        const p = splitProgram(value);
        out.component ??= p.component;
        if (p.pid !== null) out.process ??= p.pid;
        break;
      }
      case 'process':
        out.process ??= value;
        break;
      case 'host':
        out.host ??= value;
        break;
      case 'message':
        break;
      case null:
        out.attributes[name] = value;
        break;
    }
  }
  const t = assembleTime(times, options);
  out.timestamp = t.timestamp;
  out.epochMs = t.epochMs;
  return out;
}
