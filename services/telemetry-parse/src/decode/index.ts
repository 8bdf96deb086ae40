import type { DecodeOptions, DecodeResult, LogFormat, RawKafkaRecord } from './types.js';
import { declaredFormat, looksLikeText, sniffFormat } from './detect.js';
import { decodeText } from './text.js';
import { decodeJson } from './json.js';
import { decodeOtlpJson, decodeOtlpProto, isOtlpJson } from './otlp.js';
import { header } from './detect.js';
import {
  DEFAULT_DECODE_LIMITS,
  DecodeLimitError,
  LIMIT_REASONS,
  withoutLongLines,
  type DecodeLimits,
} from './limits.js';

export type * from './types.js';
export { decodeText } from './text.js';
export { decodeJson, flatten, jsonObjectToRecord } from './json.js';
export { decodeOtlpJson, decodeOtlpProto } from './otlp.js';
export { parseStack, isContinuationLine } from './stack.js';
export { declaredFormat, sniffFormat, header } from './detect.js';
export { DEFAULT_DECODE_LIMITS, LIMIT_REASONS, DecodeLimitError, type DecodeLimits } from './limits.js';

const DEFAULT_MAX_ATTRIBUTES = 64;

function otlpJsonDocument(text: string): boolean {
  const head = text.trimStart().slice(0, 64);
  if (!head.startsWith('{')) return false;
  if (/^\{\s*"resourceLogs"/.test(head)) return true;
  // Parsing a whole NDJSON batch only to learn it is not one document is the costly path: skip it when the
  // key every OTLP logs document holds is absent.
  if (!text.includes('"resourceLogs"')) return false;
  try {
    return isOtlpJson(JSON.parse(text));
  } catch {
    return false;
  }
}

/**
 * Decodes one Kafka record into log records. The format comes from the `format` / `content-type` header or,
 * absent those, from the bytes. The Kafka `service` header names the service of every line it carries (a line's
 * own name only counts without it); a host in the record wins over the `host` header. A record that cannot be
 * decoded at all yields a single rejection.
 *
 * Never throws: whatever a record holds, it ends in records, rejections or both, so one poisonous record cannot
 * fail the run it came with. Limits (size, line length, nesting) are checked before the work they bound.
 */
export function decodeKafkaRecord(raw: RawKafkaRecord, options: DecodeOptions = {}): DecodeResult {
  const limits: DecodeLimits = { ...DEFAULT_DECODE_LIMITS, ...options.limits };
  if (raw.value.byteLength > limits.maxRecordBytes) {
    return {
      format: null,
      records: [],
      rejections: [
        {
          reason: LIMIT_REASONS.recordTooLarge,
          detail: `record of ${raw.value.byteLength} bytes exceeds the ${limits.maxRecordBytes}-byte limit`,
        },
      ],
    };
  }
  try {
    return decodeWithin(raw, options, limits);
  } catch (error) {
    // A decoder bug or a case no limit foresaw: the record is rejected with what went wrong, the run goes on.
    const reason = error instanceof DecodeLimitError ? error.reason : 'decode-failed';
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { format: null, records: [], rejections: [{ reason, detail: detail.slice(0, 500) }] };
  }
}

function decodeWithin(raw: RawKafkaRecord, options: DecodeOptions, limits: DecodeLimits): DecodeResult {
  const maxAttributes = options.maxAttributes ?? DEFAULT_MAX_ATTRIBUTES;
  if (raw.value.byteLength === 0) {
    return { format: null, records: [], rejections: [{ reason: 'empty', detail: 'record value is empty' }] };
  }
  let format: LogFormat;
  let text: string | null;
  const declared = declaredFormat(raw);
  if (declared === 'otlp-proto') {
    format = declared;
    text = null;
  } else if (declared !== null) {
    text = looksLikeText(raw.value);
    if (text === null) {
      return {
        format: declared,
        records: [],
        rejections: [
          { reason: 'not-utf8-text', detail: `declared ${declared} but the value is not UTF-8 text` },
        ],
      };
    }
    format = declared;
  } else {
    ({ format, text } = sniffFormat(raw.value));
  }
  if (format === 'json' && text !== null && otlpJsonDocument(text)) format = 'otlp-json';

  let result: Omit<DecodeResult, 'format'>;
  switch (format) {
    case 'otlp-proto':
      result = decodeOtlpProto(raw.value, maxAttributes, limits);
      if (declared === null && result.records.length === 0) {
        result = {
          records: [],
          rejections: [
            {
              reason: 'undecodable',
              detail: `binary value is not an OTLP logs request (${result.rejections[0]?.detail ?? ''})`,
            },
          ],
        };
      }
      break;
    case 'otlp-json':
      result = decodeOtlpJson(text ?? '', maxAttributes, limits);
      break;
    case 'json':
      // Sniffed NDJSON may carry a runtime's plain-text report among its lines (json.ts); a producer that declared
      // JSON promised nothing else, and its other lines are refused.
      result = decodeJson(
        text ?? '',
        maxAttributes,
        limits,
        declared === null
          ? { decodeText: (run) => decodeText(run, options), textFirst: !/^\s*[[{]/.test(text ?? '') }
          : null,
      );
      break;
    case 'text': {
      const { text: kept, removed } = withoutLongLines(text ?? '', limits.maxLineChars);
      result = {
        records: decodeText(kept, options),
        rejections: removed.map(({ line, chars }) => ({
          reason: LIMIT_REASONS.lineTooLong,
          detail: `line ${line}: line of ${chars} characters exceeds the ${limits.maxLineChars}-character limit`,
        })),
      };
      if (result.records.length === 0 && removed.length === 0)
        result.rejections.push({ reason: 'empty', detail: 'record holds only blank lines' });
      break;
    }
  }
  // The transport's service header names the service as the catalogue knows it (the shipper is configured per
  // deployed service); a line's own name is what the program calls itself, the same in every copy of it. The
  // header wins; a line without one keeps its own.
  const service = header(raw, 'service');
  const host = header(raw, 'host');
  for (const record of result.records) {
    if (service) record.service = service;
    record.host ??= host;
  }
  return { format, ...result };
}
