import type { Command } from 'commander';
import { codecFor, topicNames, withKafka, withMongo } from '../context.js';
import { printJson } from '../output.js';
import { integerIn } from '../options.js';
import { offsetCount, unrequestedRanges, type PartitionEnds } from '../ranges/offsetRanges.js';
import {
  claimedRanges,
  planRequests,
  type LedgerState,
  type PendingRequest,
  type RequestTemplate,
} from '../ranges/parseLedger.js';
import { sendParseCommands } from '@self-healing/telemetry-parse';
import type { Kafka } from 'kafkajs';
import type { Db } from 'mongodb';
import type { RegistryCodec } from '@self-healing/shared';
import { ParseLedgerStore, requestThroughLedger, type LedgerRequestOutcome } from './parseRequests.js';

/**
 * The requests `healctl parse` makes from a ledger and the partitions' ends: every retained offset not claimed by
 * an earlier or pending request, from the log start (retention) to the high watermark, gaps included.
 */
export function planParse(
  state: LedgerState,
  ends: readonly PartitionEnds[],
  template: RequestTemplate,
  now: number,
): PendingRequest[] {
  return planRequests(state, unrequestedRanges(ends, claimedRanges(state)), template, now);
}

/**
 * Requests a parse of every record of the raw topic that no request has covered yet, through the topic's ledger (see
 * `requestThroughLedger`): what `healctl parse` does once, and the demo every few seconds on live telemetry.
 */
export async function requestUnparsed(
  kafka: Kafka,
  db: Db,
  codec: RegistryCodec,
  p: { rawTopic: string; commandsTopic: string; runId?: string; windowMs: number | null },
): Promise<LedgerRequestOutcome> {
  const admin = kafka.admin();
  await admin.connect();
  const ends: PartitionEnds[] = (
    await admin.fetchTopicOffsets(p.rawTopic).finally(() => admin.disconnect())
  ).map((o) => ({ partition: o.partition, low: Number(o.low), high: Number(o.high) }));
  return requestThroughLedger(
    new ParseLedgerStore(db, p.rawTopic),
    (requests) => sendParseCommands(kafka, codec, p.commandsTopic, p.rawTopic, requests),
    (state, now) =>
      planParse(
        state,
        ends,
        {
          topic: p.rawTopic,
          ...(p.runId ? { runId: p.runId } : {}),
          services: [],
          windowMs: p.windowMs,
          comment: (n) => `${n} record(s) on ${p.rawTopic} not requested before`,
        },
        now,
      ),
  );
}

/** The runs a follower requested last, and when. */
export interface LastRequest {
  runIds: readonly string[];
  at: number;
}

/**
 * Whether a follower of the raw topic waits this tick: while runs it requested are not stored yet, for up to
 * `maxWaitMs` (a run that failed is never stored). Requesting anyway while parsing is behind queues many small runs,
 * each paying a run's fixed cost of seven committed beats; waiting lets the next request take the whole backlog as
 * one larger run (seen under chaos on two cores: a 5 s run done every 12-20 s, parsing minutes behind).
 */
export function followerWaits(
  last: LastRequest | null,
  unstored: number,
  now: number,
  maxWaitMs: number,
): boolean {
  return last !== null && unstored > 0 && now - last.at < maxWaitMs;
}

/**
 * Requests what is unparsed every time it is called, except while the runs it requested last are still being parsed
 * (see `followerWaits`): what the demo calls every few seconds on live telemetry.
 */
export function unparsedFollower(
  kafka: Kafka,
  db: Db,
  codec: RegistryCodec,
  p: { rawTopic: string; commandsTopic: string; windowMs: number | null; maxWaitMs?: number },
): () => Promise<LedgerRequestOutcome | null> {
  let last: LastRequest | null = null;
  return async () => {
    const unstored = last
      ? last.runIds.length -
        (await db.collection('telemetry_runs').countDocuments({ _id: { $in: [...last.runIds] as never[] } }))
      : 0;
    if (followerWaits(last, unstored, Date.now(), p.maxWaitMs ?? 120_000)) return null;
    const outcome = await requestUnparsed(kafka, db, codec, p);
    const runIds = [...outcome.sent, ...outcome.resent].map((r) => r.runId);
    if (runIds.length > 0) last = { runIds, at: Date.now() };
    return outcome;
  };
}

/**
 * `healctl parse`: requests a parse of every record of the raw topic that no parse request has covered yet, so a
 * timer (`*\/5 * * * * npm run healctl -- parse`) keeps what upstream systems publish flowing into detection.
 *
 * What was requested is one ledger per raw topic (MongoDB `parse_ledger`, offset ranges per partition), written by
 * this command and by `ship --parse` alike: a request covers the complement of the ledger up to the high
 * watermarks, gaps included, in as few ranges as possible, so records a `ship --parse` requested are not requested
 * again. Ranges are reserved by a compare-and-set write of the ledger's next version before the command is sent
 * (so concurrent invocations never both take a range) and settled after; see `requestThroughLedger` for crashes in
 * between. A parse command names each partition once, so gaps in a partition are requested as several runs. There
 * is no service filter: the ledger records ranges, so a request covers every service's records in them.
 */
export function registerParseCommand(program: Command): void {
  program
    .command('parse')
    .description('request a parse of every record on the raw topic that no parse request has covered yet')
    .option('--run-id <id>', 'id of the parse run (default: derived from the offset ranges)')
    .option(
      '--window-ms <ms>',
      'aggregation window of the run (1000..86400000)',
      integerIn(1_000, 86_400_000),
    )
    .option('--json', 'machine-readable output')
    .action(async (opts: { runId?: string; windowMs?: number; json?: boolean }) => {
      const topic = topicNames().telemetryRaw;
      await withKafka(async (kafka, e) =>
        withMongo(async (db) => {
          const { sent, resent } = await requestUnparsed(kafka, db, codecFor(e.schemaRegistryUrl), {
            rawTopic: topic,
            commandsTopic: topicNames().commands,
            ...(opts.runId ? { runId: opts.runId } : {}),
            windowMs: opts.windowMs ?? null,
          });
          const ranges = sent.flatMap((r) => r.ranges);
          const records = offsetCount(ranges);
          const runs = sent.map((r) => ({
            runId: r.runId,
            ranges: r.ranges,
            records: offsetCount(r.ranges),
          }));
          if (opts.json)
            printJson({
              runId: runs[0]?.runId ?? null,
              runs,
              ranges,
              records,
              resent: resent.map((r) => r.runId),
            });
          else {
            if (resent.length > 0)
              process.stdout.write(
                `sent again ${resent.length} parse request(s) an interrupted invocation had left pending: ${resent.map((r) => r.runId).join(', ')}\n`,
              );
            if (runs.length === 0) process.stdout.write(`nothing on ${topic} left to request\n`);
            for (const run of runs)
              process.stdout.write(
                `parse requested: run ${run.runId} over ${run.records} record(s); follow it with: npm run healctl -- incidents show ${run.runId}\n`,
              );
          }
        }),
      );
    });
}
