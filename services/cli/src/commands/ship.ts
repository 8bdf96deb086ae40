import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import {
  SHIP_CONTENT_TYPES,
  ShipInputError,
  filesUnder,
  sendParseCommands,
  ship,
  type ShipOptions,
} from '@self-healing/telemetry-parse';
import { codecFor, topicNames, withKafka, withMongo } from '../context.js';
import { planRequests } from '../ranges/parseLedger.js';
import { ParseLedgerStore, requestThroughLedger } from './parseRequests.js';
import { CliError, printJson } from '../output.js';
import { integerIn, oneOf } from '../options.js';

/** The shipper's input mistakes (no files, an unknown format) are bad usage: exit 2. */
async function asUsage<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof ShipInputError) throw new CliError(error.message, 2);
    throw error;
  }
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
      `${Object.keys(SHIP_CONTENT_TYPES).join(' | ')} (default: detected per record)`,
      oneOf(Object.keys(SHIP_CONTENT_TYPES)),
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
            : (await asUsage(Promise.all(paths.map(filesUnder))))
                .flat()
                .reduce((s, f) => s + statSync(f).size, 0);
          const bar =
            !opts.json && process.stderr.isTTY && total > 0
              ? new SingleBar(
                  { format: 'shipping [{bar}] {percentage}% {value}/{total} bytes', stream: process.stderr },
                  Presets.shades_classic,
                )
              : null;
          bar?.start(total, 0);
          const shipped = await asUsage(
            ship(kafka, paths, { ...opts, topic: opts.topic ?? topicNames().telemetryRaw }, (b) =>
              bar?.update(Math.min(b, total)),
            ),
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
