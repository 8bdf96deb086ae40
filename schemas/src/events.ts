import { anomalyDetectPayloads, NS as ANOMALY_NS } from './avro/anomaly.js';
import { commandPayloads, NS as COMMAND_NS } from './avro/command.js';
import { EventMeta as EventMetaSchema } from './avro/common.js';
import { deploymentDeployPayloads, NS as DEPLOYMENT_NS } from './avro/deployment.js';
import { diagnosisAnalyzePayloads, NS as DIAGNOSIS_NS } from './avro/diagnosis.js';
import type { AvroRecord, AvroType } from './avro/dsl.js';
import { fullNameOf, record, toAvsc } from './avro/dsl.js';
import { fixGeneratePayloads, NS as FIX_NS } from './avro/fix.js';
import {
  IncidentState as IncidentStateSchema,
  incidentPayloads,
  NS as INCIDENT_NS,
} from './avro/incident.js';
import { learningTrackPayloads, NS as LEARNING_NS } from './avro/learning.js';
import { DeploymentRecorded as DeploymentRecordedSchema } from './avro/target.js';
import { runtimeCommandPayloads, waitingPayload } from './avro/runtime.js';
import { telemetryParsePayloads, NS as TELEMETRY_NS } from './avro/telemetry.js';
import { validationRunPayloads, NS as VALIDATION_NS } from './avro/validation.js';
import type { SequenceId } from './sequences.js';
import type { TopicName } from './topics.js';
import { topicNames } from './topics.js';

/**
 * Event types grouped by the topic they are published on: one group per stage (its beat events plus
 * `<Stage>Rejected` and `<Stage>Failed`), the commands, and the incident lifecycle.
 */
const groups = {
  'telemetry.parse': {
    namespace: TELEMETRY_NS,
    topic: topicNames.telemetryParseEvents,
    payloads: telemetryParsePayloads,
  },
  'anomaly.detect': {
    namespace: ANOMALY_NS,
    topic: topicNames.anomalyDetectEvents,
    payloads: {
      ...anomalyDetectPayloads,
      AnomalyDetectionWaiting: waitingPayload(ANOMALY_NS, 'AnomalyDetectionWaiting', 'anomaly.detect'),
    },
  },
  'diagnosis.analyze': {
    namespace: DIAGNOSIS_NS,
    topic: topicNames.diagnosisAnalyzeEvents,
    payloads: diagnosisAnalyzePayloads,
  },
  'fix.generate': { namespace: FIX_NS, topic: topicNames.fixGenerateEvents, payloads: fixGeneratePayloads },
  'validation.run': {
    namespace: VALIDATION_NS,
    topic: topicNames.validationRunEvents,
    payloads: validationRunPayloads,
  },
  'deployment.deploy': {
    namespace: DEPLOYMENT_NS,
    topic: topicNames.deploymentDeployEvents,
    payloads: {
      ...deploymentDeployPayloads,
      DeploymentWaiting: waitingPayload(DEPLOYMENT_NS, 'DeploymentWaiting', 'deployment.deploy'),
    },
  },
  'learning.track': {
    namespace: LEARNING_NS,
    topic: topicNames.learningTrackEvents,
    payloads: {
      ...learningTrackPayloads,
      EffectivenessTrackingWaiting: waitingPayload(
        LEARNING_NS,
        'EffectivenessTrackingWaiting',
        'learning.track',
      ),
    },
  },
  commands: {
    namespace: COMMAND_NS,
    topic: topicNames.commands,
    payloads: { ...commandPayloads, ...runtimeCommandPayloads },
  },
  incidents: { namespace: INCIDENT_NS, topic: topicNames.incidents, payloads: incidentPayloads },
} as const satisfies Record<
  SequenceId | 'commands' | 'incidents',
  { namespace: string; topic: TopicName; payloads: object }
>;

type Groups = typeof groups;
/** A stage (sequence id), or `commands`, or `incidents`. */
export type EventGroup = keyof Groups;
type PayloadSchemas<G extends EventGroup> = Groups[G]['payloads'];

/** Every event type name, e.g. `TelemetryParseCompleted`. */
export type EventType = { [G in EventGroup]: keyof PayloadSchemas<G> & string }[EventGroup];
/** The group (stage, `commands` or `incidents`) an event type belongs to. */
export type GroupOf<T extends EventType> = {
  [G in EventGroup]: T extends keyof PayloadSchemas<G> ? G : never;
}[EventGroup];
export type PayloadSchemaOf<T extends EventType> = PayloadSchemas<GroupOf<T>>[T &
  keyof PayloadSchemas<GroupOf<T>>];

/** The envelope, derived from its Avro schema. */
export type EventMeta = AvroType<typeof EventMetaSchema>;
/** The payload of an event type, derived from its Avro schema. */
export type PayloadOf<T extends EventType> = AvroType<PayloadSchemaOf<T>>;
/** An event as it is encoded on (and decoded from) Kafka: `{ meta, payload }`, with `meta.type` narrowed. */
export interface EventOf<T extends EventType> {
  meta: EventMeta & { type: T };
  payload: PayloadOf<T>;
}
/** Union of the events of one group: `StageEvent<'telemetry.parse'>`, `StageEvent<'commands'>` ... */
export type StageEvent<G extends EventGroup = EventGroup> = G extends EventGroup
  ? { [T in keyof PayloadSchemas<G> & string]: EventOf<T & EventType> }[keyof PayloadSchemas<G> & string]
  : never;
