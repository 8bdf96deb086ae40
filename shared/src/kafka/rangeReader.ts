import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { PermanentError } from '../errors.js';

export interface OffsetRange {
  partition: number;
  /** Inclusive. */
  fromOffset: number;
  /** Exclusive. */
  toOffset: number;
}

/**
 * Reads exactly the records in the given offset ranges of a topic (a parse run's source), in offset order per
 * partition, in batches. Re-reading the same ranges yields the same records, which is what makes a parse run
 * replayable and its beats idempotent. A range the log no longer holds (retention) is an error, not silence.
 */
export async function readRanges(
  kafka: Kafka,
  topic: string,
  ranges: OffsetRange[],
  onBatch: (messages: KafkaMessage[], partition: number) => void | Promise<void>,
  options: { timeoutMs?: number } = {},
): Promise<{ messages: number }> {
  const pending = new Map<number, OffsetRange>();
  for (const r of ranges) if (r.toOffset > r.fromOffset) pending.set(r.partition, r);
  if (pending.size === 0) return { messages: 0 };
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `range-reader-${randomUUID()}`;
  const consumer = kafka.consumer({
    groupId,
    allowAutoTopicCreation: false,
    maxBytesPerPartition: 4 * 1024 * 1024,
  });
  let count = 0;
  try {
    // Asked for the offsets of a topic that does not exist, the client retries "unknown topic" for minutes while
    // the run's partition waits; the topic list answers at once.
    if (!(await admin.listTopics()).includes(topic))
      throw new PermanentError(`topic ${topic} does not exist`, 'no-such-topic');
    const bounds = await admin.fetchTopicOffsets(topic);
    for (const r of pending.values()) {
      const b = bounds.find((x) => x.partition === r.partition);
      if (!b) throw new PermanentError(`${topic} has no partition ${r.partition}`, 'no-such-partition');
      if (r.fromOffset < Number(b.low) || r.toOffset > Number(b.high)) {
        // Retrying cannot make the log hold other offsets.
        throw new PermanentError(
          `${topic}[${r.partition}] holds offsets ${b.low}..${b.high}, not ${r.fromOffset}..${r.toOffset} (retention may have removed them)`,
          'offsets-out-of-range',
        );
      }
    }
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`reading ${topic} ranges timed out`)),
        options.timeoutMs ?? 120_000,
      );
      const seekAll = () => {
        for (const r of pending.values())
          consumer.seek({ topic, partition: r.partition, offset: String(r.fromOffset) });
      };
      consumer.on(consumer.events.GROUP_JOIN, () => seekAll());
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
            const range = pending.get(batch.partition);
            if (!range) return;
            const wanted = batch.messages.filter((m) => {
              const o = Number(m.offset);
              return o >= range.fromOffset && o < range.toOffset;
            });
            if (wanted.length > 0) {
              count += wanted.length;
              await onBatch(wanted, batch.partition);
            }
            const last = Number(batch.lastOffset());
            resolveOffset(batch.lastOffset());
            await heartbeat();
            if (last >= range.toOffset - 1) {
              pending.delete(batch.partition);
              if (pending.size === 0) {
                clearTimeout(timer);
                resolve();
              }
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
  return { messages: count };
}
