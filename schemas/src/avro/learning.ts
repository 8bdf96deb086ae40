import { arrayOf, enumeration, optional, record, timestampMillis } from './dsl.js';
import {
  DocumentRef,
  MetricComparison,
  Reason,
  TimeRange,
  Trigger,
  failedPayload,
  payload,
  rejectedPayload,
} from './common.js';

/** learning.track: a deployment in, a measured outcome and updated models out. Keyed by incident. */
export const NS = 'selfhealing.learning';

export const Outcome = enumeration(NS, 'Outcome', 'What the fix achieved.', [
  'resolved',
  'improved',
  'no_change',
  'regressed',
]);

export const ModelUpdate = record(NS, 'ModelUpdate', 'One learned model that changed.', [
  {
    name: 'model',
    type: 'string',
    doc: 'e.g. strategy-success-rate, detector-thresholds, baseline:<service>.',
  },
  { name: 'version', type: 'long', doc: 'Model version after the update.' },
  { name: 'samples', type: 'long', doc: 'Observations the model now rests on.' },
  { name: 'document', type: DocumentRef },
]);

export const Insight = record(NS, 'Insight', 'Something learned that people or later runs can use.', [
  { name: 'id', type: 'string', doc: 'Deterministic (kind, subject).' },
  { name: 'kind', type: 'string', doc: 'e.g. strategy-effective, flaky-detector, recurring-cause.' },
  { name: 'summary', type: 'string' },
  { name: 'confidence', type: 'double' },
]);

export const learningTrackPayloads = {
  EffectivenessTrackingRequested: payload(
    NS,
    'EffectivenessTrackingRequested',
    'Tracking of a deployed fix was accepted.',
    [
      { name: 'deploymentId', type: 'string' },
      { name: 'observeForMs', type: 'long' },
      { name: 'trigger', type: Trigger },
      { name: 'requestedBy', type: 'string' },
    ],
  ),
  DeploymentInfoLoaded: payload(
    NS,
    'DeploymentInfoLoaded',
    'The deployment and the incident it was meant to fix were loaded.',
    [
      { name: 'deploymentId', type: 'string' },
      { name: 'patchId', type: 'string' },
      optional('pullRequestUrl', 'string', 'The pull request the patch was merged through.'),
      { name: 'deployedAt', type: timestampMillis },
      { name: 'version', type: 'string' },
      { name: 'services', type: arrayOf('string') },
      { name: 'findingIds', type: arrayOf('string'), doc: "The incident's findings, to be re-examined." },
      { name: 'baselineWindow', type: TimeRange, doc: 'Before-deployment window the comparison uses.' },
    ],
  ),
  PostDeploymentMetricsCollected: payload(
    NS,
    'PostDeploymentMetricsCollected',
    'Aggregates after the deployment were collected.',
    [
      { name: 'window', type: TimeRange },
      { name: 'aggregates', type: 'long' },
      { name: 'events', type: 'long' },
      { name: 'errors', type: 'long' },
      { name: 'parseRunIds', type: arrayOf('string'), doc: 'Telemetry runs the aggregates came from.' },
      { name: 'complete', type: 'boolean', doc: 'The whole observation window is covered by telemetry.' },
    ],
  ),
  MetricsCompared: payload(NS, 'MetricsCompared', "Each finding's metric was compared before and after.", [
    { name: 'comparisons', type: arrayOf(MetricComparison), doc: 'One per finding subject, at most 200.' },
    { name: 'improved', type: 'int' },
    { name: 'unchanged', type: 'int' },
    { name: 'regressed', type: 'int' },
  ]),
  ImprovementCalculated: payload(
    NS,
    'ImprovementCalculated',
    'The comparisons were summarized into one improvement score.',
    [
      {
        name: 'improvementScore',
        type: 'double',
        doc: 'In [-1, 1]; 1 = every finding cleared, -1 = everything worse.',
      },
      optional('latencyP95Change', 'double', "Relative change of p95 latency on the incident's operations."),
      optional('errorRateChange', 'double', 'Relative change of the error rate.'),
      { name: 'findingsCleared', type: 'int' },
      { name: 'findingsRemaining', type: 'int' },
      {
        name: 'newFindings',
        type: 'int',
        doc: 'Findings on the same services that appeared after the deployment.',
      },
    ],
  ),
  SuccessAssessed: payload(NS, 'SuccessAssessed', 'The fix was judged.', [
    { name: 'outcome', type: Outcome },
    { name: 'confidence', type: 'double' },
    { name: 'reasons', type: arrayOf(Reason) },
    { name: 'rollbackRecommended', type: 'boolean' },
  ]),
  LearningModelsUpdated: payload(
    NS,
    'LearningModelsUpdated',
    'Strategy success rates, detector thresholds and baselines were updated.',
    [{ name: 'updates', type: arrayOf(ModelUpdate) }],
  ),
  InsightsGenerated: payload(NS, 'InsightsGenerated', 'Lessons were drawn.', [
    { name: 'insights', type: arrayOf(Insight) },
  ]),
  EffectivenessStored: payload(
    NS,
    'EffectivenessStored',
    'The effectiveness record was written to MongoDB.',
    [{ name: 'document', type: DocumentRef }],
  ),
  EffectivenessTrackingCompleted: payload(NS, 'EffectivenessTrackingCompleted', 'Tracking is complete.', [
    { name: 'deploymentId', type: 'string' },
    { name: 'patchId', type: 'string' },
    optional('pullRequestUrl', 'string', 'Carried so that IncidentResolved (fixed) can cite it.'),
    { name: 'outcome', type: Outcome },
    { name: 'improvementScore', type: 'double' },
    { name: 'findingsCleared', type: 'int' },
    { name: 'findingsRemaining', type: 'int' },
    { name: 'resolvesIncident', type: 'boolean', doc: 'True when an IncidentResolved (fixed) follows.' },
    { name: 'document', type: DocumentRef },
  ]),
  EffectivenessTrackingRejected: rejectedPayload(NS, 'EffectivenessTrackingRejected', 'learning.track'),
  EffectivenessTrackingFailed: failedPayload(NS, 'EffectivenessTrackingFailed', 'learning.track'),
} as const;
