export type { Endpoints, LocalInfraOptions, Ports, Heaps, ServerName } from './config.js';
export { CCOMPAT_PATH, DEFAULT_PORTS, VERSIONS, defaultCacheDir, localLayout } from './config.js';
export type { EnvEndpoints } from './env.js';
export { ENDPOINT_ENV_VARS, endpointsToEnvLines, parseEndpointsEnv } from './env.js';
export type {
  LocalInfra,
  LocalInfraStatus,
  RestartableServer,
  ServerStatus,
  ServerTimings,
  StopResult,
} from './launcher.js';
export {
  LocalInfraError,
  RESTARTABLE_SERVERS,
  localInfraStatus,
  restartLocalServer,
  startLocalInfra,
  stopLocalInfra,
} from './launcher.js';
export type { EndpointSource, ResolveOptions, ResolvedEndpoints } from './resolve.js';
export { NoInfraError, resolveEndpoints } from './resolve.js';
export { dockerAvailable, startDockerInfra, DOCKER_IMAGES } from './docker.js';
export type { DockerInfra } from './docker.js';
export { kafkaProbe, mongoProbe, registryProbe, waitUntilReady } from './readiness.js';
