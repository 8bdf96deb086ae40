import type { AvroField } from './dsl.js';
import { arrayOf, enumeration, mapOf, nullable, optional, record, timestampMillis } from './dsl.js';

/** Named types shared by several stages live in the root namespace. */
export const NS = 'selfhealing';

/**
 * The envelope of every event we publish. The Kafka key of the record is `incidentId`. Mirrors
 * `EventMeta` in `@self-healing/shared` (envelope.ts) field for field.
 */
export const EventMeta = record(
  NS,
  'EventMeta',
  'Envelope of every self-healing event; the Kafka key equals incidentId.',
  [
    {
      name: 'eventId',
      type: 'string',
      doc: 'Deterministic id (derived from stream, incidentId and seq): a re-emitted event keeps its id.',
    },
    {
      name: 'type',
      type: 'string',
      doc: 'Event type, equal to the name (without namespace) of the record this meta is part of.',
    },
    {
      name: 'incidentId',
      type: 'string',
      doc: 'Aggregate id and Kafka key: the incident, or for telemetry.parse / anomaly.detect, which run before an incident exists, the run id.',
    },
    {
      name: 'seq',
      type: 'long',
      doc: "Position of the event in its key's stream on this topic (1, 2, 3 ...): consumers drop duplicates and see gaps.",
    },
    {
      name: 'causationId',
      type: nullable('string'),
      doc: 'eventId of the event or command that caused this one.',
      default: null,
    },
    {
      name: 'correlationId',
      type: 'string',
      doc: 'Id shared by every event of one healing chain, from the first request on.',
    },
    {
      name: 'startedAt',
      type: nullable(timestampMillis),
      doc: 'When the beat that produced the event started.',
      default: null,
    },
    { name: 'occurredAt', type: timestampMillis, doc: 'When the event was decided (the beat ended).' },
    {
      name: 'producer',
      type: 'string',
      doc: 'Service that produced the event, e.g. telemetry-parse@1.2.0/host-3.',
    },
    {
      name: 'sequenceId',
      type: nullable('string'),
      doc: 'Sequence (stage) whose beat emitted the event, e.g. telemetry.parse.',
      default: null,
    },
    {
      name: 'beat',
      type: nullable('int'),
      doc: 'Beat number within the sequence; null for events outside beats (commands).',
      default: null,
    },
    {
      name: 'handler',
      type: nullable('string'),
      doc: 'Handler of the beat, as named in the sequence.',
      default: null,
    },
    { name: 'attempt', type: 'int', doc: 'Execution attempt of the beat that produced the event, from 1.' },
    {
      name: 'machineVersion',
      type: nullable('string'),
      doc: 'Version of the state machine definition that decided.',
      default: null,
    },
  ],
);

// ---- domain.ts shapes, field for field -------------------------------------------------------------------

export const Severity = enumeration(NS, 'Severity', 'Incident or issue severity.', [
  'low',
  'medium',
  'high',
  'critical',
]);

export const FindingKind = enumeration(NS, 'FindingKind', 'Detector family that produced a finding.', [
  'performance',
  'behavioral',
  'coverage',
  'error',
]);

export const LatencySummary = record(
  NS,
  'LatencySummary',
  "Latency quantiles in milliseconds from a window's sketch.",
  [
    { name: 'p50', type: 'double' },
    { name: 'p95', type: 'double' },
    { name: 'p99', type: 'double' },
    { name: 'max', type: 'double' },
    { name: 'count', type: 'long', doc: 'Events in the window that carried a duration.' },
  ],
);

export const WindowAggregate = record(
  NS,
  'WindowAggregate',
  'Per service, template and event-time window (domain.ts WindowAggregate).',
  [
    { name: 'service', type: 'string' },
    { name: 'templateId', type: 'string' },
    { name: 'template', type: 'string' },
    { name: 'windowStart', type: timestampMillis },
    { name: 'windowMs', type: 'long' },
    { name: 'count', type: 'long' },
    { name: 'errorCount', type: 'long' },
    {
      name: 'latency',
      type: nullable(LatencySummary),
      doc: 'Null when no event in the window carried a duration.',
    },
    {
      name: 'latencySketch',
      type: nullable('bytes'),
      doc: 'DDSketch protobuf, mergeable across windows and replicas.',
    },
    { name: 'firstSeen', type: timestampMillis },
    { name: 'lastSeen', type: timestampMillis },
    { name: 'newTemplate', type: 'boolean', doc: 'True when the template was first seen in this window.' },
  ],
);

/** Evidence values: one numeric branch only, so that avsc reads the union unwrapped (string | number | boolean | null). */
export const EvidenceValue = ['null', 'boolean', 'double', 'string'] as const;

export const Finding = record(NS, 'Finding', "One detector's observation (domain.ts Finding).", [
  { name: 'id', type: 'string', doc: 'Deterministic (kind, rule, service, subject, since).' },
  { name: 'kind', type: FindingKind },
  {
    name: 'rule',
    type: 'string',
    doc: 'What fired, e.g. latency-shift, missing-step, hot-uncovered, error-burst, new-error-template.',
  },
  { name: 'service', type: 'string' },
  { name: 'subject', type: 'string', doc: 'Metric name, template id, file:line, stack signature.' },
  { name: 'templateIds', type: arrayOf('string') },
  { name: 'since', type: timestampMillis, doc: 'When the anomaly began.' },
  { name: 'at', type: timestampMillis, doc: 'When it was last observed.' },
  { name: 'magnitude', type: 'double', doc: 'Size of the deviation, >= 0, comparable within one rule.' },
  { name: 'explanation', type: 'string' },
  { name: 'evidence', type: mapOf(EvidenceValue) },
]);

// ---- shared building blocks of payloads ------------------------------------------------------------------

