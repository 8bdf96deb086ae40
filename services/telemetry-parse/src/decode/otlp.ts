import otlpRoot from '@opentelemetry/otlp-transformer/build/src/generated/root.js';
import type { DecodeRejection, LogRecord } from './types.js';
import { emptyRecord } from './text.js';
import { jsonObjectToRecord } from './json.js';
import { parseStack } from './stack.js';
import { normalizeLevel } from '../normalize/level.js';
import {
  DEFAULT_DECODE_LIMITS,
  DecodeLimitError,
  lineTooLong,
  tooDeep,
  type DecodeLimits,
} from './limits.js';

type Limits = Pick<DecodeLimits, 'maxDepth' | 'maxLineChars'>;

/**
 * OpenTelemetry logs as the Collector's Kafka exporter writes them: `otlp_proto` (an ExportLogsServiceRequest,
 * wire-identical to LogsData) and `otlp_json` (its protobuf-JSON mapping: hex trace/span ids, 64-bit integers
 * as strings). Protobuf is decoded with the generated protobufjs code that @opentelemetry/otlp-transformer
 * ships (pinned to 0.217.x, the last line that ships it); both encodings then go through one mapping.
 */

interface ProtoType {
  decode(bytes: Uint8Array): unknown;
}
interface GeneratedRoot {
  opentelemetry: { proto: { collector: { logs: { v1: { ExportLogsServiceRequest: ProtoType } } } } };
}
const requestType = (otlpRoot as unknown as GeneratedRoot).opentelemetry.proto.collector.logs.v1
  .ExportLogsServiceRequest;

/** A 64-bit integer as protobufjs (Long), protobuf-JSON (string) or a plain number gives it. */
type Int64 = number | string | { toString(): string } | null | undefined;

interface AnyValue {
  stringValue?: string | null;
  boolValue?: boolean | null;
  intValue?: Int64;
  doubleValue?: number | null;
  arrayValue?: { values?: AnyValue[] | null } | null;
  kvlistValue?: { values?: KeyValue[] | null } | null;
  bytesValue?: Uint8Array | string | null;
}
interface KeyValue {
  key?: string | null;
  value?: AnyValue | null;
}
interface OtlpLogRecord {
  timeUnixNano?: Int64;
  observedTimeUnixNano?: Int64;
  severityNumber?: number | string | null;
  severityText?: string | null;
  body?: AnyValue | null;
  attributes?: KeyValue[] | null;
  traceId?: Uint8Array | string | null;
  spanId?: Uint8Array | string | null;
  eventName?: string | null;
}
interface ExportLogsServiceRequest {
  resourceLogs?:
    | {
        resource?: { attributes?: KeyValue[] | null } | null;
        scopeLogs?: { scope?: { name?: string | null } | null; logRecords?: OtlpLogRecord[] | null }[] | null;
      }[]
    | null;
}

type Plain = string | number | boolean | null | Plain[] | { [key: string]: Plain };

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function int64ToNumber(v: Int64): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return v;
  const n = Number(v.toString());
  return Number.isFinite(n) ? n : null;
}

/** Nanoseconds since the epoch to ms, exactly (nanos exceed 2^53, so through BigInt). */
function nanosToMs(v: Int64): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return v > 0 ? Math.floor(v / 1e6) : null;
  const text = v.toString();
  if (!/^\d+$/.test(text)) return null;
  const ms = Number(BigInt(text) / 1_000_000n);
  return ms > 0 ? ms : null;
}

