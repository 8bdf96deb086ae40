import { eventSchemas, topicSpecs } from '@self-healing/schemas';
import type { TopicSpec } from './kafka/admin.js';
import { RegistryCodec, type EventContract } from './kafka/codec.js';

/** Every event contract of the platform, as the codec needs them. */
export function platformContracts(): EventContract[] {
  return eventSchemas()
    .filter((s): s is typeof s & { type: string } => s.type !== null)
    .map((s) => ({ type: s.type, topic: s.topic, subject: s.subject, schema: s.schema }));
}

export function createPlatformCodec(registryUrl: string): RegistryCodec {
  return new RegistryCodec(registryUrl, platformContracts());
}

/** The catalogue's topics, as topic creation needs them. */
export function platformTopics(): TopicSpec[] {
  return Object.values(topicSpecs).map((t) => ({ name: t.name, partitions: t.partitions, config: { ...t.config } }));
}
