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

/** Why a Kafka source cannot be read, as a parse request's rejection reason. */
export interface SourceProblem {
  code: 'no-such-topic' | 'platform-topic' | 'no-such-partition' | 'offsets-past-end' | 'offsets-gone';
  message: string;
}

export interface SourceRange {
  partition: number;
  /** Inclusive. */
  fromOffset: number;
  /** Exclusive. */
  toOffset: number;
}

/**
 * What is wrong with reading `ranges` of `topic`, found up front with two quick metadata calls (the topic list,
 * then its offsets), so that a request naming a missing topic, partition or offsets is refused at once instead
 * of failing a read after retries while every other request waits behind it. `platformTopics` are topics of our
 * own (stage events, commands, the dead-letter topic), which a parse run must not read as telemetry.
 */
export async function kafkaSourceProblems(
  admin: Pick<Admin, 'listTopics' | 'fetchTopicOffsets'>,
  topic: string,
  ranges: readonly SourceRange[],
  platformTopics: ReadonlySet<string> = new Set(),
): Promise<SourceProblem[]> {
  if (platformTopics.has(topic))
    return [{ code: 'platform-topic', message: `${topic} is a topic of the platform itself, not telemetry` }];
  // listTopics answers from metadata at once; asking for the offsets of a missing topic makes the client retry
  // "unknown topic" for minutes.
  if (!(await admin.listTopics()).includes(topic))
    return [{ code: 'no-such-topic', message: `topic ${topic} does not exist` }];
  const bounds = await admin.fetchTopicOffsets(topic);
  const problems: SourceProblem[] = [];
  for (const r of ranges) {
    const b = bounds.find((x) => x.partition === r.partition);
    if (!b) {
      problems.push({
        code: 'no-such-partition',
        message: `${topic} has partitions 0..${bounds.length - 1}, not ${r.partition}`,
      });
      continue;
    }
    const [low, high] = [Number(b.low), Number(b.high)];
    if (r.toOffset > high)
      problems.push({
        code: 'offsets-past-end',
        message: `${topic}[${r.partition}] ends at offset ${high}; the range ${r.fromOffset}..${r.toOffset} goes past it`,
      });
    if (r.fromOffset < low)
      problems.push({
        code: 'offsets-gone',
        message: `${topic}[${r.partition}] starts at offset ${low} (retention removed older records); the range starts at ${r.fromOffset}`,
      });
  }
  return problems;
}

/** `kafkaSourceProblems` with an admin client of its own. */
export async function checkKafkaSource(
  kafka: Kafka,
  topic: string,
  ranges: readonly SourceRange[],
  platformTopics: ReadonlySet<string> = new Set(),
): Promise<SourceProblem[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await kafkaSourceProblems(admin, topic, ranges, platformTopics);
  } finally {
    await admin.disconnect();
  }
}
