import { arrayOf, enumeration, optional, record, timestampMillis } from './dsl.js';
import { Finding, FindingKind, Severity, TimeRange, payload } from './common.js';

/**
 * The incident lifecycle, on the public incidents topic, keyed by incident id. It has ONE writer, the
 * anomaly-detect service, which owns the incident reducer (so `meta.seq` per incident stays contiguous): it opens,
 * updates and reopens incidents from findings, and resolves them as `recovered` after a quiet period, as `fixed`
 * when learning.track reports EffectivenessTrackingCompleted with resolvesIncident, and as `dismissed` on a
 * DismissIncidentCommand. Other teams subscribe to these four events only.
 */
export const NS = 'selfhealing.incident';

export const Resolution = enumeration(NS, 'Resolution', 'Why an incident was closed.', [
  'fixed',
  'recovered',
  'dismissed',
  'superseded',
]);

export const incidentPayloads = {
  IncidentOpened: payload(NS, 'IncidentOpened', 'A new incident, with all the evidence that opened it.', [
    { name: 'incidentId', type: 'string' },
    {
      name: 'fingerprint',
      type: 'string',
      doc: 'Grouping key; a recurrence after resolution reopens the incident with this fingerprint.',
    },
    { name: 'title', type: 'string' },
    { name: 'severity', type: Severity },
    { name: 'kinds', type: arrayOf(FindingKind) },
    { name: 'services', type: arrayOf('string') },
    {
      name: 'timeRange',
      type: TimeRange,
      doc: "From the earliest finding's since to the latest finding's at.",
    },
    { name: 'findings', type: arrayOf(Finding), doc: 'The grouped findings, in full.' },
    { name: 'detectionRunId', type: 'string' },
    { name: 'parseRunIds', type: arrayOf('string') },
  ]),
  IncidentUpdated: payload(NS, 'IncidentUpdated', 'New evidence for an open incident.', [
    { name: 'incidentId', type: 'string' },
    { name: 'severity', type: Severity },
    { name: 'previousSeverity', type: Severity },
    { name: 'kinds', type: arrayOf(FindingKind) },
    { name: 'services', type: arrayOf('string') },
    { name: 'timeRange', type: TimeRange },
    {
      name: 'newFindings',
      type: arrayOf(Finding),
      doc: 'Findings not in the incident before, or with a changed magnitude.',
    },
    { name: 'findingCount', type: 'long', doc: 'Findings in the incident after the update.' },
    { name: 'detectionRunId', type: 'string' },
    optional(
      'newSubjects',
      arrayOf('string'),
      "Subjects of the new findings (a template's metric, a step, a stack signature) that no finding of the incident had before: evidence a diagnosis made earlier has not seen. Null in events written before this field.",
    ),
  ]),
  IncidentResolved: payload(NS, 'IncidentResolved', 'The incident is closed.', [
    { name: 'incidentId', type: 'string' },
    { name: 'resolution', type: Resolution },
    { name: 'reason', type: 'string', doc: 'One sentence for people.' },
    { name: 'resolvedBy', type: 'string', doc: 'Stage, service or person.' },
    optional('patchId', 'string', 'The patch that fixed it, when resolution = fixed.'),
    optional('deploymentId', 'string', 'Its deployment.'),
    optional('pullRequestUrl', 'string', 'Its pull request.'),
    optional('improvementScore', 'double', 'From learning.track, in [-1, 1].'),
    { name: 'openForMs', type: 'long', doc: 'Time from opening (or last reopening) to resolution.' },
  ]),
  IncidentReopened: payload(
    NS,
    'IncidentReopened',
    'A resolved incident recurred: the same fingerprint fired again.',
    [
      { name: 'incidentId', type: 'string' },
      { name: 'previousResolution', type: Resolution },
      { name: 'severity', type: Severity },
      { name: 'services', type: arrayOf('string') },
      { name: 'timeRange', type: TimeRange },
      { name: 'findings', type: arrayOf(Finding), doc: 'The recurring findings, in full.' },
      { name: 'reopenCount', type: 'int', doc: 'Times this incident was reopened, this one included.' },
      { name: 'detectionRunId', type: 'string' },
    ],
  ),
} as const;

export const IncidentStatus = enumeration(
  NS,
  'IncidentStatus',
  'Where an incident is in the healing pipeline.',
  [
    'open',
    'diagnosing',
    'fixing',
    'validating',
    'awaiting_approval',
    'deploying',
    'tracking',
    'resolved',
    'stalled',
  ],
);

/**
 * Value of the compacted incidents.state topic: the projection's current view of one incident. Not an event
 * (no envelope); `version` grows with every change, so a reader can ignore an older copy.
 */
export const IncidentState = record(
  NS,
  'IncidentState',
  'Current state of one incident (latest value per key).',
  [
    { name: 'incidentId', type: 'string' },
    { name: 'version', type: 'long', doc: 'Events applied to this incident so far.' },
    { name: 'status', type: IncidentStatus },
    { name: 'title', type: 'string' },
    { name: 'severity', type: Severity },
    { name: 'kinds', type: arrayOf(FindingKind) },
    { name: 'services', type: arrayOf('string') },
    { name: 'timeRange', type: TimeRange },
    { name: 'findingCount', type: 'long' },
    { name: 'openedAt', type: timestampMillis },
    { name: 'updatedAt', type: timestampMillis },
    optional('resolvedAt', timestampMillis, 'Null while not resolved.'),
    optional('resolution', Resolution, 'Null while not resolved.'),
    optional('stage', 'string', 'Sequence currently running or last run, e.g. validation.run.'),
    { name: 'lastEventType', type: 'string' },
    { name: 'lastEventId', type: 'string' },
    optional('diagnosisId', 'string', 'Latest diagnosis.'),
    optional('patchId', 'string', 'Latest patch.'),
    optional('validationId', 'string', 'Latest validation of the latest patch.'),
    optional('validationVerdict', 'string', 'Its verdict: passed, failed or inconclusive.'),
    optional('deploymentId', 'string', 'Latest deployment.'),
    optional('pullRequestUrl', 'string', 'Latest pull request.'),
    { name: 'reopenCount', type: 'int' },
  ],
);
