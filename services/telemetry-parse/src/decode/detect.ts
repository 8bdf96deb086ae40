import type { LogFormat, RawKafkaRecord } from './types.js';

/** Kafka header lookup, case-insensitive, trimmed; empty values count as absent. */
export function header(record: RawKafkaRecord, name: string): string | null {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(record.headers)) {
    if (key.toLowerCase() === wanted && value !== undefined && value.trim() !== '') return value.trim();
  }
  return null;
}

/**
 * The format a producer declared, from a `format` header (ours, and the values the Collector's Kafka
 * exporter encodings are named after) or a `content-type` header. Null when nothing usable was declared.
 * `json` is refined to `otlp-json` by content once parsed.
 */
export function declaredFormat(record: RawKafkaRecord): LogFormat | null {
  const format = header(record, 'format')?.toLowerCase().replace(/_/g, '-');
  if (format) {
    if (format === 'otlp-proto' || format === 'otlp' || format === 'protobuf') return 'otlp-proto';
    if (format === 'otlp-json') return 'otlp-json';
    if (['json', 'ndjson', 'pino', 'bunyan', 'winston', 'ecs'].includes(format)) return 'json';
    if (['text', 'plain', 'raw'].includes(format)) return 'text';
  }
  const contentType = header(record, 'content-type')?.toLowerCase();
  if (contentType) {
    if (/protobuf/.test(contentType)) return 'otlp-proto';
    if (/json/.test(contentType)) return 'json';
    if (/^text\//.test(contentType)) return 'text';
  }
  return null;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Text is valid UTF-8 without control characters other than tab, CR, LF (and form feed). Protobuf almost
 * never passes: lengths, tags and fixed64 timestamps put control bytes in every message.
 */
export function looksLikeText(bytes: Uint8Array): string | null {
  // Control characters are all ASCII, and UTF-8 never uses ASCII byte values inside a multi-byte sequence: a
  // scan of the bytes finds exactly what a scan of the decoded text would, at a fraction of the cost.
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b < 0x20 ? b !== 0x09 && b !== 0x0a && b !== 0x0c && b !== 0x0d : b === 0x7f) return null;
  }
  try {
    return UTF8.decode(bytes);
  } catch {
    return null;
  }
}

/** Sniffs a record whose producer declared nothing. */
export function sniffFormat(bytes: Uint8Array): { format: LogFormat; text: string | null } {
  const text = looksLikeText(bytes);
  if (text === null) return { format: 'otlp-proto', text: null };
  const start = text.trimStart()[0];
  if (start === '{' || start === '[') return { format: 'json', text };
  // A JSON stream whose batch opens with its runtime's plain-text report (a crash, then the restarted process's
  // JSON lines): NDJSON lines start at column 0, and the JSON decoder takes the text lines as text (json.ts).
  if (text.includes('\n{')) return { format: 'json', text };
  return { format: 'text', text };
}
