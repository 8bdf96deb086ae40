import { z } from 'zod';

/** Thrown at start-up when the environment does not describe a runnable service. Lists every problem at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const csv = z
  .string()
  .min(1)
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );

/** Settings every service shares. Each service extends this schema with its own keys. */
/** A yes/no environment variable: `true`/`1` or `false`/`0` (give it a `.default('true' | 'false')`). */
export const booleanVariable = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');

export const baseConfigSchema = z.object({
  KAFKA_BROKERS: csv.describe('comma-separated host:port list of Kafka brokers'),
  SCHEMA_REGISTRY_URL: z.string().url().describe('Confluent-compatible Schema Registry base URL'),
  MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://'),
  MONGODB_DB: z.string().min(1).default('self_healing'),
  SERVICE_INSTANCE_ID: z.string().min(1).default('0'),
  TOPIC_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9._-]*$/, 'letters, digits, dot, dash, underscore')
    .default(''),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
  RETRY_BACKOFF_MS: z.coerce.number().int().min(0).default(200),
  SESSION_TIMEOUT_MS: z.coerce.number().int().min(6000).max(300_000).default(30_000),
});
export type BaseConfig = z.infer<typeof baseConfigSchema>;

/** For a service's entry point: a bad environment is reported as a list of problems and exit code 2, not a stack. */
export function configOrExit<T>(load: () => T, service: string): T {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${service}: ${error.message}\n`);
    process.exit(2);
  }
}

/** Validates `env` against `schema`, naming each missing or malformed variable, instead of failing later. */
export function loadConfig<S extends z.ZodTypeAny>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
}
