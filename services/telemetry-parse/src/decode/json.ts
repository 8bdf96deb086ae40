import type { DecodeRejection, LogRecord } from './types.js';
import { emptyRecord } from './text.js';
import { parseStack } from './stack.js';
import { epochMsFromNumber } from '../normalize/time.js';
import { DEFAULT_DECODE_LIMITS, lineTooLong, tooDeep, withinDepth, DecodeLimitError } from './limits.js';

type Scalar = string | number | boolean;

/**
 * Field names per role, first match wins. One table covers pino, bunyan, winston, Elastic Common Schema
 * (dotted or nested) and the common ad-hoc shapes, because flattening makes `{"log":{"level":..}}` and
 * `{"log.level":..}` the same key.
 */
const FIELDS = {
  timestamp: ['@timestamp', 'timestamp', 'time', 'ts', 'datetime', 'date', 'eventTime', 'logged_at'],
  level: ['log.level', 'level', 'severity', 'levelname', 'level_name', 'loglevel', 'lvl', 'severity_text'],
  message: ['message', 'msg', 'log', 'text', 'event'],
  service: [
    'service.name',
    'service',
    'serviceName',
    'service_name',
    'dd.service',
    'app',
    'application',
    'name',
  ],
  host: ['host.name', 'host.hostname', 'hostname', 'host'],
  component: [
    'log.logger',
    'logger',
    'logger_name',
    'loggerName',
    'component',
    'module',
    'category',
    'context',
  ],
  process: ['process.pid', 'pid', 'process.name'],
  traceId: ['trace.id', 'traceId', 'trace_id', 'traceid', 'dd.trace_id', 'otel.trace_id'],
  spanId: ['span.id', 'spanId', 'span_id', 'spanid', 'dd.span_id', 'otel.span_id'],
  sessionId: [
    'session.id',
    'sessionId',
    'session_id',
    'request.id',
    'requestId',
    'request_id',
    'reqId',
    'req_id',
    'req.id',
    'http.request.id',
    'correlationId',
    'correlation_id',
    'transaction.id',
  ],
  stack: [
    'error.stack_trace',
    'err.stack',
    'error.stack',
    'exception.stacktrace',
    'stack',
    'stack_trace',
    'exc_info',
  ],
  exceptionMessage: ['error.message', 'err.message', 'exception.message'],
  exceptionType: ['error.type', 'err.type', 'exception.type', 'err.name', 'error.name'],
} as const;

/** Keys that describe the log format itself, not the event. */
const FORMAT_KEYS = new Set(['v', 'ecs.version', 'log.original']);

type Role = keyof typeof FIELDS;

const ROLES = Object.keys(FIELDS) as Role[];

/** Each known field name's role (as an index into ROLES) and its rank among that role's names (lower wins). */
const ROLE_OF = new Map<string, { role: number; rank: number }>(
  ROLES.flatMap((role, index) => FIELDS[role].map((name, rank) => [name, { role: index, rank }] as const)),
);

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Flattens nested objects into dotted keys; arrays of scalars become JSON text (they are rare in logs). Nesting
 * beyond `maxDepth` throws a DecodeLimitError: the recursion is bounded by it, never by the call stack.
 */
export function flatten(
  value: unknown,
  prefix = '',
  out: Record<string, unknown> = {},
  maxDepth = DEFAULT_DECODE_LIMITS.maxDepth,
  depth = 1,
): Record<string, unknown> {
  if (isPlainObject(value)) {
    if (depth > maxDepth) throw tooDeep(maxDepth);
    for (const k in value) {
      if (!Object.prototype.hasOwnProperty.call(value, k)) continue;
      flatten(value[k], prefix ? `${prefix}.${k}` : k, out, maxDepth, depth + 1);
    }
  } else if (prefix) {
    if (Array.isArray(value) && !withinDepth(value, maxDepth - depth + 1)) throw tooDeep(maxDepth);
    out[prefix] = value;
  }
  return out;
}

/** Most log lines are flat already (pino, bunyan): then the parsed object is its own flattening, no copy. */
function flattenedView(obj: Record<string, unknown>, maxDepth: number): Record<string, unknown> {
  for (const k in obj) {
    const v = obj[k];
    if (isPlainObject(v)) return flatten(obj, '', {}, maxDepth);
    // Arrays become JSON text below, which must not meet one nested beyond the call stack.
    if (Array.isArray(v) && !withinDepth(v, maxDepth - 1)) throw tooDeep(maxDepth);
  }
  return obj;
}

function scalar(value: unknown): Scalar | null {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  // Depth was checked when the object was flattened.
  if (Array.isArray(value)) return JSON.stringify(value);
  return null;
}

