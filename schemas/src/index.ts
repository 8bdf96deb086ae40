export type * from './domain.js';

export type { AvroSchema, AvroType, AvroRecord, AvroField } from './avro/dsl.js';
export { toAvsc } from './avro/dsl.js';

export type {
  Beat,
  BeatEventType,
  BeatKind,
  BeatOf,
  BeatStep,
  BeatTiming,
  HandlerName,
  Movement,
  Sequence,
  SequenceDef,
  SequenceId,
  SequenceOf,
  Wait,
} from './sequences.js';
export { beatsOf, isSequenceId, pluginId, sequenceById, sequenceIds, sequences } from './sequences.js';

export { payloadLimits } from './limits.js';
export type { StageContract, StageContractOf } from './pipeline.js';
export { pipeline, stageContract } from './pipeline.js';
export type { TopicName, TopicSpec, TopicVisibility, ValueFormat } from './topics.js';
export { topicNames, topicSpecs } from './topics.js';
export type { TopicEntry } from './catalogue.js';
export { topicCatalogueJson, topics } from './catalogue.js';

export type {
  AnyEvent,
  CommandEvent,
  CommandType,
  EventGroup,
  EventMeta,
  EventOf,
  EventType,
  EventTypeInfo,
  GroupOf,
  IncidentEvent,
  IncidentEventType,
  IncidentState,
  PayloadOf,
  PayloadSchemaOf,
  DeploymentRecorded,
  RegistrySchema,
  StageEvent,
} from './events.js';
export {
  avscFiles,
  eventSchemas,
  eventTypeInfo,
  eventTypeNames,
  eventTypes,
  eventTypesOnTopic,
  incidentStateFullName,
  incidentStateSubject,
  deploymentRecordedFullName,
  deploymentRecordedSchema,
  deploymentRecordedSubject,
  isEventOf,
  isEventType,
  subjectFor,
} from './events.js';
