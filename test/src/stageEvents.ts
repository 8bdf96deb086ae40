import { readTopic, type StageEvent } from '@self-healing/shared';
import type { TestEnvironment } from './environment.js';
import { waitFor } from './endpoints.js';

/** Every event of one incident (record key) on a stage's topic, in log order. */
export async function stageEventsOf(env: TestEnvironment, topic: string, key: string): Promise<StageEvent[]> {
  const events: StageEvent[] = [];
  await readTopic(env.kafka, topic, {
    onMessage: async (m) => {
      if (m.value && m.key?.toString() === key) events.push(await env.codec.decode(m.value));
    },
  });
  return events;
}

/**
 * The incident's events on a stage's topic once its run has ended (Completed, Rejected or Failed). `afterSeq`: a
 * later round's run, whose events come after that seq (earlier rounds ended already).
 */
export async function untilRunEnded(
  env: TestEnvironment,
  topic: string,
  key: string,
  opts: { timeoutMs: number; message: string; afterSeq?: number },
): Promise<StageEvent[]> {
  let events: StageEvent[] = [];
  await waitFor(
    async () => {
      events = (await stageEventsOf(env, topic, key)).filter((e) => e.meta.seq > (opts.afterSeq ?? 0));
      return events.some((e) => /(Completed|Rejected|Failed)$/.test(e.meta.type));
    },
    { timeoutMs: opts.timeoutMs, maxIntervalMs: 1000, message: opts.message },
  );
  return events;
}

/** Writes one event as its producer would: idempotent, acknowledged by every replica, keyed by incident. */
export async function publishEvent(
  env: TestEnvironment,
  topic: string,
  key: string,
  event: StageEvent,
): Promise<void> {
  const producer = env.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: [{ key, value: await env.codec.encode(event) }] });
  } finally {
    await producer.disconnect();
  }
}
