/**
 * Bounds on what one input may cost. Telemetry comes from systems we do not control; a single hostile or broken
 * record (a line of megabytes, JSON nested a hundred thousand deep) must cost a counted rejection, never the run
 * it arrived with. Each bound is checked before the work it protects, and each breach has its own reason.
 */

export interface DecodeLimits {
  /** Bytes of one Kafka record value (or file chunk). Larger ones are rejected whole, unread. */
  maxRecordBytes: number;
  /** Characters of one log line (a text line, an NDJSON line, a JSON document's message). */
  maxLineChars: number;
  /** Nesting of JSON objects and arrays (and OTLP kvlists/arrays). */
  maxDepth: number;
}

/**
 * 8 MiB per record is eight times Kafka's default message size (a compressed batch may hold more); 64 KiB per
 * line is far beyond any line a logger writes on purpose (a stack trace is split into frames) and keeps every
 * template small enough for the events that carry it; depth 64 is deeper than any log schema.
 */
export const DEFAULT_DECODE_LIMITS: DecodeLimits = {
  maxRecordBytes: 8 * 1024 * 1024,
  maxLineChars: 64 * 1024,
  maxDepth: 64,
};

/** Rejection reasons of the limits, as counter keys. */
export const LIMIT_REASONS = {
  recordTooLarge: 'record-too-large',
  lineTooLong: 'line-too-long',
  tooDeep: 'too-deep',
} as const;

/** Thrown from inside a decoder when a bound is crossed; caught where one line or record can be rejected. */
export class DecodeLimitError extends Error {
  constructor(
    readonly reason: (typeof LIMIT_REASONS)[keyof typeof LIMIT_REASONS],
    message: string,
  ) {
    super(message);
    this.name = 'DecodeLimitError';
  }
}

export function tooDeep(maxDepth: number): DecodeLimitError {
  return new DecodeLimitError(LIMIT_REASONS.tooDeep, `nested deeper than ${maxDepth} levels`);
}

export function lineTooLong(chars: number, maxLineChars: number): DecodeLimitError {
  return new DecodeLimitError(
    LIMIT_REASONS.lineTooLong,
    `line of ${chars} characters exceeds the ${maxLineChars}-character limit`,
  );
}

/**
 * Depth of a parsed JSON value, found without recursion (the value may be nested far deeper than the call stack
 * allows), stopping as soon as it exceeds `limit`. Returns true when the value is within the limit.
 */
export function withinDepth(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== 'object') return true;
  const stack: Array<{ node: unknown; depth: number }> = [{ node: value, depth: 1 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (depth > limit) return false;
    if (Array.isArray(node)) {
      for (const child of node)
        if (child !== null && typeof child === 'object') stack.push({ node: child, depth: depth + 1 });
    } else {
      const object = node as Record<string, unknown>;
      for (const key in object) {
        const child = object[key];
        if (child !== null && typeof child === 'object') stack.push({ node: child, depth: depth + 1 });
      }
    }
  }
  return true;
}

/**
 * Lines of `text` longer than `maxLineChars`, removed, with their 1-based line numbers. The common case (a text
 * no longer than the limit cannot hold a longer line) costs one comparison.
 */
export function withoutLongLines(
  text: string,
  maxLineChars: number,
): { text: string; removed: Array<{ line: number; chars: number }> } {
  if (text.length <= maxLineChars) return { text, removed: [] };
  const removed: Array<{ line: number; chars: number }> = [];
  const kept: string[] = [];
  let start = 0;
  let line = 1;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const chars = end - start;
    // A removed line leaves an empty one in its place, so the line numbers of the others stay as written.
    if (chars > maxLineChars) {
      removed.push({ line, chars });
      kept.push('');
    } else kept.push(text.slice(start, end));
    start = end + 1;
    line++;
  }
  return removed.length === 0 ? { text, removed } : { text: kept.join('\n'), removed };
}
