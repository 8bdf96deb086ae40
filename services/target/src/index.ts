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
export { KafkaDeploymentRecorder } from './deployer/kafkaRecorder.js';
export { LogShipper } from './shipper/shipper.js';
export type { LogMeta, ShipperOptions } from './shipper/shipper.js';
export { cutLines } from './shipper/lines.js';
export { driveTraffic, summarize, quantile } from './traffic/driver.js';
export type { RequestResult, TrafficOptions, TrafficReport } from './traffic/driver.js';
export { planScenarios, defaultWeights } from './traffic/mix.js';
/** Seeded traffic's generator, for plans that must repeat with the traffic (chaos) and tests. */
export { prng } from '@self-healing/shared';
export type { PlannedRequest, Scenario, ScenarioKind } from './traffic/mix.js';
export { startAgent, agentSocket } from './agent/agent.js';
export type { AgentOptions, RunningAgent, TargetRequests } from './agent/agent.js';
export { callAgent, agentCommand, requestsSince } from './agent/client.js';
export { parseRequestLine, readRequestsSince, REQUEST_LINE_MARKER } from './deployer/requestLog.js';
export type { RequestRecord, RequestLog, ReadRequestsOptions } from './deployer/requestLog.js';
export { REQUEST_LOG_FORMAT } from './deployer/haproxy/config.js';
export type { SlotGroup } from './deployer/haproxy/config.js';
export { exampleCatalogue } from './catalogue.js';
