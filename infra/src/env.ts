// Endpoints given in the environment take precedence over anything we could start ourselves.
import type { Endpoints } from './config.js';

export const ENDPOINT_ENV_VARS = ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'MONGODB_URI'] as const;
/** Optional, as a pair: a forge (its base URL, without /api/v1) and an access token for it. */
export const FORGE_ENV_VARS = ['FORGE_URL', 'FORGE_TOKEN'] as const;

export type EnvEndpoints =
  | { kind: 'complete'; endpoints: Endpoints }
  | { kind: 'none' }
  /** Some but not all variables set: almost certainly a mistake, so callers should refuse rather than guess. */
  | { kind: 'partial'; missing: string[]; present: string[] }
  | { kind: 'invalid'; problems: string[] };

export function parseEndpointsEnv(env: NodeJS.ProcessEnv): EnvEndpoints {
  const values = Object.fromEntries(ENDPOINT_ENV_VARS.map((k) => [k, env[k]?.trim() ?? ''])) as Record<
    (typeof ENDPOINT_ENV_VARS)[number],
    string
  >;
  const present = ENDPOINT_ENV_VARS.filter((k) => values[k] !== '');
  if (present.length === 0) return { kind: 'none' };
  if (present.length < ENDPOINT_ENV_VARS.length) {
    return { kind: 'partial', present, missing: ENDPOINT_ENV_VARS.filter((k) => values[k] === '') };
  }

  const problems: string[] = [];
  const kafkaBrokers = parseBrokers(values.KAFKA_BROKERS);
  if (kafkaBrokers.length === 0) problems.push(`KAFKA_BROKERS="${values.KAFKA_BROKERS}" lists no host:port`);
  for (const b of kafkaBrokers) {
    if (!/^[^\s:/]+:\d{1,5}$/.test(b) && !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(b)) {
      problems.push(`KAFKA_BROKERS entry "${b}" is not host:port`);
    }
  }
  const schemaRegistryUrl = values.SCHEMA_REGISTRY_URL.replace(/\/+$/, '');
  if (!isUrlWithScheme(schemaRegistryUrl, ['http:', 'https:'])) {
    problems.push(`SCHEMA_REGISTRY_URL="${values.SCHEMA_REGISTRY_URL}" is not an http(s) URL`);
  }
  const mongodbUri = values.MONGODB_URI;
  if (!/^mongodb(\+srv)?:\/\/\S+$/.test(mongodbUri)) {
    problems.push(`MONGODB_URI="${mongodbUri}" is not a mongodb:// or mongodb+srv:// URI`);
  }
  const forgeUrl = env['FORGE_URL']?.trim().replace(/\/+$/, '') ?? '';
  const forgeToken = env['FORGE_TOKEN']?.trim() ?? '';
  if ((forgeUrl === '') !== (forgeToken === '')) {
    problems.push('FORGE_URL and FORGE_TOKEN go together: set both (or neither)');
  } else if (forgeUrl !== '' && !isUrlWithScheme(forgeUrl, ['http:', 'https:'])) {
    problems.push(`FORGE_URL="${forgeUrl}" is not an http(s) URL`);
  }
  if (problems.length > 0) return { kind: 'invalid', problems };
  return {
    kind: 'complete',
    endpoints: {
      kafkaBrokers,
      schemaRegistryUrl,
      mongodbUri,
      ...(forgeUrl ? { forge: { url: forgeUrl, token: forgeToken } } : {}),
    },
  };
}

export function parseBrokers(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim().replace(/^PLAINTEXT:\/\//i, ''))
    .filter((s) => s !== '');
}

function isUrlWithScheme(text: string, schemes: string[]): boolean {
  try {
    return schemes.includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

/** Shell lines that hand the endpoints to another process (printed by `infra up`). */
export function endpointsToEnvLines(e: Endpoints): string[] {
  return [
    `KAFKA_BROKERS=${e.kafkaBrokers.join(',')}`,
    `SCHEMA_REGISTRY_URL=${e.schemaRegistryUrl}`,
    `MONGODB_URI=${e.mongodbUri}`,
    ...(e.forge ? [`FORGE_URL=${e.forge.url}`, `FORGE_TOKEN=${e.forge.token}`] : []),
  ];
}