/** Nesting is bounded by `maxDepth` (a DecodeLimitError beyond it), never by the call stack. */
function anyValueToPlain(v: AnyValue | null | undefined, maxDepth: number, depth = 1): Plain {
  if (!v) return null;
  if (depth > maxDepth) throw tooDeep(maxDepth);
  if (v.stringValue !== null && v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== null && v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== null && v.intValue !== undefined) return int64ToNumber(v.intValue);
  if (v.doubleValue !== null && v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map((x) => anyValueToPlain(x, maxDepth, depth + 1));
  if (v.kvlistValue) return keyValuesToObject(v.kvlistValue.values, maxDepth, depth + 1);
  if (v.bytesValue !== null && v.bytesValue !== undefined) {
    return typeof v.bytesValue === 'string' ? v.bytesValue : Buffer.from(v.bytesValue).toString('base64');
  }
  return null;
}

function keyValuesToObject(
  kvs: KeyValue[] | null | undefined,
  maxDepth: number,
  depth = 1,
): { [key: string]: Plain } {
  const out: { [key: string]: Plain } = {};
  for (const kv of kvs ?? []) if (kv.key) out[kv.key] = anyValueToPlain(kv.value, maxDepth, depth);
  return out;
}

function scalarAttr(v: Plain): string | number | boolean | null {
  if (v === null) return null;
  if (typeof v === 'object') return JSON.stringify(v);
  return v;
}

/** Trace/span ids: bytes from protobuf, hex in OTLP JSON (base64 from older encoders); all-zero means absent. */
function idToHex(id: Uint8Array | string | null | undefined, bytes: number): string | null {
  if (id === null || id === undefined) return null;
  let hex: string;
  if (typeof id === 'string') {
    if (id.length === 0) return null;
    if (new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(id)) hex = id.toLowerCase();
    else {
      const decoded = Buffer.from(id, 'base64');
      if (decoded.length !== bytes) return null;
      hex = decoded.toString('hex');
    }
  } else {
    if (id.length !== bytes) return null;
    hex = toHex(id);
  }
  return /^0+$/.test(hex) ? null : hex;
}

function severity(record: OtlpLogRecord): string | null {
  const n = record.severityNumber;
  const fromNumber = typeof n === 'number' || typeof n === 'string' ? normalizeLevel(n, 'otlp') : null;
  if (fromNumber) return fromNumber;
  return record.severityText ? record.severityText : null;
}

const SESSION_KEYS = [
  'session.id',
  'sessionId',
  'session_id',
  'http.request.id',
  'request.id',
  'requestId',
  'request_id',
  'correlation_id',
  'correlationId',
];

/** Each log record is mapped on its own: one beyond the limits is rejected, its neighbours are kept. */
function mapRequest(
  request: ExportLogsServiceRequest,
  format: 'otlp-proto' | 'otlp-json',
  maxAttributes: number,
  limits: Limits,
): { records: LogRecord[]; rejections: DecodeRejection[] } {
  const records: LogRecord[] = [];
  const rejections: DecodeRejection[] = [];
  const limited = (where: string, map: () => void): void => {
    try {
      map();
    } catch (error) {
      if (!(error instanceof DecodeLimitError)) throw error;
      rejections.push({ reason: error.reason, detail: `${where}: ${error.message}` });
    }
  };
  (request.resourceLogs ?? []).forEach((resourceLogs, r) => {
    limited(`resourceLogs ${r}`, () => {
      const resource = keyValuesToObject(resourceLogs.resource?.attributes, limits.maxDepth);
      for (const scopeLogs of resourceLogs.scopeLogs ?? []) {
        const scopeName = scopeLogs.scope?.name || null;
        (scopeLogs.logRecords ?? []).forEach((lr, i) =>
          limited(`resourceLogs ${r} logRecord ${i}`, () =>
            records.push(mapLogRecord(lr, resource, scopeName, format, maxAttributes, limits)),
          ),
        );
      }
    });
  });
  return { records, rejections };
}

function mapLogRecord(
  lr: OtlpLogRecord,
  resource: { [key: string]: Plain },
  scopeName: string | null,
  format: 'otlp-proto' | 'otlp-json',
  maxAttributes: number,
  limits: Limits,
): LogRecord {
  const body = anyValueToPlain(lr.body, limits.maxDepth);
  let record: LogRecord;
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    // A structured body (a parsed JSON log in a kvlist) is read like a JSON log line.
    record = jsonObjectToRecord(body, maxAttributes, limits) ?? emptyRecord(format, lr.eventName ?? '');
    record.format = format;
  } else {
    const text =
      body === null ? (lr.eventName ?? '') : typeof body === 'string' ? body : JSON.stringify(body);
    if (text.length > limits.maxLineChars) throw lineTooLong(text.length, limits.maxLineChars);
    const [first, ...rest] = text.split(/\r?\n/);
    record = emptyRecord(format, (first ?? '').trim());
    if (rest.length > 0) record.stack = parseStack(rest);
  }
  const attrs = keyValuesToObject(lr.attributes, limits.maxDepth);
  const str = (v: Plain | undefined): string | null => (v === null || v === undefined ? null : String(v));

  record.timestamp = nanosToMs(lr.timeUnixNano) ?? nanosToMs(lr.observedTimeUnixNano) ?? record.timestamp;
  record.level = severity(lr) ?? record.level;
  record.service = str(resource['service.name']) ?? record.service;
  record.host = str(resource['host.name']) ?? str(resource['host.hostname']) ?? record.host;
  record.process = str(resource['process.pid']) ?? str(attrs['process.pid']) ?? record.process;
  record.component = scopeName ?? str(attrs['code.namespace']) ?? record.component;
  record.traceId = idToHex(lr.traceId, 16) ?? record.traceId;
  record.spanId = idToHex(lr.spanId, 8) ?? record.spanId;
  for (const key of SESSION_KEYS) {
    const v = str(attrs[key]);
    if (v) {
      record.sessionId = v;
      delete attrs[key];
      break;
    }
  }
  const stackTrace = str(attrs['exception.stacktrace']);
  if (stackTrace) {
    record.stack = parseStack(stackTrace);
    delete attrs['exception.stacktrace'];
  }
  if (lr.eventName) record.attributes['event.name'] = lr.eventName;

  let kept = Object.keys(record.attributes).length;
  const add = (key: string, v: Plain): void => {
    const s = scalarAttr(v);
    if (s === null) return;
    if (kept >= maxAttributes) {
      record.attributes['attributes.truncated'] = true;
      return;
    }
    record.attributes[key] = s;
    kept++;
  };
  for (const key of Object.keys(attrs).sort()) add(key, attrs[key] ?? null);
  for (const key of Object.keys(resource).sort()) {
    if (key === 'service.name' || key === 'host.name') continue;
    add(`resource.${key}`, resource[key] ?? null);
  }
  return record;
}

