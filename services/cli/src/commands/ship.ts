import { createReadStream, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import type { Kafka } from 'kafkajs';
import type { OffsetRange, RegistryCodec } from '@self-healing/shared';
import { isContinuationLine } from '@self-healing/telemetry-parse';
import { codecFor, topicNames, withKafka, withMongo } from '../context.js';
import { planRequests } from '../ranges/parseLedger.js';
import { ParseLedgerStore, requestThroughLedger, sendParseCommands } from './parseRequests.js';
import { CliError, printJson } from '../output.js';
import { integerIn, oneOf } from '../options.js';

const CONTENT_TYPES: Record<string, string> = {
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
    throw new CliError(`no such file or directory: ${path}`, 2);
  }
  if (stat.isFile()) return [full];
  if (!stat.isDirectory()) throw new CliError(`not a file or directory: ${path}`, 2);
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
  if (files.length === 0) throw new CliError('nothing to ship: no files found', 2);
  if (opts.format && !CONTENT_TYPES[opts.format])
    throw new CliError(`unknown format ${opts.format}; one of ${Object.keys(CONTENT_TYPES).join(', ')}`, 2);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const ranges = new Map<number, OffsetRange>();
  const result: ShipResult = { topic: opts.topic, files, lines: 0, records: 0, bytes: 0, ranges: [] };
  const headers: Record<string, string> = { service: opts.service };
  if (opts.host) headers.host = opts.host;
  if (opts.format) headers['content-type'] = CONTENT_TYPES[opts.format]!;
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

export function registerShipCommand(program: Command): void {
  program
    .command('ship')
    .description(
      'ship log files, a directory of them, or stdin (-) to the raw telemetry topic, then optionally request their parse',
    )
    .argument('<paths...>', 'files or directories; - for stdin')
    .requiredOption('--service <name>', 'the service that wrote these logs')
    .option('--host <name>', 'the host they come from')
    .option(
      '--format <format>',
      `${Object.keys(CONTENT_TYPES).join(' | ')} (default: detected per record)`,
      oneOf(Object.keys(CONTENT_TYPES)),
    )
    .option('--topic <topic>', "raw telemetry topic (default: the catalogue's, under TOPIC_PREFIX)")
    .option('--lines-per-record <n>', 'lines per Kafka record (1..100000)', integerIn(1, 100_000), 200)
    .option(
      '--parse',
      'request a parse of what was shipped, less what an earlier parse request already covers',
    )
    .option('--run-id <id>', 'id of the parse run (default: derived from the shipped offset ranges)')
    .option(
      '--window-ms <ms>',
      'aggregation window of the parse run (1000..86400000)',
      integerIn(1_000, 86_400_000),
    )
    .option('--json', 'machine-readable output')
    .action(
      async (
        paths: string[],
        opts: ShipOptions & { parse?: boolean; runId?: string; windowMs?: number; json?: boolean },
      ) => {
        await withKafka(async (kafka, e) => {
          const total = paths.includes('-')
            ? 0
            : (await Promise.all(paths.map(filesUnder))).flat().reduce((s, f) => s + statSync(f).size, 0);
          const bar =
            !opts.json && process.stderr.isTTY && total > 0
              ? new SingleBar(
                  { format: 'shipping [{bar}] {percentage}% {value}/{total} bytes', stream: process.stderr },
                  Presets.shades_classic,
                )
              : null;
          bar?.start(total, 0);
          const shipped = await ship(
            kafka,
            paths,
            { ...opts, topic: opts.topic ?? topicNames().telemetryRaw },
            (b) => bar?.update(Math.min(b, total)),
          );
          bar?.stop();
          let runIds: string[] = [];
          if (opts.parse) {
            const codec = codecFor(e.schemaRegistryUrl);
            // No service filter: the ledger records ranges, and records that other producers wrote between our
            // batches lie inside them; they carry their own service header and are parsed here, not later.
            const { sent, resent } = await withMongo((db) =>
              requestThroughLedger(
                new ParseLedgerStore(db, shipped.topic),
                (requests) => sendParseCommands(kafka, codec, topicNames().commands, shipped.topic, requests),
                (state, now) =>
                  planRequests(
                    state,
                    shipped.ranges,
                    {
                      topic: shipped.topic,
                      ...(opts.runId ? { runId: opts.runId } : {}),
                      services: [],
                      windowMs: opts.windowMs ?? null,
                      comment: (n) => `ship of ${shipped.files.length} file(s) (${n} record(s))`,
                    },
                    now,
                  ),
              ),
            );
            runIds = sent.map((r) => r.runId);
            if (resent.length > 0 && !opts.json)
              process.stderr.write(
                `sent again ${resent.length} parse request(s) an interrupted invocation had left pending\n`,
              );
          }
          const runId = runIds[0] ?? null;
          const out = { ...shipped, parseRunId: runId, parseRunIds: runIds };
          if (opts.json) printJson(out);
          else {
            process.stdout.write(
              `shipped ${shipped.lines} lines (${shipped.bytes} bytes) from ${shipped.files.length} file(s) as ${shipped.records} records to ${shipped.topic}\n`,
            );
            for (const id of runIds)
              process.stdout.write(
                `parse requested: run ${id}; follow it with: npm run healctl -- incidents show ${id}\n`,
              );
            if (opts.parse && runIds.length === 0)
              process.stdout.write(
                'parse not requested: another parse request already covers these records\n',
              );
          }
        });
      },
    );
}

/**
 * Sends one parse command over exactly `shipped.ranges`, outside the ledger of parse requests (benchmarks, tests
 * and the demo, on topics of their own). `healctl ship --parse` goes through the ledger instead.
 */
export async function requestParse(
  kafka: Kafka,
  codec: RegistryCodec,
  commandsTopic: string,
  runId: string,
  shipped: ShipResult,
  opts: { service?: string; services?: string[]; windowMs?: number; comment?: string },
): Promise<void> {
  await sendParseCommands(kafka, codec, commandsTopic, shipped.topic, [
    {
      runId,
      ranges: shipped.ranges,
      services: opts.services ?? (opts.service ? [opts.service] : []),
      windowMs: opts.windowMs ?? null,
      comment: opts.comment ?? `ship of ${shipped.files.length} file(s)`,
    },
  ]);
}
