import type { DecodeLimits } from './limits.js';

/** One record as consumed from Kafka, reduced to what decoding needs (kafkajs buffers converted by the caller). */
export interface RawKafkaRecord {
  value: Uint8Array;
  /** Header names are matched case-insensitively. */
  headers: Record<string, string | undefined>;
  key?: string;
  /** The Kafka record timestamp (epoch ms): the fallback event time for logs that carry none. */
  timestamp?: number;
}

export type LogFormat = 'text' | 'json' | 'otlp-proto' | 'otlp-json';

/** One log record as found in the input, before normalization and redaction. */
export interface LogRecord {
  /** Epoch ms when the source gave an unambiguous instant (epoch number, zoned ISO, OTLP nanos), else null. */
  timestamp: number | null;
  /** The timestamp as written, so normalization can apply the source's time zone to zone-less text. */
  timestampText: string | null;
  level: string | null;
  message: string;
  service: string | null;
  host: string | null;
  component: string | null;
  process: string | null;
  traceId: string | null;
  spanId: string | null;
  sessionId: string | null;
  attributes: Record<string, string | number | boolean>;
  /** Stack frames as `function (file:line)`, innermost first, outermost last. */
  stack: string[];
  format: LogFormat;
}

/** Why a Kafka record (or a part of it) could not be turned into log records. */
export interface DecodeRejection {
  /** Stable, low-cardinality reason used as a counter key: `empty`, `invalid-json`, `invalid-otlp`, ... */
  reason: string;
  detail: string;
}

export interface DecodeResult {
  format: LogFormat | null;
  records: LogRecord[];
  /** Parts of the Kafka record that could not be decoded; a record may yield both records and rejections. */
  rejections: DecodeRejection[];
}

/** Fields a plain-text header parser finds at the start of a log line; null where the line has none. */
export interface TextHeader {
  timestamp: string | null;
  epochMs: number | null;
  level: string | null;
  component: string | null;
  process: string | null;
  host: string | null;
  /** The line without its header. */
  message: string;
}

/** Signature of the generic text header extractor (src/header), injected so decoding does not depend on it. */
export type TextHeaderParser = (line: string) => TextHeader | null;

export interface DecodeOptions {
  /** Applied to each plain-text record's first line; without it the whole line is the message. */
  parseTextHeader?: TextHeaderParser;
  /** Upper bound on attributes kept per record, so one huge JSON object cannot blow up memory downstream. */
  maxAttributes?: number;
  /** Bounds on record size, line length and nesting (defaults: DEFAULT_DECODE_LIMITS). */
  limits?: Partial<DecodeLimits>;
}
