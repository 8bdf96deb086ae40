/**
 * The Kafka topic catalogue. `config` holds the topic-level settings to create the topic with (Kafka config
 * names, string values, as AdminClient.createTopics takes them). Partition counts are part of the contract:
 * records are keyed, so changing a count later moves keys between partitions and breaks per-key order.
 */

export type TopicVisibility = 'public' | 'internal';
export type ValueFormat = 'avro' | 'raw';

export interface TopicSpec {
  readonly name: string;
  /** What the record key is (always a UTF-8 string). */
  readonly key: string;
  readonly partitions: number;
  readonly valueFormat: ValueFormat;
  readonly visibility: TopicVisibility;
  readonly description: string;
  readonly config: Readonly<Record<string, string>>;
}

const DAY_MS = 24 * 60 * 60 * 1000;

const eventLog = { 'cleanup.policy': 'delete', 'retention.ms': '-1' } as const;
const days = (n: number) => ({ 'cleanup.policy': 'delete', 'retention.ms': String(n * DAY_MS) }) as const;

export const topicNames = {
  telemetryRaw: 'selfhealing.telemetry.raw',
  commands: 'selfhealing.commands',
  telemetryParseEvents: 'selfhealing.telemetry.parse.events',
  anomalyDetectEvents: 'selfhealing.anomaly.detect.events',
  diagnosisAnalyzeEvents: 'selfhealing.diagnosis.analyze.events',
  fixGenerateEvents: 'selfhealing.fix.generate.events',
  validationRunEvents: 'selfhealing.validation.run.events',
  deploymentDeployEvents: 'selfhealing.deployment.deploy.events',
  learningTrackEvents: 'selfhealing.learning.track.events',
  incidents: 'selfhealing.incidents',
  incidentState: 'selfhealing.incidents.state',
  deadLetter: 'selfhealing.deadletter',
  deployments: 'selfhealing.deployments',
} as const;

export type TopicName = (typeof topicNames)[keyof typeof topicNames];

const stageTopic = (name: string, sequenceId: string, retention: Record<string, string>, keyedBy: string) =>
  ({
    name,
    key: keyedBy,
    partitions: 6,
    valueFormat: 'avro',
    visibility: 'internal',
    description: `Events of the ${sequenceId} stage: one per beat, plus its Rejected and Failed events. Consumed by the next stage and the incident projection.`,
    config: retention,
  }) as const;

export const topicSpecs = {
  [topicNames.telemetryRaw]: {
    name: topicNames.telemetryRaw,
    key: "Service name. Keeps one service's records in order on one partition.",
    partitions: 12,
    valueFormat: 'raw',
    visibility: 'public',
    description:
      'Raw telemetry published by upstream systems, NOT Avro: each value is the bytes of one record or batch in a supported format - a plain-text log line, a JSON log record, an OTLP ExportLogsServiceRequest as protobuf or as JSON. Header `content-type` says which (text/plain, application/json, application/x-protobuf; otlp, application/json; otlp); without it the parser detects the format.',
    config: days(7),
  },
  [topicNames.commands]: {
    name: topicNames.commands,
    key: "The incident or run the command addresses (a new run's id is chosen by the requester).",
    partitions: 6,
    valueFormat: 'avro',
    visibility: 'public',
    description:
      'Requests to the stages (parse, detect, analyze, generate, validate, deploy, track), approvals and rejections of deployments, retries and dismissals. Ops and other teams may publish here.',
    config: days(30),
  },
  [topicNames.telemetryParseEvents]: stageTopic(
    topicNames.telemetryParseEvents,
    'telemetry.parse',
    days(30),
    'The parse run id.',
  ),
  [topicNames.anomalyDetectEvents]: stageTopic(
    topicNames.anomalyDetectEvents,
    'anomaly.detect',
    days(30),
    'The detection run id.',
  ),
  [topicNames.diagnosisAnalyzeEvents]: stageTopic(
    topicNames.diagnosisAnalyzeEvents,
    'diagnosis.analyze',
    eventLog,
    'The incident id.',
  ),
  [topicNames.fixGenerateEvents]: stageTopic(
    topicNames.fixGenerateEvents,
    'fix.generate',
    eventLog,
    'The incident id.',
  ),
  [topicNames.validationRunEvents]: stageTopic(
    topicNames.validationRunEvents,
    'validation.run',
    eventLog,
    'The incident id.',
  ),
  [topicNames.deploymentDeployEvents]: stageTopic(
    topicNames.deploymentDeployEvents,
    'deployment.deploy',
    eventLog,
    'The incident id.',
  ),
  [topicNames.learningTrackEvents]: stageTopic(
    topicNames.learningTrackEvents,
    'learning.track',
    eventLog,
    'The incident id.',
  ),
  [topicNames.incidents]: {
    name: topicNames.incidents,
    key: 'The incident id.',
    partitions: 6,
    valueFormat: 'avro',
    visibility: 'public',
    description:
      'The incident lifecycle for other teams: IncidentOpened (with all evidence), IncidentUpdated, IncidentResolved, IncidentReopened. One writer, the anomaly-detect service. Kept forever: it is the log the incident projection is rebuilt from.',
    config: eventLog,
  },
  [topicNames.incidentState]: {
    name: topicNames.incidentState,
    key: 'The incident id.',
    partitions: 6,
    valueFormat: 'avro',
    visibility: 'public',
    description:
      'Latest state of every incident (IncidentState), written by the projector after each change. Compacted: a new subscriber reads the current state of all incidents without replaying the event log.',
    config: { 'cleanup.policy': 'compact', 'min.compaction.lag.ms': String(60 * 60 * 1000) },
  },
  [topicNames.deployments]: {
    name: topicNames.deployments,
    key: 'The service and environment, `<service>/<environment>`: the deployments of one service stay in order.',
    partitions: 3,
    valueFormat: 'avro',
    visibility: 'public',
    description:
      "DeploymentRecorded: every deploy, canary, traffic shift, promotion and rollback of a watched service, by the project's deployer (healctl target) or by any upstream CD system, which may publish the same record itself (schema selfhealing.target.DeploymentRecorded). The later stages read it to tell which commit served when.",
    config: days(90),
  },
  [topicNames.deadLetter]: {
    name: topicNames.deadLetter,
    key: "The original record's key, unchanged.",
    partitions: 3,
    valueFormat: 'raw',
    visibility: 'internal',
    description:
      'Records a consumer could not process (undecodable, invalid, or failing after retries): the original value bytes unchanged, with headers dlq.source.topic, dlq.source.partition, dlq.source.offset, dlq.consumer.group, dlq.error, dlq.attempts, dlq.failed-at. Ops inspect and replay from here.',
    config: days(30),
  },
} as const satisfies Record<TopicName, TopicSpec>;
