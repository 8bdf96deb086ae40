import { eventSchemas } from './events.js';
import { pluginId } from './sequences.js';
import type { TopicName } from './topics.js';
import { topicSpecs } from './topics.js';

export type TopicEntry<N extends TopicName = TopicName> = (typeof topicSpecs)[N] & {
  /** Registry subjects of the values on this topic (TopicRecordNameStrategy); empty for raw topics. */
  readonly valueSubjects: readonly string[];
};

function buildTopics(): { readonly [N in TopicName]: TopicEntry<N> } {
  const schemas = eventSchemas();
  const entries = Object.values(topicSpecs).map((spec) => [
    spec.name,
    { ...spec, valueSubjects: schemas.filter((s) => s.topic === spec.name).map((s) => s.subject) },
  ]);
  return Object.fromEntries(entries) as { readonly [N in TopicName]: TopicEntry<N> };
}

/** The topic catalogue: every topic with its key, partitions, config, visibility and value subjects. */
export const topics = buildTopics();

/** Content of `topics.json`, the catalogue other teams read. */
export function topicCatalogueJson() {
  return {
    plugin: pluginId,
    wireFormat: 'Confluent Schema Registry wire format: byte 0, 4-byte big-endian schema id, Avro binary',
    subjectNameStrategy: 'TopicRecordNameStrategy: <topic>-<record full name>',
    topics: Object.fromEntries(
      Object.values(topics).map((t) => [
        t.name,
        {
          key: t.key,
          partitions: t.partitions,
          valueFormat: t.valueFormat,
          visibility: t.visibility,
          cleanupPolicy: t.config['cleanup.policy'],
          retentionMs: 'retention.ms' in t.config ? Number(t.config['retention.ms']) : null,
          config: t.config,
          valueSubjects: t.valueSubjects,
          description: t.description,
        },
      ]),
    ),
  };
}
