import { open, type FileHandle } from 'node:fs/promises';
import type { SlotGroup } from './haproxy/config.js';

/**
 * The requests HAProxy served, read back from its access log (the JSON lines of REQUEST_LOG_FORMAT in
 * haproxy/config.ts) so a canary can be judged against the stable version over the same minutes, with the
 * 502/503 a crashing canary causes at the load balancer included.
 *
 * The path in a line is the client's text: every line goes through JSON.parse in a try, every field is checked
 * for type and range, and a line that fails is counted, never trusted.
 */
export interface RequestRecord {
  /** Epoch ms at which the request's first byte reached HAProxy. */
  at: number;
  /** Server slot that answered (`a1`, `b2` ...); null when HAProxy answered itself (`<NOSRV>`: no server up, bad request). */
  slot: string | null;
  group: SlotGroup | null;
  /** HTTP status sent to the client; null when none was (the client went away first, see `termination`). */
  status: number | null;
  /** First byte of the request in to last byte of the response out (HAProxy's Ta). */
  totalMs: number;
  /** Server's time to the end of its response headers (Tr); null when no full response header came. */
  responseMs: number | null;
  method: string;
  /** Without the query string. `<BADREQ>` for a request HAProxy could not parse. */
  path: string;
  /** HAProxy's two-character termination state: `--` normal, `SH` server aborted, `CD` client aborted, ... */
  termination: string;
  /** Connection attempts that failed before one succeeded (or HAProxy gave up). */
  retries: number;
  /**
   * Sent to another server than the one first chosen after a failed connection: `slot` is where it ended, the
   * server that failed is not named. A canary whose process is gone shows up here, under a stable slot.
   */
  redispatched: boolean;
}

/** Every request line starts with this; anything else in haproxy.log is one of HAProxy's own messages. */
export const REQUEST_LINE_MARKER = '{"hx":1,';

/** Longer lines are not HAProxy's (its `log ... len` is 8192): not even parsed. */
const MAX_LINE = 16 * 1024;
const SLOT = /^([abc])\d{1,2}$/;
const TERMINATION = /^[A-Za-z-]{2}$/;
const RETRIES = /^(\+?)(\d{1,4})$/;
/**
 * The skeleton of REQUEST_LOG_FORMAT: these keys, in this order, once each, the strings whole. JSON.parse alone
 * would let a later duplicate key win; here a path that closed its string early could not match.
 */
const SHAPE =
  /^\{"hx":1,"t":-?\d+,"th":-?\d+,"ti":-?\d+,"ta":-?\d+,"tr":-?\d+,"ts":"[^"\\]*","rc":"[^"\\]*","srv":"[^"\\]*","st":-?\d+,"m":"(?:[^"\\]|\\[^])*","p":"(?:[^"\\]|\\[^])*"\}$/;
const CONTROL = /[\u0000-\u001f\u007f]/;

