import { arrayOf, enumeration, mapOf, nullable, optional, record, timestampMillis } from './dsl.js';
import {
  DocumentRef,
  Finding,
  FindingKind,
  Severity,
  TimeRange,
  Trigger,
  WriteSummary,
  failedPayload,
  payload,
  rejectedPayload,
} from './common.js';

/** anomaly.detect: aggregates in, findings grouped into incidents out. Keyed by the detection run id. */
export const NS = 'selfhealing.anomaly';

export const DetectorInfo = record(NS, 'DetectorInfo', 'The detector that ran, for reproducibility.', [
  { name: 'name', type: 'string' },
  { name: 'version', type: 'string' },
  { name: 'configHash', type: 'string', doc: 'Hash of thresholds and parameters in force.' },
]);

export const IncidentAction = enumeration(
  NS,
  'IncidentAction',
  'What a group of findings does to the incident it belongs to.',
  ['open', 'update', 'reopen', 'resolve', 'none'],
);

export const FindingGroup = record(
  NS,
  'FindingGroup',
  'Findings that share a likely cause, and the incident they map to.',
  [
    {
      name: 'fingerprint',
      type: 'string',
      doc: 'Deterministic grouping key (service, kinds, subjects); a recurrence has the same one.',
    },
    {
      name: 'incidentId',
      type: 'string',
      doc: 'Derived from the fingerprint, or the existing open incident with it.',
    },
    { name: 'action', type: IncidentAction },
    { name: 'title', type: 'string', doc: 'One line for people.' },
    { name: 'severity', type: Severity },
    { name: 'kinds', type: arrayOf(FindingKind) },
    { name: 'services', type: arrayOf('string') },
    { name: 'findingIds', type: arrayOf('string') },
    { name: 'since', type: timestampMillis },
    { name: 'at', type: timestampMillis },
  ],
);

export const IncidentTouched = record(
  NS,
  'IncidentTouched',
  'An incident document written by the store beat.',
  [
    { name: 'incidentId', type: 'string' },
    { name: 'action', type: IncidentAction },
    { name: 'version', type: 'long', doc: 'Incident document version after the write.' },
  ],
);

export const VerdictAction = enumeration(
  NS,
  'VerdictAction',
  'What a verdict on an incident does: an operator dismissed it, or learning.track judged its fix.',
  ['dismiss', 'fixed', 'not_fixed'],
);

export const IncidentVerdict = record(
  NS,
  'IncidentVerdict',
  'A verdict on one incident from outside the detectors, applied by a detection run that examines no telemetry.',
  [
    { name: 'incidentId', type: 'string' },
    { name: 'action', type: VerdictAction },
    { name: 'reason', type: 'string', doc: 'One sentence for people.' },
    { name: 'by', type: 'string', doc: 'The person (dismiss) or stage (learning.track) that gave it.' },
    { name: 'at', type: timestampMillis },
    optional(
      'suppressForMs',
      'long',
      'Dismiss: how long findings of the same templates and subjects stay quiet; null means the service default.',
    ),
    optional('patchId', 'string', 'Fixed: the patch that fixed it.'),
    optional('deploymentId', 'string', 'Fixed: its deployment.'),
    optional('pullRequestUrl', 'string', 'Fixed: its pull request.'),
    optional('improvementScore', 'double', "Fixed or not: learning.track's score in [-1, 1]."),
  ],
);

const detectorFields = (unit: string) =>
  [
    { name: 'detector', type: DetectorInfo },
    {
      name: 'findings',
      type: arrayOf(Finding),
      doc: "This detector's findings in the run: all of them, or when there are many a sample (at most 200, each service and rule's strongest first); the run stores every one (anomaly_findings).",
    },
    { name: 'evaluated', type: 'long', doc: `${unit} evaluated.` },
    { name: 'skipped', type: 'long', doc: `${unit} skipped for lack of data (cold start, too few points).` },
    optional(
      'findingsTotal',
      'long',
      'How many findings the detector made in the run (more than `findings` holds when sampled).',
    ),
  ] as const;

