import { arrayOf, optional } from './dsl.js';
import { FindingKind, TimeRange, payload } from './common.js';
import { TelemetryFormat, TelemetrySource } from './telemetry.js';

/**
 * Requests to the stages, on the commands topic, keyed by the run or incident they address (a new run's id is
 * chosen by the requester). Ops and other teams may publish them; each stage validates in its first beat and
 * answers with `<Stage>Requested` or `<Stage>Rejected`.
 */
export const NS = 'selfhealing.command';

const requester = [
  { name: 'requestedBy', type: 'string', doc: 'Person or system, e.g. user:alice, service:healctl.' },
  optional('comment', 'string', 'Why, for the audit trail.'),
] as const;

export const commandPayloads = {
  ParseTelemetryCommand: payload(
    NS,
    'ParseTelemetryCommand',
    'Parse a range of raw telemetry (telemetry.parse).',
    [
      {
        name: 'runId',
        type: 'string',
        doc: 'Id of the new run, equal to the Kafka key; a repeated command with the same id is a no-op.',
      },
      { name: 'source', type: TelemetrySource },
      { name: 'services', type: arrayOf('string') },
      optional('timeRange', TimeRange, 'Null means everything in the source.'),
      optional('windowMs', 'long', 'Null means the service default.'),
      { name: 'formats', type: arrayOf(TelemetryFormat), doc: 'Empty means detect.' },
      ...requester,
    ],
  ),
  DetectAnomaliesCommand: payload(
    NS,
    'DetectAnomaliesCommand',
    'Run detection over stored aggregates (anomaly.detect).',
    [
      { name: 'runId', type: 'string' },
      { name: 'parseRunIds', type: arrayOf('string') },
      { name: 'services', type: arrayOf('string') },
      optional('timeRange', TimeRange, "Null means the parse runs' ranges."),
      { name: 'detectors', type: arrayOf(FindingKind), doc: 'Empty means all four.' },
      ...requester,
    ],
  ),
  AnalyzeIncidentCommand: payload(
    NS,
    'AnalyzeIncidentCommand',
    'Diagnose an incident (diagnosis.analyze), again if it was diagnosed.',
    [{ name: 'incidentId', type: 'string' }, ...requester],
  ),
  GenerateFixCommand: payload(
    NS,
    'GenerateFixCommand',
    'Generate a patch for chosen recommendations (fix.generate).',
    [
      { name: 'incidentId', type: 'string' },
      { name: 'diagnosisId', type: 'string' },
      {
        name: 'recommendationIds',
        type: arrayOf('string'),
        doc: "Empty means the diagnosis's top automatable recommendation.",
      },
      ...requester,
    ],
  ),
  ValidateFixCommand: payload(NS, 'ValidateFixCommand', 'Validate a patch (validation.run).', [
    { name: 'incidentId', type: 'string' },
    { name: 'patchId', type: 'string' },
    ...requester,
  ]),
  DeployFixCommand: payload(NS, 'DeployFixCommand', 'Deploy a validated patch (deployment.deploy).', [
    { name: 'incidentId', type: 'string' },
    { name: 'patchId', type: 'string' },
    { name: 'validationId', type: 'string' },
    optional('environment', 'string', 'Null means production.'),
    ...requester,
  ]),
  RollbackDeploymentCommand: payload(
    NS,
    'RollbackDeploymentCommand',
    'Take a promoted fix back out (deployment.deploy): a revert pull request, CI, merge and a canary of the revert.',
    [
      { name: 'incidentId', type: 'string' },
      { name: 'deploymentId', type: 'string', doc: 'The deployment that promoted the fix.' },
      { name: 'reason', type: 'string' },
      {
        name: 'nextCandidate',
        type: 'boolean',
        doc: 'Once the revert serves, send the fix stage to its next candidate for the incident.',
      },
      ...requester,
    ],
  ),
  ApproveDeploymentCommand: payload(
    NS,
    'ApproveDeploymentCommand',
    'A person approves a deployment waiting at checkApproval.',
    [
      { name: 'incidentId', type: 'string' },
      { name: 'deploymentId', type: 'string' },
      {
        name: 'patchId',
        type: 'string',
        doc: 'The patch the approver reviewed; a different pending patch is not approved.',
      },
      ...requester,
    ],
  ),
  RejectDeploymentCommand: payload(
    NS,
    'RejectDeploymentCommand',
    'A person refuses a deployment waiting at checkApproval.',
    [
      { name: 'incidentId', type: 'string' },
      { name: 'deploymentId', type: 'string' },
      { name: 'patchId', type: 'string' },
      { name: 'reason', type: 'string' },
      ...requester,
    ],
  ),
  TrackEffectivenessCommand: payload(
    NS,
    'TrackEffectivenessCommand',
    'Measure a deployed fix (learning.track).',
    [
      { name: 'incidentId', type: 'string' },
      { name: 'deploymentId', type: 'string' },
      optional('observeForMs', 'long', 'Null means the service default.'),
      ...requester,
    ],
  ),
  RetryStageCommand: payload(NS, 'RetryStageCommand', 'Resume a run that ended with <Stage>Failed.', [
    { name: 'sequenceId', type: 'string', doc: 'e.g. validation.run.' },
    optional('fromBeat', 'int', 'Null means the beat that failed.'),
    ...requester,
  ]),
  DismissIncidentCommand: payload(
    NS,
    'DismissIncidentCommand',
    'Close an incident without a fix (false positive, accepted risk).',
    [
      { name: 'incidentId', type: 'string' },
      { name: 'reason', type: 'string' },
      optional(
        'suppressForMs',
        'long',
        "How long findings of the incident's templates and subjects open nothing (the detectors' feedback); null means anomaly-detect's DISMISS_SUPPRESS_MS.",
      ),
      ...requester,
    ],
  ),
} as const;
