import { eventSchemas, incidentStateSubject, pipeline } from '@self-healing/schemas';
import { platformTopicNames, topicIn, type TopicNames } from '@self-healing/shared';

/** The topics the projection is built from: every stage's events (from the pipeline contract) and the incidents topic. */
export function projectedTopicsOf(t: TopicNames): string[] {
  return [...pipeline.map((stage) => topicIn(t, stage.topic)), t.incidents];
}

/** Where the projector publishes incidents' current state, under the deployment's topic prefix. */
export function incidentStateTarget(prefix: string): {
  topic: string;
  subject: string;
  schema: object;
  incidentsTopic: string;
} {
  const topics = platformTopicNames(prefix);
  const schema = eventSchemas().find((s) => s.subject === incidentStateSubject)!.schema;
  return {
    topic: topics.incidentState,
    subject: `${prefix}${incidentStateSubject}`,
    schema,
    incidentsTopic: topics.incidents,
  };
}