export const anomalyDetectPayloads = {
  AnomalyDetectionRequested: payload(NS, 'AnomalyDetectionRequested', 'A detection run was accepted.', [
    { name: 'runId', type: 'string', doc: 'The detection run id (also the Kafka key).' },
    { name: 'parseRunIds', type: arrayOf('string'), doc: 'Telemetry runs whose aggregates are examined.' },
    { name: 'services', type: arrayOf('string'), doc: 'Empty means all.' },
    optional('timeRange', TimeRange, "Null means the parse runs' ranges."),
    { name: 'detectors', type: arrayOf(FindingKind), doc: 'Detector families to run; empty means all four.' },
    { name: 'trigger', type: Trigger },
    { name: 'requestedBy', type: 'string' },
    optional(
      'verdict',
      IncidentVerdict,
      'Set when the run applies a verdict (DismissIncidentCommand, EffectivenessTrackingCompleted) instead of examining telemetry.',
    ),
  ]),
  TelemetryDataLoaded: payload(NS, 'TelemetryDataLoaded', 'Aggregates, baselines and models were loaded.', [
    { name: 'aggregates', type: 'long' },
    { name: 'series', type: 'long', doc: 'Distinct (service, template) series.' },
    { name: 'services', type: arrayOf('string') },
    optional('timeRange', TimeRange, 'Null when no aggregates.'),
    { name: 'baselines', type: 'long', doc: 'Series with a learned baseline.' },
    { name: 'coldSeries', type: 'long', doc: 'Series without one yet (they only feed the baseline).' },
    {
      name: 'sequenceModels',
      type: 'long',
      doc: 'Behavioural models (expected beat or template orders) loaded.',
    },
    optional('coverage', DocumentRef, 'Coverage snapshot used by the coverage detector; null when none.'),
    {
      name: 'detectionEvents',
      type: 'long',
      doc: 'Events of sessions or traces, and errors, loaded for behavioural and error detection.',
      default: 0,
    },
  ]),
  PerformanceAnomaliesDetected: payload(
    NS,
    'PerformanceAnomaliesDetected',
    'Latency and throughput detectors ran.',
    detectorFields('Series'),
  ),
  BehavioralAnomaliesDetected: payload(
    NS,
    'BehavioralAnomaliesDetected',
    'Sequence conformance ran: steps out of order, repeated or missing against learned or declared sequences.',
    detectorFields('Sessions'),
  ),
  CoverageGapsDetected: payload(
    NS,
    'CoverageGapsDetected',
    'Hot code paths without test coverage were looked for.',
    detectorFields('Hot paths'),
  ),
  ErrorPatternsDetected: payload(
    NS,
    'ErrorPatternsDetected',
    'Error bursts and new error templates were looked for.',
    detectorFields('Error templates'),
  ),
  AnomalyResultsAggregated: payload(
    NS,
    'AnomalyResultsAggregated',
    'Findings were deduplicated, scored and grouped into incidents.',
    [
      { name: 'groups', type: arrayOf(FindingGroup) },
      { name: 'findings', type: 'long', doc: 'Findings in all groups.' },
      {
        name: 'suppressed',
        type: 'long',
        doc: 'Findings dropped as duplicates or below the reporting threshold.',
      },
      optional(
        'verdictNote',
        'string',
        'A verdict run: what the verdict did, or why nothing was announced (an unknown incident, one already resolved).',
      ),
    ],
  ),
  AnomalyResultsStored: payload(
    NS,
    'AnomalyResultsStored',
    'Findings and incident documents were written (idempotent upserts).',
    [
      { name: 'run', type: DocumentRef },
      { name: 'writes', type: arrayOf(WriteSummary) },
      { name: 'incidents', type: arrayOf(IncidentTouched) },
    ],
  ),
  AnomalyDetectionCompleted: payload(
    NS,
    'AnomalyDetectionCompleted',
    'The detection run is complete; incident events were published.',
    [
      { name: 'runId', type: 'string' },
      { name: 'findings', type: 'long' },
      { name: 'findingsByKind', type: mapOf('long') },
      { name: 'incidentsOpened', type: arrayOf('string') },
      { name: 'incidentsUpdated', type: arrayOf('string') },
      { name: 'incidentsReopened', type: arrayOf('string') },
      {
        name: 'incidentsResolved',
        type: arrayOf('string'),
        doc: 'Open incidents whose findings no longer fire.',
      },
      {
        name: 'highestSeverity',
        type: nullable(Severity),
        doc: 'Null when nothing was found.',
        default: null,
      },
    ],
  ),
  AnomalyDetectionRejected: rejectedPayload(NS, 'AnomalyDetectionRejected', 'anomaly.detect'),
  AnomalyDetectionFailed: failedPayload(NS, 'AnomalyDetectionFailed', 'anomaly.detect'),
} as const;
