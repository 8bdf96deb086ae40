import { eventSchemas, topicNames, topicSpecs } from '@self-healing/schemas';
import type { TopicSpec } from './kafka/admin.js';
import { RegistryCodec, type EventContract } from './kafka/codec.js';

export type TopicNames = { readonly [K in keyof typeof topicNames]: string };

/**
 * The catalogue's topic names under a prefix (`TOPIC_PREFIX`, empty by default), so that several environments
 * (or test runs) share one Kafka cluster and one registry without reading each other's records.
 */
export function platformTopicNames(prefix = ''): TopicNames {
  return Object.fromEntries(
    Object.entries(topicNames).map(([k, v]) => [k, `${prefix}${v}`]),
  ) as unknown as TopicNames;
}

/** Every event contract of the platform, as the codec needs them; subjects follow the (prefixed) topics. */
export function platformContracts(prefix = ''): EventContract[] {
  return eventSchemas()
    .filter((s): s is typeof s & { type: string } => s.type !== null)
    .map((s) => ({
      type: s.type,
      topic: `${prefix}${s.topic}`,
      subject: `${prefix}${s.subject}`,
      schema: s.schema,
    }));
}

export function createPlatformCodec(registryUrl: string, prefix = ''): RegistryCodec {
  return new RegistryCodec(registryUrl, platformContracts(prefix));
}

/** The catalogue's topics, as topic creation needs them. */
export function platformTopics(prefix = ''): TopicSpec[] {
  return Object.values(topicSpecs).map((t) => ({
    name: `${prefix}${t.name}`,
    partitions: t.partitions,
    config: { ...t.config },
  }));
}
