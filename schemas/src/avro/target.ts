import { enumeration, nullable, record, timestampMillis } from './dsl.js';

/**
 * The deployments topic: what was deployed where, by the project's own deployer or by any upstream CD system.
 * A plain record, not a stage event (no envelope): a CD system publishes it without knowing about incidents.
 */
export const NS = 'selfhealing.target';

export const DeploymentAction = enumeration(NS, 'DeploymentAction', 'What the deployment did.', [
  'deploy',
  'canary',
  'shift',
  'promote',
  'rollback',
]);

export const DeploymentResult = enumeration(NS, 'DeploymentResult', 'Whether it happened.', [
  'succeeded',
  'failed',
]);

export const DeploymentRecorded = record(
  NS,
  'DeploymentRecorded',
  'One deployment action on one service in one environment. Key: `<service>/<environment>`, so the actions on one service stay in order.',
  [
    {
      name: 'deploymentId',
      type: 'string',
      doc: 'Id of this action, unique per service, environment, commit, action and start time; a republished record keeps it (consumers drop duplicates by it).',
    },
    { name: 'service', type: 'string', doc: 'Service name as in the service catalogue.' },
    { name: 'environment', type: 'string', doc: 'e.g. production, staging, local.' },
    { name: 'commit', type: 'string', doc: 'Full commit id of the version the action is about.' },
    { name: 'version', type: 'string', doc: 'Human version, e.g. `1.4.0+3f2a9c1`.' },
    {
      name: 'previousCommit',
      type: nullable('string'),
      doc: 'The commit that served all traffic before the action; null for a first deploy.',
      default: null,
    },
    { name: 'action', type: DeploymentAction },
    { name: 'outcome', type: DeploymentResult, doc: 'A failed action changed no traffic.' },
    {
      name: 'trafficPercent',
      type: 'double',
      doc: 'Share of traffic on `commit` once the action finished (100 after deploy or promote, the canary share after canary or shift, 0 after a failure).',
    },
    { name: 'instances', type: 'int', doc: 'Instances of `commit` running; 0 after a failure.' },
    { name: 'startedAt', type: timestampMillis },
    { name: 'finishedAt', type: timestampMillis },
    {
      name: 'reason',
      type: nullable('string'),
      doc: 'Why it failed (the step and the last lines of its output); null on success.',
      default: null,
    },
    { name: 'deployer', type: 'string', doc: 'The system that acted, e.g. process-haproxy, argo-rollouts.' },
    { name: 'host', type: 'string', doc: 'Where the deployer ran.' },
  ],
);
