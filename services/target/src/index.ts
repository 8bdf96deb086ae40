export { Deployer, DeployError } from './deployer/deployer.js';
export type { DeployerOptions, DeployStage, TargetStatus } from './deployer/deployer.js';
export type {
  DeploymentAction,
  DeploymentRecord,
  DeploymentRecorder,
  DeploymentResult,
} from './deployer/record.js';
export type { TargetState, VersionState, InstanceState } from './deployer/state.js';
export { HaproxyRuntime, parseShowStat } from './deployer/haproxy/runtime.js';
export type { ServerStat } from './deployer/haproxy/runtime.js';
export { RepositoryError } from './deployer/checkout.js';
export { materializeAppRepo } from './testing/appRepo.js';
export type { AppRepo } from './testing/appRepo.js';
