import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';

export interface ReadOptions {
  /** Only these partitions (default: all). */
  partitions?: number[];
  /** Called for every committed message, in offset order per partition. */
  onMessage: (message: KafkaMessage, partition: number) => void | Promise<void>;
  timeoutMs?: number;
}

/**
 * Reads a topic from the beginning up to the high watermarks it has when the call starts, with read_committed
 * isolation (aborted transactions are never seen). For rebuilding state, replays and listing dead letters;
 * uses a throw-away consumer group so that no service's offsets move.
 */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  options: ReadOptions,
): Promise<{ messages: number }> {
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  const wanted = new Map<number, bigint>();
  for (const o of offsets) {
    if (options.partitions && !options.partitions.includes(o.partition)) continue;
    if (BigInt(o.high) > BigInt(o.low)) wanted.set(o.partition, BigInt(o.high));
  }
  const groupId = `reader-${randomUUID()}`;
  if (wanted.size === 0) {
    await admin.disconnect();
    return { messages: 0 };
  }
  const consumer = kafka.consumer({ groupId, readUncommitted: false, allowAutoTopicCreation: false });
  let count = 0;
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`reading ${topic} did not reach its end within ${options.timeoutMs ?? 60_000} ms`),
          ),
        options.timeoutMs ?? 60_000,
      );
      const reached = (partition: number, lastOffset: string) => {
        const high = wanted.get(partition);
        if (high !== undefined && BigInt(lastOffset) >= high - 1n) wanted.delete(partition);
        if (wanted.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      };
      // Fires for batches made only of transaction markers too, so a partition ending in a marker completes.
      consumer.on(consumer.events.END_BATCH_PROCESS, (e) =>
        reached(e.payload.partition, e.payload.lastOffset),
      );
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            if (!wanted.has(batch.partition)) return;
            const high = wanted.get(batch.partition)!;
            for (const m of batch.messages) {
              if (BigInt(m.offset) >= high) break;
              count++;
              await options.onMessage(m, batch.partition);
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
