// Publishing log files to the raw telemetry topic and asking for their parse: what an upstream system, the CLI,
// the demo and the benchmarks all do, so it lives beside the stage that consumes it rather than in any one of them.
import { createReadStream, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { Kafka } from 'kafkajs';
import type { OffsetRange } from '@self-healing/shared';
import { isContinuationLine } from '../decode/index.js';

/** Bad input to `ship` (no files, an unknown format): the caller's mistake, not a failure of the servers. */
export class ShipInputError extends Error {
  override name = 'ShipInputError';
}

/** The `content-type` header for each format a shipper may declare (otherwise the parser detects it per record). */
export const SHIP_CONTENT_TYPES: Record<string, string> = {
  text: 'text/plain',
  json: 'application/json',
  'otlp-json': 'application/json; otlp',
  'otlp-proto': 'application/x-protobuf; otlp',
};

export interface ShipOptions {
  service: string;
  host?: string;
  format?: string;
  topic: string;
  linesPerRecord: number;
}

export interface ShipResult {
  topic: string;
  files: string[];
  lines: number;
  records: number;
  bytes: number;
  ranges: OffsetRange[];
}

/** Regular files under a path (a file, or a directory walked recursively, in name order); `-` is stdin. */
export async function filesUnder(path: string): Promise<string[]> {
  if (path === '-') return ['-'];
  const full = resolve(path);
  let stat;
  try {
    stat = statSync(full);
  } catch {
    throw new ShipInputError(`no such file or directory: ${path}`);
  }
  if (stat.isFile()) return [full];
  if (!stat.isDirectory()) throw new ShipInputError(`not a file or directory: ${path}`);
  const out: string[] = [];
  for (const entry of (await readdir(full, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (entry.name.startsWith('.')) continue;
    const child = join(full, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(child)));
    else if (entry.isFile()) out.push(child);
  }
  return out;
}

/**
 * Groups lines into Kafka records of at most `max` lines, never separating a stack trace or other
 * continuation line from the line it belongs to, so that the parser sees whole multi-line records.
 */
export class LineBatcher {
  private lines: string[] = [];
  constructor(
    private readonly max: number,
    private readonly emit: (lines: string[]) => Promise<void>,
  ) {}

  /** Adds a line; returns a promise only when a full record had to be emitted first (await it then). */
  push(line: string): Promise<void> | undefined {
    if (this.lines.length >= this.max && !isContinuationLine(line)) {
      const emitted = this.flush();
      this.lines.push(line);
      return emitted;
    }
    this.lines.push(line);
    return undefined;
  }

  async flush(): Promise<void> {
    if (this.lines.length === 0) return;
    const lines = this.lines;
    this.lines = [];
    await this.emit(lines);
  }
}

/**
 * The lines of a stream (LF or CRLF), one block per chunk read: readline's one await per line cost more than
 * sending the lines to Kafka.
 */
export async function* lineBlocks(input: NodeJS.ReadableStream): AsyncGenerator<string[]> {
  const decoder = new StringDecoder('utf8');
  const clean = (lines: string[]) => lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  let carry = '';
  for await (const chunk of input) {
    const lines = (carry + (typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer))).split('\n');
    carry = lines.pop()!;
    yield clean(lines);
  }
  const rest = carry + decoder.end();
  if (rest.length > 0) yield clean(rest.split('\n'));
}

/** Ships files (or stdin) to the raw telemetry topic and returns the exact offset ranges written. */
export async function ship(
  kafka: Kafka,
  paths: string[],
  opts: ShipOptions,
  onProgress?: (bytes: number) => void,
): Promise<ShipResult> {
  const files = (await Promise.all(paths.map(filesUnder))).flat();
  if (files.length === 0) throw new ShipInputError('nothing to ship: no files found');
  if (opts.format && !SHIP_CONTENT_TYPES[opts.format])
    throw new ShipInputError(
      `unknown format ${opts.format}; one of ${Object.keys(SHIP_CONTENT_TYPES).join(', ')}`,
    );
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const ranges = new Map<number, OffsetRange>();
  const result: ShipResult = { topic: opts.topic, files, lines: 0, records: 0, bytes: 0, ranges: [] };
  const headers: Record<string, string> = { service: opts.service };
  if (opts.host) headers.host = opts.host;
  if (opts.format) headers['content-type'] = SHIP_CONTENT_TYPES[opts.format]!;
  let pending: Array<{ key: string; value: string; headers: Record<string, string> }> = [];
  let pendingBytes = 0;
  // One request in flight while the next batch is read: reading and sending overlap, and requests stay in order.
  let inFlight: Promise<void> = Promise.resolve();
  const send = async () => {
    await inFlight;
    if (pending.length === 0) return;
    const messages = pending;
    pending = [];
    pendingBytes = 0;
    inFlight = sendBatch(messages);
    // Handled here so a failure while the next batch is read is not an unhandled rejection; `await inFlight` still throws it.
    inFlight.catch(() => undefined);
  };
  const sendBatch = async (messages: typeof pending) => {
    const metadata = await producer.send({ topic: opts.topic, acks: -1, messages });
    // One key (the service) means one partition per call; its records are consecutive from baseOffset.
    for (const m of metadata) {
      const from = Number(m.baseOffset);
      const r = ranges.get(m.partition);
      const to = from + messages.length;
      ranges.set(
        m.partition,
        r
          ? {
              partition: m.partition,
              fromOffset: Math.min(r.fromOffset, from),
              toOffset: Math.max(r.toOffset, to),
            }
          : { partition: m.partition, fromOffset: from, toOffset: to },
      );
    }
  };
  try {
    for (const file of files) {
      const batcher = new LineBatcher(opts.linesPerRecord, async (lines) => {
        const value = lines.join('\n');
        pending.push({
          key: opts.service,
          value,
          headers: { ...headers, ...(file === '-' ? {} : { file }) },
        });
        result.records += 1;
        pendingBytes += value.length;
        // Kafka refuses requests over its message size limit (1 MB by default): send well before it.
        if (pendingBytes >= 512 * 1024) await send();
      });
      const input = file === '-' ? process.stdin : createReadStream(file);
      input.on('data', (chunk: Buffer | string) => {
        result.bytes += chunk.length;
        onProgress?.(result.bytes);
      });
      for await (const block of lineBlocks(input)) {
        for (const line of block) {
          if (line.length === 0) continue;
          result.lines += 1;
          const emitted = batcher.push(line);
          if (emitted) await emitted;
        }
      }
      await batcher.flush();
    }
    await send();
    await inFlight;
  } finally {
    await inFlight.catch(() => undefined);
    await producer.disconnect();
  }
  result.ranges = [...ranges.values()].sort((a, b) => a.partition - b.partition);
  return result;
}
