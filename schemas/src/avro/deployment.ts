import { arrayOf, enumeration, optional, record, timestampMillis } from './dsl.js';
import { Reason, Trigger, failedPayload, payload, rejectedPayload } from './common.js';
import { Verdict } from './validation.js';

/** deployment.deploy: a validated patch in, a verified production deployment out. Keyed by incident. */
export const NS = 'selfhealing.deployment';

export const ApprovalStatus = enumeration(NS, 'ApprovalStatus', 'Where approval stands.', [
  'approved',
  'pending',
  'denied',
]);

export const ApprovalMode = enumeration(NS, 'ApprovalMode', 'Who decided.', ['policy', 'person']);

export const DeployStrategy = enumeration(NS, 'DeployStrategy', 'How the new version is rolled out.', [
  'canary',
  'rolling',
  'direct',
]);

export const CiConclusion = enumeration(NS, 'CiConclusion', 'Result of CI checks.', [
  'success',
  'failure',
  'cancelled',
  'timed_out',
]);

export const CiCheck = record(NS, 'CiCheck', 'One CI check run.', [
  { name: 'name', type: 'string' },
  { name: 'conclusion', type: CiConclusion },
  optional('url', 'string', 'Link to the run.'),
  optional('durationMs', 'long', 'Null when not reported.'),
]);

export const MergeMethod = enumeration(NS, 'MergeMethod', 'How the pull request was merged.', [
  'merge',
  'squash',
  'rebase',
]);

export const HealthCheck = record(NS, 'HealthCheck', 'One post-deployment check.', [
  { name: 'name', type: 'string', doc: 'e.g. error.rate, latency.p95, readiness.' },
  { name: 'passed', type: 'boolean' },
  optional('observed', 'double', 'Observed value.'),
  optional('threshold', 'double', 'Limit it was held to.'),
  { name: 'detail', type: 'string' },
]);

export const DeploymentOutcome = enumeration(NS, 'DeploymentOutcome', 'How the deployment ended.', [
  'deployed',
  'rolled_back',
]);

