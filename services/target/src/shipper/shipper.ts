import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Producer } from 'kafkajs';
import { cutLines } from './lines.js';

/** Who wrote a log file: the deployer writes it next to the log (`<name>.meta.json`) before the instance starts. */
export interface LogMeta {
  service: string;
  host: string;
  version: string;
  commit: string;
  instance: string;
}

export interface ShipperOptions {
  /** Directory of the instances' `*.log` files and their `*.meta.json` sidecars. */
  logDir: string;
  /** Byte offset shipped (and acknowledged by the broker) per file. */
  checkpointFile: string;
  topic: string;
  producer: Producer;
  /** Requests awaiting the broker's acknowledgement, over all files: reading stops while this many are out. */
  maxInFlight?: number;
  linesPerRecord?: number;
  maxRecordBytes?: number;
  /** Bytes read per file per pass. */
  readBytes?: number;
  pollMs?: number;
  onShipped?: (file: string, lines: number, toOffset: number) => void;
  /** A pass failed (the broker refused or did not answer); the shipper retries with backoff. */
  onError?: (error: Error) => void;
}

/**
 * Per file: `offset`, shipped and acknowledged up to here; `pendingEnd`, the end of the batch sent and not yet
 * acknowledged. A restarted shipper resends exactly [offset, pendingEnd) as one record, so a duplicate is an exact
 * copy of the first (same `log-file`, `log-offset`, lines), never a differently cut overlap.
 */
type Checkpoints = Record<string, { offset: number; ino: number; pendingEnd?: number }>;

/**
 * Follows the instances' stdout files and produces their lines to the raw telemetry topic, with the service,
 * host, version and commit of the writer as headers.
 *
 * Delivery is at least once: a file's offset is checkpointed only after the broker acknowledged (acks=all) the
 * records up to it, so a shipper killed at any point resends at most the batches it had in flight, and loses
 * nothing. Each record carries headers `log-file` and `log-offset` (the byte offset of its first line in that
 * file): a resent record is an exact copy of the first, with the same pair, which is how duplicates are told
 * apart (consumers keep the first record of each pair).
 */
export class LogShipper {
  private readonly checkpoints: Checkpoints;
  private inFlight = 0;
  private readonly waiters: Array<() => void> = [];
  private running = false;
  private loop: Promise<void> | null = null;

  constructor(private readonly opts: ShipperOptions) {
    this.checkpoints = existsSync(opts.checkpointFile)
      ? (JSON.parse(readFileSync(opts.checkpointFile, 'utf8')) as Checkpoints)
      : {};
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      let backoffMs = 500;
      while (this.running) {
        let shipped = 0;
        try {
          shipped = await this.pass();
          backoffMs = 500;
        } catch (error) {
          // The broker refused or is away: nothing past the acknowledged lines was checkpointed; try again later.
          this.opts.onError?.(error as Error);
          await new Promise((r) => setTimeout(r, backoffMs));
          backoffMs = Math.min(30_000, backoffMs * 2);
          continue;
        }
        if (!this.running) break;
        if (shipped === 0) await new Promise((r) => setTimeout(r, this.opts.pollMs ?? 200));
      }
    })();
  }

  /** Stops after the requests in flight were acknowledged and checkpointed. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** One pass over every log file: ships what was appended since the checkpoint. Returns lines shipped. */
  async pass(): Promise<number> {
    const files = existsSync(this.opts.logDir)
      ? readdirSync(this.opts.logDir).filter((f) => f.endsWith('.log'))
      : [];
    // Every file's run settles before a failure is reported: none keeps sending behind the caller's back.
    const results = await Promise.allSettled(files.map((f) => this.shipFile(f)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return results.reduce((a, r) => a + (r.status === 'fulfilled' ? r.value : 0), 0);
  }

  /** Offsets checkpointed so far, per file name. */
  offsets(): Record<string, number> {
    return Object.fromEntries(Object.entries(this.checkpoints).map(([f, c]) => [f, c.offset]));
  }

  private async shipFile(name: string): Promise<number> {
    const path = join(this.opts.logDir, name);
    const metaPath = join(this.opts.logDir, `${name.slice(0, -'.log'.length)}.meta.json`);
    if (!existsSync(metaPath)) return 0;
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as LogMeta;
    const stat = statSync(path);
    let checkpoint = this.checkpoints[name] ?? { offset: 0, ino: stat.ino };
    // A different file under the same name, or one cut shorter: start it from the beginning.
    if (checkpoint.ino !== stat.ino || stat.size < checkpoint.offset)
      checkpoint = { offset: 0, ino: stat.ino };
    if (stat.size === checkpoint.offset) return 0;
    const resend = checkpoint.pendingEnd !== undefined && checkpoint.pendingEnd <= stat.size;
    const length = resend
      ? checkpoint.pendingEnd! - checkpoint.offset
      : Math.min(stat.size - checkpoint.offset, this.opts.readBytes ?? 4 * 1024 * 1024);
    const buffer = Buffer.alloc(length);
    const handle = await open(path, 'r');
    try {
      await handle.read(buffer, 0, length, checkpoint.offset);
    } finally {
      await handle.close();
    }
    const batches = resend
      ? cutLines(buffer, checkpoint.offset, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY)
      : cutLines(
          buffer,
          checkpoint.offset,
          this.opts.linesPerRecord ?? 200,
          this.opts.maxRecordBytes ?? 256 * 1024,
        );
    let lines = 0;
    // One file's batches go out in order, one at a time, so its checkpoint only ever moves over acknowledged lines.
    for (const batch of batches) {
      if (batch.lines.length > 0) {
        this.checkpoints[name] = { offset: batch.fromOffset, ino: stat.ino, pendingEnd: batch.toOffset };
        this.saveCheckpoints();
        await this.acquire();
        try {
          await this.opts.producer.send({
            topic: this.opts.topic,
            acks: -1,
            messages: [
              {
                key: meta.service,
                value: batch.lines.join('\n'),
                // No content-type: the file is the process's stdout and stderr, the logger's JSON lines and whatever
                // the runtime writes beside them (an uncaught exception's report); the parser tells them apart.
                headers: {
                  service: meta.service,
                  host: meta.host,
                  version: meta.version,
                  commit: meta.commit,
                  'log-file': name,
                  'log-offset': String(batch.fromOffset),
                },
              },
            ],
          });
        } finally {
          this.release();
        }
      }
      lines += batch.lines.length;
      this.checkpoints[name] = { offset: batch.toOffset, ino: stat.ino };
      this.saveCheckpoints();
      this.opts.onShipped?.(name, batch.lines.length, batch.toOffset);
    }
    return lines;
  }

  private async acquire(): Promise<void> {
    while (this.inFlight >= (this.opts.maxInFlight ?? 4))
      await new Promise<void>((r) => this.waiters.push(r));
    this.inFlight += 1;
  }

  private release(): void {
    this.inFlight -= 1;
    this.waiters.shift()?.();
  }

  private saveCheckpoints(): void {
    const tmp = `${this.opts.checkpointFile}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.checkpoints));
    renameSync(tmp, this.opts.checkpointFile);
  }
}
