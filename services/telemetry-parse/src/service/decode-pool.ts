import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { LogFormat, TextHeaderParser } from '../decode/types.js';
import { SourceHeaderReader, type FormatSpec } from '../header/index.js';
import { extractNumbers } from '../mining/index.js';
import { mergeCounts } from '../normalize/index.js';
import { decodeRecords, type DecodedBatch, type PositionedRecord } from './steps.js';

/**
 * Decoding (JSON parsing, header extraction, redaction, numbers) is the stateless half of extraction and about
 * half its cost; mining must stay on one thread, in order. This pool decodes slices of a run on worker threads
 * while the beat mines the slices already decoded, so a run uses a second core.
 *
 * With `size` 0 (or if a worker cannot start) it decodes on the calling thread: same result, no parallelism.
 */

export interface DecodeJob {
  records: readonly PositionedRecord[];
  defaultService: string;
  formats: readonly LogFormat[];
  /** Declared log formats per service (catalogue `logFormat`); services without one get an inferred header. */
  headerFormats?: Record<string, FormatSpec>;
}

/** What crosses to a worker: the values packed in one transferred buffer, the rest as plain data. */
export interface PackedJob {
  id: number;
  buffer: ArrayBuffer;
  records: Array<{
    position: string;
    start: number;
    end: number;
    headers: Record<string, string | undefined>;
    key?: string;
    timestamp?: number;
  }>;
  defaultService: string;
  formats: LogFormat[];
  headerFormats?: Record<string, FormatSpec>;
}

export type WorkerReply = { id: number; batch: DecodedBatch } | { id: number; error: string };

/** Packs a job's record values into one buffer, so the transfer moves it instead of copying pooled Kafka buffers. */
export function packJob(id: number, job: DecodeJob): PackedJob {
  let total = 0;
  for (const r of job.records) total += r.record.value.byteLength;
  const bytes = new Uint8Array(total);
  let at = 0;
  const records = job.records.map(({ position, record }) => {
    bytes.set(record.value, at);
    const packed = {
      position,
      start: at,
      end: at + record.value.byteLength,
      headers: record.headers,
      ...(record.key !== undefined ? { key: record.key } : {}),
      ...(record.timestamp !== undefined ? { timestamp: record.timestamp } : {}),
    };
    at = packed.end;
    return packed;
  });
  return {
    id,
    buffer: bytes.buffer,
    records,
    defaultService: job.defaultService,
    formats: [...job.formats],
    ...(job.headerFormats !== undefined ? { headerFormats: job.headerFormats } : {}),
  };
}

export function unpackJob(job: PackedJob): DecodeJob {
  const bytes = new Uint8Array(job.buffer);
  return {
    records: job.records.map((r) => ({
      position: r.position,
      record: {
        value: bytes.subarray(r.start, r.end),
        headers: r.headers,
        ...(r.key !== undefined ? { key: r.key } : {}),
        ...(r.timestamp !== undefined ? { timestamp: r.timestamp } : {}),
      },
    })),
    defaultService: job.defaultService,
    formats: job.formats,
    ...(job.headerFormats !== undefined ? { headerFormats: job.headerFormats } : {}),
  };
}

/**
 * The decode half of extraction, as the worker and the in-thread fallback both run it. Decoders reject what
 * they cannot read instead of throwing; should one throw all the same, the job is decoded again record by
 * record, and the record that throws is rejected and dead-lettered with its error: the others go on.
 */
export function decodeJob(job: DecodeJob): DecodedBatch {
  // One header reader per service for this job: its declared format, else a header inferred from its lines.
  const readers = new Map<string, TextHeaderParser>();
  const headerParserFor = (service: string): TextHeaderParser => {
    let parser = readers.get(service);
    if (parser === undefined) {
      let reader: SourceHeaderReader;
      try {
        reader = new SourceHeaderReader({ format: job.headerFormats?.[service] ?? null });
      } catch {
        // A declaration that does not compile is refused where it is declared; here the lines still get a header.
        reader = new SourceHeaderReader();
      }
      parser = reader.parser;
      readers.set(service, parser);
    }
    return parser;
  };
  const options = {
    headerParserFor,
    extractNumbers,
    defaultService: job.defaultService,
    formats: job.formats,
  };
  try {
    return decodeRecords(job.records, options);
  } catch {
    return concatBatches(
      job.records.map((one) => {
        try {
          return decodeRecords([one], options);
        } catch (error) {
          return crashedRecord(one.position, error);
        }
      }),
    );
  }
}

/** The account of one record whose decoding threw: rejected, counted, dead-lettered. */
export function crashedRecord(position: string, error: unknown): DecodedBatch {
  const detail = (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 500);
  const batch = decodeRecords([], { defaultService: '' });
  batch.records = 1;
  batch.unparsed = 1;
  batch.rejected[DECODE_CRASHED] = 1;
  batch.deadLetters.push({ position, reason: DECODE_CRASHED, detail });
  return batch;
}

export const DECODE_CRASHED = 'decode-crashed';

