import { createHash } from 'node:crypto';
import { mergeCounts, redactText, type RedactionCounts } from './policy.js';

/**
 * What the dead-letter topic keeps of a record it parks. A dead letter is by definition input nobody could read:
 * it may hold anything, secrets included, and the topic is read by operators and kept for a long time. So it is
 * redacted before it is written: headers and text values go through the redaction policy, a binary value that
 * cannot be read is withheld (its size and hash kept, its bytes still at its source offset). The original is kept
 * only where an operator enabled it (`DLQ_KEEP_ORIGINAL=true`).
 *
 * Values in the Confluent wire format are our own events: every string in them went through redaction before it
 * was produced, and `dlq redrive` needs them byte for byte, so they are kept.
 */

export interface DeadLetterParts {
  key: Buffer | string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

export interface DeadLetterRedaction {
  /** Keep the value and headers as they came (an operator's choice, e.g. in a development namespace). */
  keepOriginal?: boolean;
  /** Text values beyond this many bytes are cut (after redaction); the source offset still holds them. */
  maxValueBytes?: number;
}

/** Headers a redacted dead letter carries to say what was done to it. */
export const DLQ_REDACTION_HEADERS = {
  redacted: 'dlq.redacted',
  originalBytes: 'dlq.original-bytes',
  originalSha256: 'dlq.original-sha256',
} as const;

const UTF8 = new TextDecoder('utf-8', { fatal: true });
// Small: the dead letters of one parse run go out in one transaction, and the broker takes about 1 MB per batch.
const DEFAULT_MAX_VALUE_BYTES = 64 * 1024;

function isWireFormat(value: Buffer): boolean {
  return value.length >= 5 && value[0] === 0;
}

function asText(value: Buffer): string | null {
  // NUL and other C0 controls (but tab, CR, LF) mark binary.
  for (const b of value) if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return null;
  try {
    return UTF8.decode(value);
  } catch {
    return null;
  }
}

/** Cuts a string to at most `max` UTF-8 bytes without splitting a character. */
function cutToBytes(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  let cut = Buffer.from(text).subarray(0, max).toString('utf8');
  if (cut.endsWith('\uFFFD')) cut = cut.slice(0, -1);
  return cut;
}

/** The dead letter as the topic may keep it, and what redaction replaced in it. */
export function redactDeadLetter(
  parts: DeadLetterParts,
  options: DeadLetterRedaction = {},
): DeadLetterParts & { counts: RedactionCounts } {
  if (options.keepOriginal)
    return { ...parts, headers: { ...parts.headers, [DLQ_REDACTION_HEADERS.redacted]: 'off' }, counts: {} };
  const counts: RedactionCounts = {};
  const headers: Record<string, string> = {};
  for (const [name, v] of Object.entries(parts.headers)) headers[name] = redactText(v, counts);
  const key =
    parts.key === null
      ? null
      : redactText(typeof parts.key === 'string' ? parts.key : parts.key.toString(), counts);

  let value = parts.value;
  let how = 'redacted';
  if (value !== null && !isWireFormat(value)) {
    const text = asText(value);
    if (text === null) {
      how = 'value-withheld';
      value = null;
    } else {
      const valueCounts: RedactionCounts = {};
      const redacted = redactText(text, valueCounts);
      mergeCounts(counts, valueCounts);
      const max = options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
      const kept = cutToBytes(redacted, max);
      if (kept.length < redacted.length) how = 'redacted,truncated';
      value = kept === text ? parts.value : Buffer.from(kept);
    }
  }
  if (parts.value !== null) {
    headers[DLQ_REDACTION_HEADERS.originalBytes] = String(parts.value.length);
    headers[DLQ_REDACTION_HEADERS.originalSha256] = createHash('sha256').update(parts.value).digest('hex');
  }
  headers[DLQ_REDACTION_HEADERS.redacted] = how;
  return { key, value, headers, counts };
}

/** The operator's switch, read from the environment (`DLQ_KEEP_ORIGINAL=true`); off unless set. */
export function keepDeadLetterOriginals(env: NodeJS.ProcessEnv = process.env): boolean {
  return /^(?:1|true|yes)$/i.test(env.DLQ_KEEP_ORIGINAL ?? '');
}
