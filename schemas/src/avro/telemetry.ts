import { arrayOf, enumeration, mapOf, optional, record } from './dsl.js';
import {
  DocumentRef,
  Reason,
  TimeRange,
  Trigger,
  WindowAggregate,
  WriteSummary,
  failedPayload,
  payload,
  rejectedPayload,
} from './common.js';

/** telemetry.parse: raw telemetry in, window aggregates out. Keyed by the parse run id. */
export const NS = 'selfhealing.telemetry';

export const TelemetryFormat = enumeration(NS, 'TelemetryFormat', 'Input formats the parser reads.', [
  'plain_text',
  'json_lines',
  'otlp_protobuf',
  'otlp_json',
]);

export const PartitionRange = record(
  NS,
  'PartitionRange',
  'Offsets [fromOffset, toOffset) of one partition.',
  [
    { name: 'partition', type: 'int' },
    { name: 'fromOffset', type: 'long' },
    { name: 'toOffset', type: 'long' },
  ],
);

export const SourceKind = enumeration(NS, 'SourceKind', 'Where raw telemetry is read from.', [
  'kafka',
  'files',
]);

/** A replayable description of the input: reading it twice yields the same records. */
export const TelemetrySource = record(
  NS,
  'TelemetrySource',
  'The raw input of a parse run, precise enough to re-read it.',
  [
    { name: 'kind', type: SourceKind },
    optional('topic', 'string', 'For kafka: the raw topic (selfhealing.telemetry.raw unless overridden).'),
    { name: 'partitions', type: arrayOf(PartitionRange), doc: 'For kafka: offset ranges; empty for files.' },
    { name: 'paths', type: arrayOf('string'), doc: 'For files: files or directories; empty for kafka.' },
  ],
);

export const LoadedSource = record(NS, 'LoadedSource', 'One file or partition range that was read.', [
  { name: 'name', type: 'string', doc: 'File path, or topic/partition.' },
  { name: 'format', type: TelemetryFormat, doc: 'Detected (or hinted) format.' },
  { name: 'bytes', type: 'long' },
  { name: 'records', type: 'long', doc: 'Lines, JSON records or OTLP log records.' },
  optional('fromOffset', 'long', 'Kafka only.'),
  optional('toOffset', 'long', 'Kafka only, exclusive.'),
  optional('sha256', 'string', 'Files only: content hash, so that a resumed run can tell the file changed.'),
]);

export const ParserInfo = record(NS, 'ParserInfo', 'The template miner that ran, for reproducibility.', [
  { name: 'name', type: 'string' },
  { name: 'version', type: 'string' },
  { name: 'configHash', type: 'string', doc: 'Hash of the masking rules and parameters in force.' },
]);

export const ServiceSummary = record(NS, 'ServiceSummary', 'Normalized events of one service in the run.', [
  { name: 'service', type: 'string' },
  { name: 'events', type: 'long' },
  { name: 'errors', type: 'long', doc: 'Events at level error or fatal.' },
  { name: 'hosts', type: 'int' },
  { name: 'timeRange', type: TimeRange },
]);

