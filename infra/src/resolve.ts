// Where the servers come from, in order of preference: the environment, Docker, the local launcher.
import type { Endpoints, LocalInfraOptions } from './config.js';
import { dockerAvailable, startDockerInfra } from './docker.js';
import { ENDPOINT_ENV_VARS, parseEndpointsEnv } from './env.js';
import { startLocalInfra } from './launcher.js';

export type EndpointSource = 'env' | 'docker' | 'local-started' | 'local-reused';

export type ResolvedEndpoints = {
  endpoints: Endpoints;
  source: EndpointSource;
  /** Stops what this call started (containers, or local servers it launched); a no-op otherwise. */
  stop(): Promise<void>;
};

export type ResolveOptions = LocalInfraOptions & {
  env?: NodeJS.ProcessEnv;
  /** Try Docker before the local launcher. Default: true, unless SELF_HEALING_INFRA=local. */
  docker?: boolean;
  /** Allow the local launcher. Default: true, unless SELF_HEALING_INFRA=docker. */
  local?: boolean;
  dockerTimeoutMs?: number;
};

export class NoInfraError extends Error {
  override name = 'NoInfraError';
}

export async function resolveEndpoints(opts: ResolveOptions = {}): Promise<ResolvedEndpoints> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? (() => undefined);
  const fromEnv = parseEndpointsEnv(env);
  switch (fromEnv.kind) {
    case 'complete':
      log('using endpoints from KAFKA_BROKERS, SCHEMA_REGISTRY_URL, MONGODB_URI');
      return { endpoints: fromEnv.endpoints, source: 'env', stop: async () => undefined };
    case 'partial':
      throw new NoInfraError(
        `${fromEnv.present.join(', ')} set but ${fromEnv.missing.join(', ')} not: set all of ` +
          `${ENDPOINT_ENV_VARS.join(', ')} to use your own servers, or none to let the project start them.`,
      );
    case 'invalid':
      throw new NoInfraError(
        `endpoint environment variables are malformed:\n  ${fromEnv.problems.join('\n  ')}`,
      );
    case 'none':
      break;
  }

  const mode = env['SELF_HEALING_INFRA']?.trim();
  const tryDocker = opts.docker ?? mode !== 'local';
  const tryLocal = opts.local ?? mode !== 'docker';
  const problems: string[] = [];

  if (tryDocker) {
    if (await dockerAvailable(opts.dockerTimeoutMs)) {
      log('Docker answers: starting Kafka, Schema Registry and MongoDB containers');
      const docker = await startDockerInfra();
      return { endpoints: docker.endpoints, source: 'docker', stop: docker.stop };
    }
    problems.push('no Docker engine answered (checked with testcontainers getContainerRuntimeClient())');
  }

  if (tryLocal) {
    try {
      const local = await startLocalInfra(opts);
      return {
        endpoints: local.endpoints,
        source: local.startedHere ? 'local-started' : 'local-reused',
        stop: local.stop,
      };
    } catch (e) {
      problems.push(`the local launcher failed: ${(e as Error).message}`);
    }
  }

  throw new NoInfraError(
    'no Kafka / Schema Registry / MongoDB available:\n' +
      problems.map((p) => `  - ${p}`).join('\n') +
      '\nProvide them in one of these ways:\n' +
      `  1. set ${ENDPOINT_ENV_VARS.join(', ')} to running servers (e.g. KAFKA_BROKERS=localhost:9092,\n` +
      '     SCHEMA_REGISTRY_URL=http://localhost:8081, MONGODB_URI=mongodb://localhost:27017/), e.g. from `docker compose -f infra/compose.yaml up -d`;\n' +
      '  2. run a Docker engine (testcontainers starts the containers);\n' +
      '  3. install java 17+, mvn and go so that `npm run infra -- up` can fetch and start them locally.',
  );
}