function asText(v: Scalar | null | undefined): string | null {
  return v === null || v === undefined ? null : String(v);
}

/**
 * A trace id as logged, or null for one made only of zeros: W3C Trace Context and OpenTelemetry call it invalid (no
 * trace), yet a service that copies a client's header into its logs writes it; read as an id, every such request
 * would be one session (seen: a "repeated step" incident for session 000…0 from clients sending an all-zero header).
 */
export function traceIdOf(text: string | null): string | null {
  return text === null || /^[0-]*$/.test(text) ? null : text;
}

/**
 * For each role, the value of its highest-ranked field that holds a non-empty scalar, found in one pass over the
 * object's keys (rather than probing every known field name of every role), and the keys so used.
 */
function pickRoles(flat: Record<string, unknown>): {
  values: Partial<Record<Role, Scalar>>;
  used: Set<string>;
} {
  // Per role index: the best rank, key and value so far (arrays: no object per candidate on this hot path).
  const ranks: number[] = [];
  const keys: string[] = [];
  const found: Scalar[] = [];
  for (const key in flat) {
    if (!Object.hasOwn(flat, key)) continue;
    const known = ROLE_OF.get(key);
    if (!known) continue;
    const current = ranks[known.role];
    if (current !== undefined && current < known.rank) continue;
    const v = scalar(flat[key]);
    if (v === null || v === '') continue;
    ranks[known.role] = known.rank;
    keys[known.role] = key;
    found[known.role] = v;
  }
  const values: Partial<Record<Role, Scalar>> = {};
  const used = new Set<string>();
  for (let i = 0; i < ROLES.length; i++) {
    if (ranks[i] === undefined) continue;
    values[ROLES[i]!] = found[i]!;
    used.add(keys[i]!);
  }
  return { values, used };
}

/**
 * Maps one parsed JSON log object to a record; null when it has neither a message nor an error message. Throws a
 * DecodeLimitError for an object nested beyond `maxDepth` or a message longer than `maxLineChars`.
 */
export function jsonObjectToRecord(
  obj: Record<string, unknown>,
  maxAttributes: number,
  limits: Pick<typeof DEFAULT_DECODE_LIMITS, 'maxDepth' | 'maxLineChars'> = DEFAULT_DECODE_LIMITS,
): LogRecord | null {
  const flat = flattenedView(obj, limits.maxDepth);
  const { values, used } = pickRoles(flat);

  const exceptionMessage = asText(values.exceptionMessage);
  const exceptionType = asText(values.exceptionType);
  const messageValue = values.message ?? null;
  const message = messageValue !== null ? String(messageValue) : exceptionMessage;
  if (message === null) return null;
  if (message.length > limits.maxLineChars) throw lineTooLong(message.length, limits.maxLineChars);

  // Winston's errors() format and some loggers put "message\n    at frame..." into the message itself. A PEM block
  // (a private key logged by mistake) is no stack: kept whole in the message, where redaction sees all of it.
  const newline = message.includes('-----BEGIN') ? -1 : message.indexOf('\n');
  const firstLine = newline < 0 ? message : message.slice(0, newline).replace(/\r$/, '');
  const record = emptyRecord('json', firstLine.trim());
  const stackText = asText(values.stack);
  if (stackText !== null) record.stack = parseStack(stackText);
  else if (newline >= 0) record.stack = parseStack(message.slice(newline + 1).split(/\r?\n/));

  const ts = values.timestamp;
  if (typeof ts === 'number') record.timestamp = epochMsFromNumber(ts);
  else if (typeof ts === 'string') {
    if (/^\d+(\.\d+)?$/.test(ts.trim())) record.timestamp = epochMsFromNumber(Number(ts));
    else record.timestampText = ts;
  }
  record.level = asText(values.level);
  record.service = asText(values.service);
  record.host = asText(values.host);
  record.component = asText(values.component);
  record.process = asText(values.process);
  record.traceId = traceIdOf(asText(values.traceId));
  record.spanId = asText(values.spanId);
  record.sessionId = asText(values.sessionId);
  if (exceptionType !== null) record.attributes['exception.type'] = exceptionType;
  if (exceptionMessage !== null && messageValue !== null)
    record.attributes['exception.message'] = exceptionMessage;

  let kept = Object.keys(record.attributes).length;
  const keys = Object.keys(flat);
  // Name order decides which attributes a truncation keeps: sorting is needed only when one can happen.
  if (keys.length - used.size > maxAttributes - kept) keys.sort();
  for (const key of keys) {
    if (used.has(key) || FORMAT_KEYS.has(key)) continue;
    const v = scalar(flat[key]);
    if (v === null) continue;
    if (kept >= maxAttributes) {
      record.attributes['attributes.truncated'] = true;
      break;
    }
    record.attributes[key] = v;
    kept++;
  }
  return record;
}