export type CommandEvent = StageEvent<'commands'>;
export type IncidentEvent = StageEvent<'incidents'>;
export type AnyEvent = StageEvent;
export type CommandType = CommandEvent['meta']['type'];
export type IncidentEventType = IncidentEvent['meta']['type'];
/** The current-state record of the compacted incidents.state topic. */
export type IncidentState = AvroType<typeof IncidentStateSchema>;

export interface EventTypeInfo<T extends EventType = EventType> {
  readonly type: T;
  readonly stage: EventGroup;
  readonly topic: TopicName;
  /** Avro full name of the event record, `selfhealing.<stage>.<Type>`. */
  readonly fullName: string;
  /** Registry subject (TopicRecordNameStrategy): `<topic>-<fullName>`. */
  readonly subject: string;
  /** The event record's Avro schema as JSON (what is registered and written to `avro/<fullName>.avsc`). */
  readonly schema: object;
  /** The same schema as a typed value, from which the TypeScript types are derived. */
  readonly definition: AvroRecord;
  readonly payloadSchema: AvroRecord;
}

function eventRecord(namespace: string, type: string, payloadSchema: AvroRecord): AvroRecord {
  return record(namespace, type, payloadSchema.doc ?? type, [
    { name: 'meta', type: EventMetaSchema },
    { name: 'payload', type: payloadSchema },
  ]);
}

/** TopicRecordNameStrategy, the strategy that lets several event types share one topic. */
export function subjectFor(topic: string, fullName: string): string {
  return `${topic}-${fullName}`;
}

function buildRegistry(): { readonly [T in EventType]: EventTypeInfo<T> } {
  const registry: Record<string, EventTypeInfo> = {};
  for (const [stage, group] of Object.entries(groups) as [EventGroup, Groups[EventGroup]][]) {
    for (const [type, payloadSchema] of Object.entries(group.payloads) as [EventType, AvroRecord][]) {
      if (registry[type]) throw new Error(`event type ${type} is defined twice`);
      const definition = eventRecord(group.namespace, type, payloadSchema);
      const fullName = fullNameOf(definition);
      registry[type] = {
        type,
        stage,
        topic: group.topic,
        fullName,
        subject: subjectFor(group.topic, fullName),
        schema: toAvsc(definition) as object,
        definition,
        payloadSchema,
      };
    }
  }
  return registry as { readonly [T in EventType]: EventTypeInfo<T> };
}

/** Every event type with its stage, topic, record full name, registry subject and schema. */
export const eventTypes = buildRegistry();

export const eventTypeNames = Object.keys(eventTypes) as readonly EventType[];

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(eventTypes, type);
}

export function eventTypeInfo(type: string): EventTypeInfo | undefined {
  return isEventType(type) ? eventTypes[type] : undefined;
}

/** Event types published on a topic. */
export function eventTypesOnTopic(topic: string): readonly EventTypeInfo[] {
  return eventTypeNames.map((t) => eventTypes[t] as EventTypeInfo).filter((e) => e.topic === topic);
}

/** Narrows a decoded event (whose schema the registry chose) by its `meta.type`. */
export function isEventOf<T extends EventType>(
  type: T,
  event: { meta: { type: string } },
): event is EventOf<T> {
  return event.meta.type === type;
}

export const incidentStateFullName = fullNameOf(IncidentStateSchema);
export const incidentStateSubject = subjectFor(topicNames.incidentState, incidentStateFullName);

/** The record of the public deployments topic (not an event: upstream CD systems publish it too). */
export type DeploymentRecorded = AvroType<typeof DeploymentRecordedSchema>;
export const deploymentRecordedFullName = fullNameOf(DeploymentRecordedSchema);
export const deploymentRecordedSubject = subjectFor(topicNames.deployments, deploymentRecordedFullName);
export const deploymentRecordedSchema = toAvsc(DeploymentRecordedSchema) as object;

export interface RegistrySchema {
  readonly subject: string;
  readonly topic: TopicName;
  readonly fullName: string;
  readonly schema: object;
  /** The event type, or null for IncidentState (a state record, not an event). */
  readonly type: EventType | null;
}

/** Everything to register in the Schema Registry, one entry per subject, in a stable order. */
export function eventSchemas(): readonly RegistrySchema[] {
  const events = eventTypeNames.map((t): RegistrySchema => {
    const e = eventTypes[t] as EventTypeInfo;
    return { subject: e.subject, topic: e.topic, fullName: e.fullName, schema: e.schema, type: e.type };
  });
  return [
    ...events,
    {
      subject: incidentStateSubject,
      topic: topicNames.incidentState,
      fullName: incidentStateFullName,
      schema: toAvsc(IncidentStateSchema) as object,
      type: null,
    },
    {
      subject: deploymentRecordedSubject,
      topic: topicNames.deployments,
      fullName: deploymentRecordedFullName,
      schema: deploymentRecordedSchema,
      type: null,
    },
  ];
}

/** The `.avsc` files published for other teams: file name -> schema JSON. */
export function avscFiles(): ReadonlyMap<string, object> {
  const files = new Map<string, object>();
  files.set(`${fullNameOf(EventMetaSchema)}.avsc`, toAvsc(EventMetaSchema) as object);
  for (const s of eventSchemas()) files.set(`${s.fullName}.avsc`, s.schema);
  return files;
}