export const deploymentDeployPayloads = {
  DeploymentRequested: payload(NS, 'DeploymentRequested', 'Deployment of a validated patch was accepted.', [
    { name: 'deploymentId', type: 'string', doc: 'Deterministic (patch, environment).' },
    { name: 'patchId', type: 'string' },
    { name: 'validationId', type: 'string' },
    { name: 'environment', type: 'string' },
    { name: 'strategy', type: DeployStrategy },
    { name: 'trigger', type: Trigger },
    { name: 'requestedBy', type: 'string' },
    optional('rollbackOf', 'string', 'A rollback: the deployment whose fix is taken out again.'),
  ]),
  ValidationResultsLoaded: payload(
    NS,
    'ValidationResultsLoaded',
    'The validation verdict was loaded and checked to match the patch.',
    [
      { name: 'validationId', type: 'string' },
      { name: 'verdict', type: Verdict },
      { name: 'checksPassed', type: 'int' },
      { name: 'checksFailed', type: 'int' },
      optional('headCommit', 'string', 'Commit that was validated.'),
    ],
  ),
  ApprovalChecked: payload(
    NS,
    'ApprovalChecked',
    'The deployment policy was evaluated. Pending means the run waits for an Approve/RejectDeploymentCommand, after which this beat runs again.',
    [
      { name: 'status', type: ApprovalStatus },
      { name: 'mode', type: ApprovalMode },
      { name: 'policy', type: 'string', doc: 'Name and version of the policy evaluated.' },
      optional('approver', 'string', 'The person, when mode = person.'),
      { name: 'reasons', type: arrayOf(Reason), doc: 'Why approval is needed or was denied.' },
    ],
  ),
  BranchCreated: payload(NS, 'BranchCreated', 'A branch for the fix was created from the base commit.', [
    { name: 'repository', type: 'string' },
    { name: 'branch', type: 'string' },
    { name: 'baseCommit', type: 'string' },
    { name: 'existed', type: 'boolean', doc: 'The branch was already there (a retried beat).' },
  ]),
  ChangesApplied: payload(NS, 'ChangesApplied', 'The patch was committed on the branch and pushed.', [
    { name: 'branch', type: 'string' },
    { name: 'commit', type: 'string' },
    { name: 'filesChanged', type: 'int' },
  ]),
  PullRequestCreated: payload(
    NS,
    'PullRequestCreated',
    'A pull request was opened (or found open) for the branch.',
    [
      { name: 'provider', type: 'string', doc: 'e.g. github, gitlab.' },
      { name: 'number', type: 'long' },
      { name: 'url', type: 'string' },
      { name: 'title', type: 'string' },
      { name: 'existed', type: 'boolean' },
    ],
  ),
  CIChecksConcluded: payload(NS, 'CIChecksConcluded', "CI finished on the pull request's head commit.", [
    { name: 'conclusion', type: CiConclusion },
    { name: 'headCommit', type: 'string' },
    { name: 'checks', type: arrayOf(CiCheck) },
    { name: 'durationMs', type: 'long' },
  ]),
  PullRequestMerged: payload(NS, 'PullRequestMerged', 'The pull request was merged.', [
    { name: 'number', type: 'long' },
    { name: 'mergeCommit', type: 'string' },
    { name: 'method', type: MergeMethod },
    { name: 'automatic', type: 'boolean', doc: 'Merged by the platform rather than a person.' },
    { name: 'mergedBy', type: 'string' },
    optional(
      'headCommit',
      'string',
      "The pull request's head commit that was merged: the fix commit, or its latest replay on a default branch that moved on. Null in events written before this field.",
    ),
    optional(
      'replayedOnto',
      arrayOf('string'),
      'The default-branch heads the fix was replayed onto, in order, when the branch moved on under its pull request (each replay went through CI again); empty when merged as first pushed. Null in events written before this field.',
    ),
  ]),
  DeployedToProduction: payload(NS, 'DeployedToProduction', 'The merged commit was rolled out.', [
    { name: 'deploymentId', type: 'string' },
    { name: 'environment', type: 'string' },
    { name: 'version', type: 'string', doc: 'Artifact version or commit deployed.' },
    { name: 'strategy', type: DeployStrategy },
    { name: 'provider', type: 'string', doc: 'Deployment system.' },
    { name: 'startedAt', type: timestampMillis },
    { name: 'finishedAt', type: timestampMillis },
    optional('url', 'string', 'Link to the deployment.'),
  ]),
  DeploymentVerified: payload(
    NS,
    'DeploymentVerified',
    'Production health was checked after rollout; rolled back when unhealthy.',
    [
      { name: 'healthy', type: 'boolean' },
      { name: 'checks', type: arrayOf(HealthCheck) },
      { name: 'observedForMs', type: 'long' },
      { name: 'rolledBack', type: 'boolean' },
      optional('rollbackReason', 'string', 'Why, when rolled back.'),
    ],
  ),
  DeploymentCompleted: payload(NS, 'DeploymentCompleted', 'The deployment is complete.', [
    { name: 'deploymentId', type: 'string' },
    { name: 'patchId', type: 'string' },
    { name: 'outcome', type: DeploymentOutcome },
    { name: 'environment', type: 'string' },
    { name: 'mergeCommit', type: 'string' },
    optional('pullRequestUrl', 'string', 'The pull request.'),
    { name: 'deployedAt', type: timestampMillis },
    optional(
      'revertPullRequestUrl',
      'string',
      'Rolled back: the pull request that took the fix out of the default branch again.',
    ),
    optional('revertFailure', 'string', 'Rolled back, but the fix is still on the default branch: why.'),
    optional(
      'rollbackOf',
      'string',
      'This deployment took out the fix of that deployment (RollbackDeploymentCommand); it is not a fix itself.',
    ),
  ]),
  DeploymentRejected: rejectedPayload(NS, 'DeploymentRejected', 'deployment.deploy'),
  DeploymentFailed: failedPayload(NS, 'DeploymentFailed', 'deployment.deploy'),
} as const;
