/** What the deployer did, as published on the public deployments topic (schema: schemas/src/avro/target.ts). */
export type DeploymentAction = 'deploy' | 'canary' | 'shift' | 'promote' | 'rollback';
export type DeploymentResult = 'succeeded' | 'failed';

export interface DeploymentRecord {
  deploymentId: string;
  service: string;
  environment: string;
  commit: string;
  version: string;
  /** The commit that served all traffic before this action; null for a first deploy. */
  previousCommit: string | null;
  action: DeploymentAction;
  outcome: DeploymentResult;
  /** Percent of traffic on `commit` once the action finished. */
  trafficPercent: number;
  instances: number;
  startedAt: number;
  finishedAt: number;
  /** Why it failed; null on success. */
  reason: string | null;
  deployer: string;
  host: string;
}

export interface DeploymentRecorder {
  record(record: DeploymentRecord): Promise<void>;
}