/** Decodes an OTLP protobuf ExportLogsServiceRequest. */
export function decodeOtlpProto(
  bytes: Uint8Array,
  maxAttributes: number,
  limits: Limits = DEFAULT_DECODE_LIMITS,
): { records: LogRecord[]; rejections: DecodeRejection[] } {
  let request: ExportLogsServiceRequest;
  try {
    request = requestType.decode(bytes) as ExportLogsServiceRequest;
  } catch (error) {
    return { records: [], rejections: [{ reason: 'invalid-otlp-proto', detail: (error as Error).message }] };
  }
  const { records, rejections } = mapRequest(request, 'otlp-proto', maxAttributes, limits);
  if (records.length === 0 && rejections.length === 0) {
    return {
      records,
      rejections: [{ reason: 'empty-otlp', detail: 'ExportLogsServiceRequest holds no log records' }],
    };
  }
  return { records, rejections };
}

/** True when a parsed JSON value looks like an OTLP JSON export (`{"resourceLogs":[...]}`). */
export function isOtlpJson(value: unknown): value is ExportLogsServiceRequest {
  return (
    value !== null &&
    typeof value === 'object' &&
    Array.isArray((value as { resourceLogs?: unknown }).resourceLogs)
  );
}

/** Decodes an OTLP JSON ExportLogsServiceRequest (one document per Kafka record, or NDJSON of them). */
export function decodeOtlpJson(
  text: string,
  maxAttributes: number,
  limits: Limits = DEFAULT_DECODE_LIMITS,
): { records: LogRecord[]; rejections: DecodeRejection[] } {
  const documents: unknown[] = [];
  const rejections: DecodeRejection[] = [];
  try {
    documents.push(JSON.parse(text));
  } catch {
    text.split(/\r?\n/).forEach((line, i) => {
      if (line.trim().length === 0) return;
      try {
        documents.push(JSON.parse(line));
      } catch (error) {
        rejections.push({ reason: 'invalid-json', detail: `line ${i + 1}: ${(error as Error).message}` });
      }
    });
  }
  const records: LogRecord[] = [];
  for (const doc of documents) {
    if (!isOtlpJson(doc)) {
      rejections.push({ reason: 'invalid-otlp-json', detail: 'document has no resourceLogs array' });
      continue;
    }
    const mapped = mapRequest(doc, 'otlp-json', maxAttributes, limits);
    if (mapped.records.length === 0 && mapped.rejections.length === 0)
      rejections.push({ reason: 'empty-otlp', detail: 'ExportLogsServiceRequest holds no log records' });
    // A loop, not push(...spread): a request may hold more records than a call takes arguments.
    for (const r of mapped.records) records.push(r);
    for (const r of mapped.rejections) rejections.push(r);
  }
  return { records, rejections };
}
