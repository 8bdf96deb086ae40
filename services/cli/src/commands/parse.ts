import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import type { Collection } from 'mongodb';
import type { OffsetRange } from '@self-healing/shared';
import { codecFor, topicNames, withKafka, withMongo } from '../context.js';
import { printJson } from '../output.js';
import { requestParse } from './ship.js';

interface CursorDoc {
  _id: string;
  /** Per partition, the first offset not yet requested for parsing. */
  next: Record<string, number>;
  updatedAt: Date;
}

/** The ranges between what was requested before and the end of each partition now. */
export function newRanges(
  ends: Array<{ partition: number; low: number; high: number }>,
  next: Record<string, number>,
): OffsetRange[] {
  return ends
    .map((e) => ({
      partition: e.partition,
      fromOffset: Math.max(next[String(e.partition)] ?? e.low, e.low),
      toOffset: e.high,
    }))
    .filter((r) => r.toOffset > r.fromOffset)
    .sort((a, b) => a.partition - b.partition);
}

/**
 * `healctl parse`: requests a parse run of everything upstream systems published to the raw topic since the last
 * request (a cursor per topic in MongoDB), so a timer (`*\/5 * * * * npm run healctl -- parse`) keeps telemetry
 * flowing into detection. The cursor moves only once the request is on the commands topic.
 *
 * The cursor knows only its own requests: records that `ship --parse` had parsed are parsed again by the next
 * `healctl parse` (their counts then appear twice). On one raw topic use one of the two, or `ship` without `--parse`.
 */
export function registerParseCommand(program: Command): void {
  program
    .command('parse')
    .description('request a parse run of what was published to the raw topic since the last request')
    .option('--service <name>', 'only this service (default: every service found)')
    .option('--run-id <id>', 'id of the parse run (default: a new one)')
    .option('--window-ms <ms>', 'aggregation window of the run', (v) => Number.parseInt(v, 10))
    .option('--json', 'machine-readable output')
    .action(async (opts: { service?: string; runId?: string; windowMs?: number; json?: boolean }) => {
      const topic = topicNames().telemetryRaw;
      await withKafka(async (kafka, e) =>
        withMongo(async (db) => {
          const cursors: Collection<CursorDoc> = db.collection<CursorDoc>('parse_cursors');
          const cursor = await cursors.findOne({ _id: topic });
          const admin = kafka.admin();
          await admin.connect();
          const ends = (await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect())).map((o) => ({
            partition: o.partition,
            low: Number(o.low),
            high: Number(o.high),
          }));
          const ranges = newRanges(ends, cursor?.next ?? {});
          if (ranges.length === 0) {
            if (opts.json) printJson({ runId: null, ranges: [] });
            else process.stdout.write(`nothing new on ${topic} since the last parse request\n`);
            return;
          }
          const runId = opts.runId ?? `parse-${randomUUID()}`;
          const records = ranges.reduce((n, r) => n + r.toOffset - r.fromOffset, 0);
          await requestParse(
            kafka,
            codecFor(e.schemaRegistryUrl),
            topicNames().commands,
            runId,
            { topic, files: [], lines: 0, records, bytes: 0, ranges },
            {
              services: opts.service ? [opts.service] : [],
              ...(opts.windowMs ? { windowMs: opts.windowMs } : {}),
              comment: `${records} new record(s) on ${topic}`,
            },
          );
          const next = { ...(cursor?.next ?? {}) };
          for (const r of ranges) next[String(r.partition)] = r.toOffset;
          await cursors.updateOne(
            { _id: topic },
            { $set: { next, updatedAt: new Date() } },
            { upsert: true },
          );
          if (opts.json) printJson({ runId, ranges, records });
          else
            process.stdout.write(
              `parse requested: run ${runId} over ${records} record(s); follow it with: npm run healctl -- incidents show ${runId}\n`,
            );
        }),
      );
    });
}
