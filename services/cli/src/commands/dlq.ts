import type { Command } from 'commander';
import type { Kafka } from 'kafkajs';
import { createHash } from 'node:crypto';
import { DLQ_HEADERS, headersToStrings, readRanges, readTopic } from '@self-healing/shared';
import { DLQ_REDACTION_HEADERS } from '@self-healing/shared/redaction';
import { topicNames, withKafka } from '../context.js';
import { CliError, formatTime, printJson, printTable } from '../output.js';
import { partitionOffset } from '../options.js';

interface DeadLetter {
  partition: number;
  offset: string;
  key: string | null;
  sourceTopic: string | null;
  sourcePartition: string | null;
  sourceOffset: string | null;
  error: string | null;
  attempts: string | null;
  service: string | null;
  at: string | null;
  headers: Record<string, string>;
  value: Buffer | null;
}

async function readDeadLetters(kafka: Kafka, topic: string): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  await readTopic(kafka, topic, {
    onMessage: (m, partition) => {
      const h = headersToStrings(m.headers);
      letters.push({
        partition,
        offset: m.offset,
        key: m.key?.toString() ?? null,
        sourceTopic: h[DLQ_HEADERS.topic] ?? null,
        sourcePartition: h[DLQ_HEADERS.partition] ?? null,
        sourceOffset: h[DLQ_HEADERS.offset] ?? null,
        error: h[DLQ_HEADERS.error] ?? null,
        attempts: h[DLQ_HEADERS.attempts] ?? null,
        service: h[DLQ_HEADERS.service] ?? null,
        at: h[DLQ_HEADERS.at] ?? null,
        headers: h,
        value: m.value,
      });
    },
  });
  return letters;
}

export function registerDlqCommands(program: Command): void {
  const dlq = program.command('dlq').description('dead letters: list and re-drive');

  dlq
    .command('list')
    .description('list dead-lettered messages with why they failed and where they came from')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      await withKafka(async (kafka) => {
        const letters = await readDeadLetters(kafka, topicNames().deadLetter);
        if (opts.json)
          return printJson(letters.map(({ value, ...rest }) => ({ ...rest, bytes: value?.length ?? 0 })));
        printTable(
          letters.map((l) => ({
            ref: `${l.partition}:${l.offset}`,
            from: `${l.sourceTopic}[${l.sourcePartition}]@${l.sourceOffset}`,
            service: l.service,
            attempts: l.attempts,
            at: l.at ? formatTime(Date.parse(l.at)) : '-',
            error: l.error,
          })),
          ['ref', 'from', 'service', 'attempts', 'at', 'error'],
        );
      });
    });

  dlq
    .command('redrive')
    .description('send dead letters back to the topic they came from (after fixing the cause)')
    .option(
      '--ref <partition:offset...>',
      'only these dead letters (as shown by `dlq list`)',
      partitionOffset,
    )
    .option('--all', 'every dead letter')
    .option('--json', 'machine-readable output')
    .action(async (opts: { ref?: string[]; all?: boolean; json?: boolean }) => {
      if (!opts.all && !opts.ref?.length)
        throw new CliError('say which: --ref <partition:offset> ... or --all', 2);
      await withKafka(async (kafka) => {
        const letters = (await readDeadLetters(kafka, topicNames().deadLetter)).filter(
          (l) => opts.all || opts.ref?.includes(`${l.partition}:${l.offset}`),
        );
        const producer = kafka.producer({ idempotent: true });
        await producer.connect();
        try {
          for (const l of letters) {
            if (!l.sourceTopic)
              throw new CliError(`dead letter ${l.partition}:${l.offset} does not say where it came from`, 2);
            // The original headers go back as they were; the dead-letter ones stay behind, counting re-drives.
            const headers = Object.fromEntries(
              Object.entries(l.headers).filter(([k]) => !k.startsWith('dlq.')),
            );
            headers['redriven-from'] = `${topicNames().deadLetter}:${l.partition}:${l.offset}`;
            await producer.send({
              topic: l.sourceTopic,
              messages: [{ key: l.key, value: await originalValue(kafka, l), headers }],
            });
          }
        } finally {
          await producer.disconnect();
        }
        const result = { redriven: letters.map((l) => `${l.partition}:${l.offset}`) };
        if (opts.json) printJson(result);
        else process.stdout.write(`re-drove ${letters.length} dead letter(s)\n`);
      });
    });
}

/**
 * The value to send back: the dead letter's own when it is the original (our own events, or text redaction left
 * unchanged), else the original read from its source offset. The dead-letter topic keeps redacted or withheld
 * values (see redactDeadLetter); a redacted value re-driven would be parsed without the parts it lost.
 */
async function originalValue(kafka: Kafka, l: DeadLetter): Promise<Buffer | null> {
  const sha = l.headers[DLQ_REDACTION_HEADERS.originalSha256];
  const unchanged =
    sha === undefined || (l.value !== null && createHash('sha256').update(l.value).digest('hex') === sha);
  if (unchanged) return l.value;
  const offset = Number(l.sourceOffset);
  const partition = Number(l.sourcePartition);
  if (!l.sourceTopic || !Number.isInteger(offset) || !Number.isInteger(partition))
    throw new CliError(
      `dead letter ${l.partition}:${l.offset} was redacted and does not say where its original is`,
    );
  let found: Buffer | null = null;
  try {
    await readRanges(
      kafka,
      l.sourceTopic,
      [{ partition, fromOffset: offset, toOffset: offset + 1 }],
      (messages) => {
        found = messages[0]?.value ?? null;
      },
    );
  } catch (error) {
    throw new CliError(
      `dead letter ${l.partition}:${l.offset} was redacted, and its original at ${l.sourceTopic}[${partition}]@${offset} cannot be read: ${(error as Error).message}`,
    );
  }
  return found;
}
