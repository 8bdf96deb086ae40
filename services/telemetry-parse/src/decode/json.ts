import type { DecodeRejection, LogRecord } from './types.js';
import { emptyRecord } from './text.js';
import { parseStack } from './stack.js';
import { epochMsFromNumber } from '../normalize/time.js';

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

/** Flattens nested objects into dotted keys; arrays of scalars become JSON text (they are rare in logs). */
export function flatten(
  value: unknown,
  prefix = '',
  out: Record<string, unknown> = {},
): Record<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      flatten(v, prefix ? `${prefix}.${k}` : k, out);
    }
  } else if (prefix) {
    out[prefix] = value;
  }
  return out;
}

function scalar(value: unknown): Scalar | null {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (Array.isArray(value)) return JSON.stringify(value);
  return null;
}

function takeFrom(flat: Record<string, unknown>, used: Set<string>, keys: readonly string[]): Scalar | null {
  for (const key of keys) {
    if (!(key in flat)) continue;
    const v = scalar(flat[key]);
    if (v === null || v === '') continue;
    used.add(key);
    return v;
  }
  return null;
}

function asText(v: Scalar | null): string | null {
  return v === null ? null : String(v);
}

/** Maps one parsed JSON log object to a record; null when it has neither a message nor an error message. */
export function jsonObjectToRecord(obj: Record<string, unknown>, maxAttributes: number): LogRecord | null {
  const flat = flatten(obj);
  const used = new Set<string>();
  const take = (keys: readonly string[]): Scalar | null => takeFrom(flat, used, keys);

  const exceptionMessage = asText(take(FIELDS.exceptionMessage));
  const exceptionType = asText(take(FIELDS.exceptionType));
  const messageValue = take(FIELDS.message);
  const message = messageValue !== null ? String(messageValue) : exceptionMessage;
  if (message === null) return null;

  // Winston's errors() format and some loggers put "message\n    at frame..." into the message itself.
  const [firstLine, ...restLines] = message.split(/\r?\n/);
  const record = emptyRecord('json', (firstLine ?? '').trim());
  const stackText = asText(take(FIELDS.stack));
  record.stack = parseStack(stackText !== null ? stackText : restLines);

  const ts = take(FIELDS.timestamp);
  if (typeof ts === 'number') record.timestamp = epochMsFromNumber(ts);
  else if (typeof ts === 'string') {
    if (/^\d+(\.\d+)?$/.test(ts.trim())) record.timestamp = epochMsFromNumber(Number(ts));
    else record.timestampText = ts;
  }
  record.level = asText(take(FIELDS.level));
  record.service = asText(take(FIELDS.service));
  record.host = asText(take(FIELDS.host));
  record.component = asText(take(FIELDS.component));
  record.process = asText(take(FIELDS.process));
  record.traceId = asText(take(FIELDS.traceId));
  record.spanId = asText(take(FIELDS.spanId));
  record.sessionId = asText(take(FIELDS.sessionId));
  if (exceptionType !== null) record.attributes['exception.type'] = exceptionType;
  if (exceptionMessage !== null && messageValue !== null)
    record.attributes['exception.message'] = exceptionMessage;

  let kept = Object.keys(record.attributes).length;
  for (const key of Object.keys(flat).sort()) {
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
 * Decodes JSON logs: one object, an array of objects, or newline-delimited objects (NDJSON). Each line that
 * does not parse, or parses to something that is not a log object, becomes a rejection of its own.
 */
export function decodeJson(
  text: string,
  maxAttributes: number,
): { records: LogRecord[]; rejections: DecodeRejection[] } {
  const records: LogRecord[] = [];
  const rejections: DecodeRejection[] = [];
  const accept = (value: unknown, where: string): void => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      rejections.push({ reason: 'not-a-log-object', detail: `${where}: JSON value is not an object` });
      return;
    }
    const record = jsonObjectToRecord(value as Record<string, unknown>, maxAttributes);
    if (record) records.push(record);
    else rejections.push({ reason: 'missing-message', detail: `${where}: no message field` });
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
      whole.forEach((item, i) => accept(item, `item ${i}`));
      return { records, rejections };
    }
    if (whole !== undefined) {
      accept(whole, 'document');
      return { records, rejections };
    }
  }
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim().length === 0) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      rejections.push({ reason: 'invalid-json', detail: `line ${i + 1}: ${(error as Error).message}` });
      return;
    }
    accept(parsed, `line ${i + 1}`);
  });
  return { records, rejections };
}
