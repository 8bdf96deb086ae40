import type { DecodeOptions, LogRecord } from './types.js';
import { isContinuationLine, parseStack } from './stack.js';

const EXCEPTION_LINE =
  /^(?:Caused by:\s*)?(?:Uncaught\s+)?(?:[a-zA-Z_$][\w$]*\.)*[A-Z][\w$]*(?:Exception|Error|Throwable)\b(?: \[[A-Z][A-Z0-9_]*\])?(?::\s.*)?$|^panic: /;
/**
 * The first line of a runtime's report of an uncaught exception, which says less than the exception below it: Node's
 * throw site (`file:///app/dist/x.js:18`, then the source line, a caret, the exception, its frames) and Python's
 * "Traceback (most recent call last):".
 */
const THROW_SITE =
  /^(?:file:\/\/)?(?:\/|[A-Za-z]:[\\/]|node:)\S*:\d+$|^Traceback \(most recent call last\):$/;

/** Builds an empty record of the given format; decoders fill in what their source has. */
export function emptyRecord(format: LogRecord['format'], message: string): LogRecord {
  return {
    timestamp: null,
    timestampText: null,
    level: null,
    message,
    service: null,
    host: null,
    component: null,
    process: null,
    traceId: null,
    spanId: null,
    sessionId: null,
    attributes: {},
    stack: [],
    format,
  };
}

/**
 * Splits plain text into log records. A line starts a new record unless it continues the previous one
 * (indented, a stack frame, an exception or `Caused by:` line) and carries no header timestamp of its own.
 * Continuation lines become the record's stack frames; the exception line is kept as `exception.message`.
 */
export function decodeText(text: string, options: DecodeOptions = {}): LogRecord[] {
  const lines = text.split(/\r?\n/);
  const groups: Group[] = [];
  let inPem = false;
  for (const line of lines) {
    const current = groups[groups.length - 1];
    // A PEM block (a private key logged by mistake) stays whole in its line's message, where redaction sees all
    // of it: its base64 lines would otherwise be records of their own, each redacted without the BEGIN line.
    if (current && inPem) {
      current.pem.push(line);
      if (PEM_END.test(line)) inPem = false;
      continue;
    }
    if (current && isContinuationLine(line) && !hasOwnTimestamp(line, options)) {
      current.rest.push(line);
      continue;
    }
    if (line.trim().length === 0) continue;
    groups.push({ first: line, rest: [], pem: [] });
    inPem = PEM_BEGIN.test(line) && !PEM_END.test(line);
  }
  return groups.map((g) => toRecord(g, options));
}

interface Group {
  first: string;
  rest: string[];
  pem: string[];
}

const PEM_BEGIN = /-----BEGIN [A-Z ]*-----/;
const PEM_END = /-----END [A-Z ]*-----/;

function hasOwnTimestamp(line: string, options: DecodeOptions): boolean {
  if (!options.parseTextHeader || /^[ \t]/.test(line)) return false;
  const header = options.parseTextHeader(line);
  return header !== null && (header.timestamp !== null || header.epochMs !== null);
}

function toRecord({ first, rest, pem }: Group, options: DecodeOptions): LogRecord {
  const header = options.parseTextHeader?.(first) ?? null;
  const message = (header?.message ?? first).trim();
  const record = emptyRecord('text', pem.length > 0 ? `${message}\n${pem.join('\n')}` : message);
  if (header) {
    record.timestampText = header.timestamp;
    // Both kept: normalization re-reads the text with the source's time zone and falls back to epochMs.
    record.timestamp = header.epochMs;
    record.level = header.level;
    record.component = header.component;
    record.process = header.process;
    record.host = header.host;
  }
  if (rest.length > 0) {
    record.stack = parseStack(rest);
    const exception = rest.map((l) => l.trim()).find((l) => EXCEPTION_LINE.test(l));
    if (exception !== undefined) {
      record.attributes['exception.message'] = exception.replace(/^Caused by:\s*/, '');
      // A runtime's report of an uncaught exception names no level: it is the loudest error a process writes.
      if (record.level === null && record.stack.length > 0) record.level = 'error';
      // Node's report opens with the throw site alone, Python's with "Traceback": the exception says what happened.
      if (THROW_SITE.test(message)) record.message = exception;
    }
  }
  return record;
}