/** Batches decoded apart, as one (columns in order, accounts summed). */
export function concatBatches(parts: readonly DecodedBatch[]): DecodedBatch {
  const out = decodeRecords([], { defaultService: '' });
  for (const p of parts) {
    for (const column of COLUMNS) {
      const into = out[column] as unknown[];
      for (const v of p[column] as unknown[]) into.push(v);
    }
    out.size += p.size;
    out.records += p.records;
    out.unparsed += p.unparsed;
    for (const [reason, n] of Object.entries(p.rejected))
      out.rejected[reason] = (out.rejected[reason] ?? 0) + n;
    for (const d of p.deadLetters) out.deadLetters.push(d);
    mergeCounts(out.redactions, p.redactions);
  }
  return out;
}

const COLUMNS = [
  'position',
  'service',
  'message',
  'numbers',
  'fallbackTime',
  'format',
  'timestamp',
  'timestampText',
  'level',
  'host',
  'component',
  'traceId',
  'spanId',
  'sessionId',
  'quantities',
  'stack',
] as const satisfies ReadonlyArray<keyof DecodedBatch>;

/**
 * Worker threads to use by default: one per core beyond the first (the mining thread's), at most four, none on a
 * single core. In isolation two decoders on two cores extract faster than one (the mining thread waits on a single
 * decoder ~40% of the time), but end to end, with Kafka and MongoDB on the same two cores, one did as well or
 * better (bench:parse, 3 runs each: 46.4k/44.8k/46.3k vs 45.7k/41.7k/44.1k lines/s).
 */
export function defaultDecodeWorkers(): number {
  return Math.max(0, Math.min(4, availableParallelism() - 1));
}

interface Pending {
  /** Kept (its values were copied into the transferred buffer) so a job whose worker dies is decoded here. */
  job: DecodeJob;
  resolve: (batch: DecodedBatch) => void;
  reject: (error: Error) => void;
}

/** tsx's ESM API entry, found through its package.json (its CommonJS entry cannot register ESM hooks in a worker). */
function tsxEsmApi(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('tsx/package.json');
  const exportsMap = (require(manifest) as { exports: Record<string, { import: { default: string } }> })
    .exports;
  const entry = exportsMap['./esm/api']?.import.default;
  if (!entry) throw new Error('tsx does not export ./esm/api');
  return pathToFileURL(join(dirname(manifest), entry)).href;
}

/**
 * Starts the worker. From TypeScript sources (development, tests, benches) the worker first registers tsx's
 * loader, which the main thread's loader does not pass on to workers; built code starts the `.js` file directly.
 */
function startWorker(): Worker {
  const fromSources = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSources ? './decode-worker.ts' : './decode-worker.js', import.meta.url);
  if (!fromSources) return new Worker(entry);
  const tsx = tsxEsmApi();
  return new Worker(
    `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry.href)}); });`,
    { eval: true },
  );
}

export class DecodePool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private turn = 0;
  private fallbackReason: string | null = null;

  constructor(
    size: number,
    private readonly onWorkerFailure: (reason: string) => void = () => undefined,
  ) {
    for (let i = 0; i < size; i++) {
      try {
        this.workers.push(this.watch(startWorker()));
      } catch (error) {
        this.fallBack(`cannot start a decode worker: ${(error as Error).message}`);
        break;
      }
    }
  }

  /** Worker threads in use (0 once the pool has fallen back to the calling thread). */
  get size(): number {
    return this.workers.length;
  }

  decode(job: DecodeJob): Promise<DecodedBatch> {
    const worker = this.workers[this.turn++ % Math.max(1, this.workers.length)];
    if (!worker) return Promise.resolve().then(() => decodeJob(job));
    const id = this.nextId++;
    const packed = packJob(id, job);
    return new Promise<DecodedBatch>((resolve, reject) => {
      this.pending.set(id, { job, resolve, reject });
      worker.postMessage(packed, [packed.buffer]);
    });
  }

  async close(): Promise<void> {
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private watch(worker: Worker): Worker {
    // The pool must never keep a stopping service alive.
    worker.unref();
    worker.on('message', (reply: WorkerReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if ('error' in reply) p.reject(new Error(`decode worker: ${reply.error}`));
      else p.resolve(reply.batch);
    });
    worker.on('error', (error) => this.fallBack(`a decode worker failed: ${error.message}`));
    worker.on('exit', (code) => {
      if (this.workers.includes(worker)) this.fallBack(`a decode worker exited with code ${code}`);
    });
    return worker;
  }

  /**
   * A worker that fails takes the pool back to the calling thread for good: jobs in flight are decoded here
   * (decodeJob rejects a record that cannot be decoded rather than throwing), so the run goes on, and the reason
   * is reported once.
   */
  private fallBack(reason: string): void {
    const workers = this.workers.splice(0);
    for (const w of workers) void w.terminate();
    const inFlight = [...this.pending.values()];
    this.pending.clear();
    for (const p of inFlight) {
      try {
        p.resolve(decodeJob(p.job));
      } catch (error) {
        p.reject(error instanceof Error ? error : new Error(String(error)));
      }
    }
    if (this.fallbackReason === null) {
      this.fallbackReason = reason;
      this.onWorkerFailure(reason);
    }
  }
}