export const telemetryParsePayloads = {
  TelemetryParseRequested: payload(NS, 'TelemetryParseRequested', 'A parse run was accepted.', [
    { name: 'runId', type: 'string', doc: 'The parse run id (also the Kafka key).' },
    { name: 'source', type: TelemetrySource },
    { name: 'services', type: arrayOf('string'), doc: 'Only these services; empty means all.' },
    optional('timeRange', TimeRange, 'Only events in this event-time range; null means all.'),
    { name: 'windowMs', type: 'long', doc: 'Aggregation window length.' },
    { name: 'formats', type: arrayOf(TelemetryFormat), doc: 'Formats to accept; empty means detect.' },
    { name: 'trigger', type: Trigger },
    { name: 'requestedBy', type: 'string' },
  ]),
  LogFilesLoaded: payload(NS, 'LogFilesLoaded', 'The raw input was read (files or partition ranges).', [
    { name: 'sources', type: arrayOf(LoadedSource) },
    { name: 'bytes', type: 'long' },
    { name: 'records', type: 'long' },
    { name: 'skipped', type: arrayOf(Reason), doc: 'Unreadable or empty inputs, one reason each.' },
  ]),
  TelemetryEventsExtracted: payload(
    NS,
    'TelemetryEventsExtracted',
    'Records were parsed into templated events.',
    [
      { name: 'parser', type: ParserInfo },
      { name: 'records', type: 'long', doc: 'Input records seen.' },
      { name: 'events', type: 'long', doc: 'Templated events extracted (multi-line records count once).' },
      {
        name: 'unparsed',
        type: 'long',
        doc: 'Records that yielded no event (no timestamp, corrupt JSON ...).',
      },
      { name: 'byFormat', type: mapOf('long'), doc: 'Events per input format.' },
      { name: 'templates', type: 'long', doc: 'Distinct templates in the run.' },
      { name: 'newTemplates', type: 'long', doc: 'Templates never seen before this run.' },
      { name: 'withStack', type: 'long', doc: 'Events that carried a stack trace.' },
      {
        name: 'rejected',
        type: mapOf('long'),
        doc: 'Input that yielded no event, by reason (invalid-json, empty, format-not-requested ...); undecodable records are also dead-lettered.',
        default: {},
      },
      {
        name: 'redactions',
        type: mapOf('long'),
        doc: 'Secrets replaced before mining, by kind (bearer, password, email ...).',
        default: {},
      },
    ],
  ),
  TelemetryDataNormalized: payload(
    NS,
    'TelemetryDataNormalized',
    'Events were normalized: level vocabulary, UTC epoch ms, service names.',
    [
      { name: 'events', type: 'long', doc: 'Events kept.' },
      { name: 'services', type: arrayOf(ServiceSummary) },
      optional('timeRange', TimeRange, 'Event-time range of the kept events; null when none.'),
      { name: 'byLevel', type: mapOf('long'), doc: 'Events per normalized level.' },
      { name: 'droppedOutOfRange', type: 'long' },
      {
        name: 'droppedDuplicates',
        type: 'long',
        doc: 'Exact duplicates (same source position) from redelivery.',
      },
      { name: 'sessions', type: 'long', doc: 'Distinct session or trace ids (behavioural sequences).' },
      {
        name: 'rejected',
        type: mapOf('long'),
        doc: 'Events dropped by reason (missing-timestamp, service-not-requested ...).',
        default: {},
      },
      {
        name: 'levelDefaulted',
        type: 'long',
        doc: 'Events whose level was missing or unknown and took the default.',
        default: 0,
      },
    ],
  ),
  TelemetryMetricsAggregated: payload(
    NS,
    'TelemetryMetricsAggregated',
    'Events were folded into per service, template and window aggregates.',
    [
      { name: 'windowMs', type: 'long' },
      { name: 'windows', type: 'long', doc: 'Distinct window starts.' },
      { name: 'aggregates', type: 'long', doc: 'WindowAggregate count.' },
      { name: 'series', type: 'long', doc: 'Distinct (service, template) pairs.' },
      { name: 'withLatency', type: 'long', doc: 'Aggregates that carry a latency sketch.' },
      optional('timeRange', TimeRange, 'Covered windows; null when no events.'),
      {
        name: 'droppedLate',
        type: 'long',
        doc: "Events later than the allowed lateness behind their service's newest event.",
        default: 0,
      },
    ],
  ),
  TelemetryStored: payload(
    NS,
    'TelemetryStored',
    'Events, templates and aggregates were written to MongoDB (idempotent upserts).',
    [
      { name: 'run', type: DocumentRef, doc: 'The run document, which lists everything the run wrote.' },
      { name: 'writes', type: arrayOf(WriteSummary) },
    ],
  ),
  TelemetryParseCompleted: payload(
    NS,
    'TelemetryParseCompleted',
    'The parse run is complete; its aggregates are ready for detection.',
    [
      { name: 'runId', type: 'string' },
      { name: 'services', type: arrayOf('string') },
      optional('timeRange', TimeRange, 'Null when the run found no events.'),
      { name: 'windowMs', type: 'long' },
      { name: 'events', type: 'long' },
      { name: 'templates', type: 'long' },
      { name: 'newTemplates', type: 'long' },
      {
        name: 'aggregates',
        type: arrayOf(WindowAggregate),
        doc: "The run's aggregates, capped to keep the event well under 1 MB (see aggregatesComplete).",
      },
      { name: 'aggregateCount', type: 'long', doc: 'Aggregates the run produced in all.' },
      {
        name: 'aggregatesComplete',
        type: 'boolean',
        doc: 'False when `aggregates` was capped: the detector loads the rest from `run`.',
      },
      { name: 'run', type: DocumentRef },
    ],
  ),
  TelemetryParseRejected: rejectedPayload(NS, 'TelemetryParseRejected', 'telemetry.parse'),
  TelemetryParseFailed: failedPayload(NS, 'TelemetryParseFailed', 'telemetry.parse'),
} as const;
