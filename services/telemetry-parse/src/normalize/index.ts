import type { Level } from '@self-healing/schemas';
import type { LogRecord } from '../decode/types.js';
import { normalizeLevel, type LevelScale } from './level.js';
import { parseTimestamp } from './time.js';
import { redactAttributes, redactText, type RedactionCounts } from './redact.js';
import { normalizeHostName, normalizeServiceName } from './names.js';

export { normalizeLevel, isErrorLevel, type LevelScale } from './level.js';
export {
  parseTimestamp,
  epochMsFromNumber,
  wallClockToUtc,
  zoneOffsetMs,
  isValidZone,
  parseFixedOffset,
  type TimeOptions,
} from './time.js';
export {
  redactText,
  redactAttributes,
  isSecretKey,
  mergeCounts,
  type RedactionKind,
  type RedactionCounts,
} from './redact.js';
export { normalizeNumbers, quantityFromAttribute } from './units.js';
export { normalizeServiceName, normalizeHostName } from './names.js';

export interface NormalizeOptions {
  /** Zone for timestamps written without one: `UTC` (default), `+02:00`, `Europe/Paris`. */
  defaultZone?: string;
  /** Service for records that name none (no field, resource attribute or Kafka header). Default `unknown`. */
  defaultService?: string;
  /** Level for records that carry none or an unknown one. Default `info`. */
  defaultLevel?: Level;
  stripHostDomain?: boolean;
}

/** A record after redaction and normalization, ready for template mining. */
export interface NormalizedRecord {
  /** Null when neither the record nor the fallback yields a time: the caller rejects it. */
  timestamp: number | null;
  level: Level;
  /** False when `level` is the default because the record's level was missing or unknown. */
  levelKnown: boolean;
  message: string;
  service: string;
  host: string | null;
  component: string | null;
  process: string | null;
  traceId: string | null;
  spanId: string | null;
  sessionId: string | null;
  attributes: Record<string, string | number | boolean>;
  stack: string[];
}

function levelScale(record: LogRecord): LevelScale | undefined {
  // JSON level numbers are pino/bunyan's; OTLP records arrive already named by severity number.
  return record.format === 'json' ? 'pino' : undefined;
}

/**
 * Redacts and normalizes one decoded record. Redaction covers everything that leaves this function as text
 * (message, attributes, stack frames), so secrets reach neither the miner nor any output.
 * `fallbackTimeMs` (the Kafka record time) is used when the record has no readable time; it is also the
 * reference that supplies the year syslog timestamps omit.
 */
export function normalizeRecord(
  record: LogRecord,
  options: NormalizeOptions,
  counts: RedactionCounts,
  fallbackTimeMs: number | null = null,
): NormalizedRecord {
  const zone = options.defaultZone ?? 'UTC';
  let timestamp: number | null = null;
  if (record.timestampText !== null) {
    timestamp = parseTimestamp(record.timestampText, {
      defaultZone: zone,
      referenceMs: fallbackTimeMs ?? record.timestamp,
    });
  }
  timestamp ??= record.timestamp ?? fallbackTimeMs;

  const level = normalizeLevel(record.level, levelScale(record));
  const redactId = (v: string | null): string | null => (v === null ? null : redactText(v, counts));
  return {
    timestamp,
    level: level ?? options.defaultLevel ?? 'info',
    levelKnown: level !== null,
    message: redactText(record.message, counts),
    service: normalizeServiceName(record.service) ?? options.defaultService ?? 'unknown',
    host: normalizeHostName(record.host, options.stripHostDomain ?? false),
    component: redactId(record.component),
    process: record.process,
    traceId: record.traceId?.toLowerCase() ?? null,
    spanId: record.spanId?.toLowerCase() ?? null,
    sessionId: redactId(record.sessionId),
    attributes: redactAttributes(record.attributes, counts),
    stack: record.stack.map((frame) => redactText(frame, counts)),
  };
}