/** One access-log line as a record; null for anything else, HAProxy's own messages and malformed lines alike. */
export function parseRequestLine(line: string): RequestRecord | null {
  if (!line.startsWith(REQUEST_LINE_MARKER) || line.length > MAX_LINE) return null;
  // HAProxy's `E` flag escapes `]` as `\]`, which JSON does not know. Pairs are consumed left to right, so the
  // `]` after an escaped backslash (`\\]`) stays as it is.
  const json = line.replace(/\\([^])/g, (pair, c: string) => (c === ']' ? ']' : pair));
  if (!SHAPE.test(json)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const o = raw as Record<string, unknown>;
  const { t, th, ti, ta, tr, ts, rc, srv, st, m, p } = o;
  if (o.hx !== 1) return null;
  if (!int(t) || t <= 0 || t > 1e14) return null;
  if (!int(th) || th < -1 || !int(ti) || ti < -1 || !int(ta) || ta < 0 || !int(tr) || tr < -1) return null;
  if (typeof ts !== 'string' || !TERMINATION.test(ts)) return null;
  const retries = typeof rc === 'string' ? RETRIES.exec(rc) : null;
  if (!retries) return null;
  if (typeof srv !== 'string') return null;
  let group: SlotGroup | null = null;
  if (srv !== '<NOSRV>') {
    const match = SLOT.exec(srv);
    if (!match) return null;
    group = match[1] as SlotGroup;
  }
  if (!int(st) || (st !== -1 && (st < 100 || st > 599))) return null;
  // HAProxy refuses control characters in a request line; one here (say `\u001b` as a JSON escape) is not its.
  if (typeof m !== 'string' || m.length === 0 || m.length > 64 || CONTROL.test(m)) return null;
  if (typeof p !== 'string' || p.length === 0 || CONTROL.test(p)) return null;
  const query = p.indexOf('?');
  return {
    at: t + Math.max(th, 0) + Math.max(ti, 0),
    slot: group ? srv : null,
    group,
    status: st === -1 ? null : st,
    totalMs: ta,
    responseMs: tr === -1 ? null : tr,
    method: m,
    path: query === -1 ? p : p.slice(0, query),
    termination: ts,
    retries: Number(retries[2]),
    redispatched: retries[1] === '+',
  };
}

function int(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}

export interface RequestLog {
  /** Requests that began in [sinceMs, untilMs), oldest first. */
  requests: RequestRecord[];
  /** Lines read that were not requests: HAProxy's own messages and `malformed` lines. */
  skipped: number;
  /** Of `skipped`, lines with the request marker that did not parse: requests lost to the reader. */
  malformed: number;
  /** The byte cap was reached before the reader got back to `sinceMs`: the oldest requests are missing. */
  truncated: boolean;
}

export interface ReadRequestsOptions {
  /** Exclusive end of the window (epoch ms); no end when absent. */
  untilMs?: number;
  /** Most bytes read from the end of the file (default 64 MiB). */
  maxBytes?: number;
  /** Read size (default 256 KiB); small values exercise chunk boundaries in tests. */
  chunkBytes?: number;
  /**
   * How far before `sinceMs` a request may end and still be followed, further up the file, by one that began
   * in the window (default 5 s). Lines are written when a request ends, so the file is in order of end time,
   * give or take HAProxy's threads writing a few ms apart.
   */
  slackMs?: number;
}

/**
 * The requests that began in [sinceMs, untilMs), read from the end of the access log backwards: the file grows
 * without bound under traffic and is never read whole. The reader stops at the first request that ended more
 * than `slackMs` before `sinceMs` (everything above it ended earlier still), or at `maxBytes`.
 * A missing file is an empty log. A last line without its newline is being written and is left for next time.
 */
export async function readRequestsSince(
  file: string,
  sinceMs: number,
  opts: ReadRequestsOptions = {},
): Promise<RequestLog> {
  const untilMs = opts.untilMs ?? Infinity;
  const maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
  const chunkBytes = opts.chunkBytes ?? 256 * 1024;
  const stopBefore = sinceMs - (opts.slackMs ?? 5000);
  const result: RequestLog = { requests: [], skipped: 0, malformed: 0, truncated: false };

  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return result;
    throw error;
  }
  try {
    let position = (await handle.stat()).size;
    let read = 0;
    // The start of a line whose beginning lies in the chunk before (it ends with its newline).
    let pending = Buffer.alloc(0);
    // The file's last line has no newline while HAProxy writes it: dropped until the first newline is seen.
    let atEnd = true;
    while (position > 0) {
      if (read >= maxBytes) {
        result.truncated = true;
        break;
      }
      const size = Math.min(chunkBytes, position, maxBytes - read);
      position -= size;
      read += size;
      const chunk = Buffer.alloc(size);
      await readFully(handle, chunk, position);
      let data = pending.length > 0 ? Buffer.concat([chunk, pending]) : chunk;
      if (atEnd) {
        const last = data.lastIndexOf(0x0a);
        if (last === -1) continue;
        data = data.subarray(0, last + 1);
        atEnd = false;
      }
      // Whole lines are those after the first newline, or all of them at the file's start.
      const start = position > 0 ? data.indexOf(0x0a) + 1 : 0;
      if (start === 0 && position > 0) {
        pending = data;
        continue;
      }
      pending = data.subarray(0, start);
      if (readLinesBackwards(data, start, result, sinceMs, untilMs, stopBefore) === 'passed') break;
    }
  } finally {
    await handle.close();
  }
  // Read newest first; the file's order is by end time: sort by start, ties in file order (sort is stable).
  result.requests.reverse();
  result.requests.sort((x, y) => x.at - y.at);
  return result;
}

/** The lines of data[start..] (each ends with a newline), last first; 'passed' once a request ended before stopBefore. */
function readLinesBackwards(
  data: Buffer,
  start: number,
  result: RequestLog,
  sinceMs: number,
  untilMs: number,
  stopBefore: number,
): 'passed' | 'more' {
  let end = data.length;
  while (end > start) {
    // Buffer.lastIndexOf counts a negative offset from the end: never pass one.
    const nl = end >= 2 ? data.lastIndexOf(0x0a, end - 2) : -1;
    const line = data.subarray(nl + 1, end - 1).toString('utf8');
    end = nl + 1;
    if (line.length === 0) continue;
    const record = parseRequestLine(line);
    if (record === null) {
      result.skipped++;
      if (line.startsWith(REQUEST_LINE_MARKER)) result.malformed++;
      continue;
    }
    if (record.at + record.totalMs < stopBefore) return 'passed';
    if (record.at >= sinceMs && record.at < untilMs) result.requests.push(record);
  }
  return 'more';
}

async function readFully(handle: FileHandle, buffer: Buffer, position: number): Promise<void> {
  let offset = 0;
  while (offset < buffer.length) {
    const { bytesRead } = await handle.read(buffer, offset, buffer.length - offset, position + offset);
    if (bytesRead === 0) throw new Error('haproxy.log shrank while it was read');
    offset += bytesRead;
  }
}