export const TimeRange = record(NS, 'TimeRange', 'Half-open event-time interval [from, until).', [
  { name: 'from', type: timestampMillis },
  { name: 'until', type: timestampMillis },
]);

export const Reason = record(NS, 'Reason', 'A machine-readable reason with a sentence for people.', [
  { name: 'code', type: 'string', doc: 'Stable kebab-case code, e.g. unknown-service, window-too-large.' },
  { name: 'message', type: 'string' },
  optional('field', 'string', 'Request field the reason is about, when there is one.'),
]);

export const ErrorCategory = enumeration(NS, 'ErrorCategory', 'How a failure should be treated.', [
  'transient',
  'permanent',
  'invalid_input',
  'timeout',
  'dependency_unavailable',
  'conflict',
]);

export const ErrorInfo = record(NS, 'ErrorInfo', 'An error, without bulky data.', [
  { name: 'category', type: ErrorCategory },
  { name: 'code', type: 'string' },
  { name: 'message', type: 'string' },
  optional('stack', 'string', 'First lines of the stack trace, at most 4 KiB.'),
]);

/** Bulk data stays in MongoDB; events point at it. */
export const DocumentRef = record(NS, 'DocumentRef', "A document in the platform's MongoDB database.", [
  { name: 'collection', type: 'string' },
  { name: 'id', type: 'string', doc: "The document's _id, as a string." },
]);

export const WriteSummary = record(NS, 'WriteSummary', 'What an idempotent write to one collection did.', [
  { name: 'collection', type: 'string' },
  {
    name: 'written',
    type: 'long',
    doc: "Documents the run's idempotent writes cover (the same number on every attempt).",
  },
  { name: 'unchanged', type: 'long', doc: 'Documents the run left as they were (not written by it).' },
]);

export const CodeLocation = record(NS, 'CodeLocation', 'A place in the repository.', [
  { name: 'file', type: 'string', doc: 'Path relative to the repository root.' },
  optional('line', 'int', 'One-based line.'),
  optional('symbol', 'string', 'Function, method or class.'),
]);

export const ChangeType = enumeration(NS, 'ChangeType', 'Kind of change to a file.', [
  'added',
  'modified',
  'deleted',
  'renamed',
]);

export const FileChange = record(NS, 'FileChange', 'One file touched by a generated change.', [
  { name: 'path', type: 'string' },
  { name: 'change', type: ChangeType },
  optional('previousPath', 'string', 'For renames.'),
  { name: 'linesAdded', type: 'int' },
  { name: 'linesRemoved', type: 'int' },
  optional('sha256', 'string', 'Content hash of the file after the change; null when deleted.'),
]);

export const CoverageSummary = record(NS, 'CoverageSummary', 'Coverage ratios in [0, 1].', [
  { name: 'lines', type: 'double' },
  optional('branches', 'double', 'Null when the report has no branch data.'),
  optional('commit', 'string', 'Commit the report was measured on.'),
]);

export const ComparisonVerdict = enumeration(
  NS,
  'ComparisonVerdict',
  'Direction of a metric change, judged against noise.',
  ['improved', 'unchanged', 'regressed'],
);

export const MetricComparison = record(NS, 'MetricComparison', 'One metric before and after a change.', [
  { name: 'service', type: 'string' },
  {
    name: 'subject',
    type: 'string',
    doc: 'Template id, endpoint, or the finding subject the metric belongs to.',
  },
  { name: 'metric', type: 'string', doc: 'e.g. latency.p95, error.rate, count.' },
  { name: 'unit', type: 'string', doc: 'ms, ratio, count, per_min.' },
  optional('baseline', 'double', 'Null when there was no baseline.'),
  optional('observed', 'double', 'Null when nothing was observed.'),
  optional('change', 'double', 'Relative change (observed - baseline) / baseline.'),
  { name: 'verdict', type: ComparisonVerdict },
]);

export const Trigger = enumeration(NS, 'Trigger', 'What started a stage run.', [
  'upstream_event',
  'command',
  'schedule',
  'retry',
]);

// ---- helpers for stage payloads -------------------------------------------------------------------------

/** The payload record of event type `T`: named `<T>Payload` in the stage's namespace. */
export function payload<
  const NSS extends string,
  const T extends string,
  const F extends readonly AvroField[],
>(namespace: NSS, type: T, doc: string, fields: F) {
  return record(namespace, `${type}Payload` as `${T}Payload`, doc, fields);
}

/** `<Stage>Rejected`: the first beat refused a request; nothing else ran. */
export function rejectedPayload<const NSS extends string, const T extends string>(
  namespace: NSS,
  type: T,
  what: string,
) {
  return payload(namespace, type, `The ${what} request was refused by the first beat; no other beat ran.`, [
    { name: 'reasons', type: arrayOf(Reason), doc: 'Why, one entry per violated rule; never empty.' },
    optional('commandType', 'string', 'Type of the command or upstream event that made the request.'),
    optional('commandId', 'string', 'Its eventId.'),
  ]);
}

/** `<Stage>Failed`: a beat failed permanently (retries exhausted or a permanent error); the run stops here. */
export function failedPayload<const NSS extends string, const T extends string>(
  namespace: NSS,
  type: T,
  what: string,
) {
  return payload(
    namespace,
    type,
    `A beat of ${what} failed permanently; the run stopped. A RetryStageCommand resumes it.`,
    [
      { name: 'beat', type: 'int', doc: 'Number of the beat that failed.' },
      { name: 'handler', type: 'string' },
      { name: 'error', type: ErrorInfo },
      { name: 'attempts', type: 'int', doc: 'Attempts made before giving up.' },
      optional('lastEventId', 'string', 'eventId of the last event the run emitted before failing.'),
    ],
  );
}
