import type { Admin, Kafka, ITopicConfig } from 'kafkajs';

export interface TopicSpec {
  name: string;
  partitions: number;
  /** Kafka topic configs, e.g. `cleanup.policy`, `retention.ms`. */
  config?: Record<string, string>;
}

/** Creates the topics that do not exist yet; existing ones are left as they are. Returns the names created. */
export async function ensureTopics(
  kafka: Kafka,
  specs: TopicSpec[],
  replicationFactor = 1,
): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing: ITopicConfig[] = specs
      .filter((s) => !existing.has(s.name))
      .map((s) => ({
        topic: s.name,
        numPartitions: s.partitions,
        replicationFactor,
        configEntries: Object.entries(s.config ?? {}).map(([name, value]) => ({ name, value })),
      }));
    if (missing.length > 0) {
      // Not kafkajs's waitForLeaders: it retries only "leader not available", while a broker that has just created
      // a topic may still answer "unknown topic" for it. We poll the metadata until every partition has a leader.
      await admin.createTopics({ topics: missing, waitForLeaders: false });
      await waitForLeaders(
        admin,
        missing.map((t) => t.topic),
      );
    }
    return missing.map((t) => t.topic);
  } finally {
    await admin.disconnect();
  }
}

async function waitForLeaders(admin: Admin, topics: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const { topics: meta } = await admin.fetchTopicMetadata({ topics });
      if (
        meta.length === topics.length &&
        meta.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))
      )
        return;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `topics ${topics.join(', ')} have no leaders after ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