/**
 * A JSON stream that may hold plain-text lines (json.ts's NDJSON loop): `decodeText` decodes a run of them;
 * `textFirst` when the record opened with text, so it may be a text log that only holds some JSON-looking lines:
 * then a line that does not make a log object is text too, where a JSON stream would refuse it.
 */
export interface MixedStream {
  decodeText: (text: string) => LogRecord[];
  textFirst: boolean;
}

/**
 * Decodes JSON logs: one object, an array of objects, or newline-delimited objects (NDJSON). Each line that
 * does not parse, or parses to something that is not a log object, becomes a rejection of its own (in a mixed
 * stream, see MixedStream).
 */
export function decodeJson(
  text: string,
  maxAttributes: number,
  limits: Pick<typeof DEFAULT_DECODE_LIMITS, 'maxDepth' | 'maxLineChars'> = DEFAULT_DECODE_LIMITS,
  mixed: MixedStream | null = null,
): { records: LogRecord[]; rejections: DecodeRejection[] } {
  const decodeTextRun = mixed?.decodeText ?? null;
  const records: LogRecord[] = [];
  const rejections: DecodeRejection[] = [];
  /** The value's record, or why it is none (`limit`: a decode limit refused it, which no reading as text excuses). */
  const recordOf = (
    value: unknown,
    where: string,
  ): LogRecord | { rejection: DecodeRejection; limit: boolean } => {
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      return {
        rejection: { reason: 'not-a-log-object', detail: `${where}: JSON value is not an object` },
        limit: false,
      };
    let record: LogRecord | null;
    try {
      record = jsonObjectToRecord(value as Record<string, unknown>, maxAttributes, limits);
    } catch (error) {
      if (!(error instanceof DecodeLimitError)) throw error;
      return { rejection: { reason: error.reason, detail: `${where}: ${error.message}` }, limit: true };
    }
    return (
      record ?? {
        rejection: { reason: 'missing-message', detail: `${where}: no message field` },
        limit: false,
      }
    );
  };
  const accept = (value: unknown, where: string): void => {
    const r = recordOf(value, where);
    if ('rejection' in r) rejections.push(r.rejection);
    else records.push(r);
  };

  const trimmed = text.trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    // One document (an array, or a pretty-printed object spanning lines) parses whole; NDJSON does not.
    let whole: unknown;
    try {
      whole = JSON.parse(trimmed);
    } catch {
      whole = undefined;
    }
    if (Array.isArray(whole)) {
      // An array of arrays nested beyond the limit is no batch of log objects: each item is refused as such.
      whole.forEach((item, i) => accept(item, `item ${i}`));
      return { records, rejections };
    }
    if (whole !== undefined) {
      accept(whole, 'document');
      return { records, rejections };
    }
  }
  const lines = text.split(/\r?\n/);
  // A program logging JSON to stdout shares its stream with what its runtime writes to stderr: an uncaught
  // exception's report, a warning. Such plain-text lines (not starting a JSON value) are decoded as text, a run of
  // them at a time so a report and its stack stay one record; a line that starts like JSON and does not parse is
  // still refused as invalid JSON.
  let run: string[] = [];
  const flush = (): void => {
    if (run.length > 0 && decodeTextRun) records.push(...decodeTextRun(run.join('\n')));
    run = [];
  };
  lines.forEach((line, i) => {
    if (line.trim().length === 0) {
      if (run.length > 0) run.push(line);
      return;
    }
    if (line.length > limits.maxLineChars) {
      // Refused before parsing: its cost is what the limit is there to bound.
      const error = lineTooLong(line.length, limits.maxLineChars);
      rejections.push({ reason: error.reason, detail: `line ${i + 1}: ${error.message}` });
      return;
    }
    const first = line.trimStart()[0];
    if (decodeTextRun && first !== '{' && first !== '[') {
      run.push(line);
      return;
    }
    flush();
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      if (mixed?.textFirst) run.push(line);
      else rejections.push({ reason: 'invalid-json', detail: `line ${i + 1}: ${(error as Error).message}` });
      return;
    }
    const r = recordOf(parsed, `line ${i + 1}`);
    if (!('rejection' in r)) records.push(r);
    else if (mixed?.textFirst && !r.limit) run.push(line);
    else rejections.push(r.rejection);
  });
  flush();
  return { records, rejections };
}
