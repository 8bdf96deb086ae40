import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { baseConfigSchema, loadConfig } from '@self-healing/shared';
import { catalogueVariable } from '@self-healing/shared/catalogue';

const cacheRoot = join(homedir(), '.cache', 'self-healing');

export const deploymentConfigSchema = baseConfigSchema.extend({
  CATALOGUE: catalogueVariable.describe(
    'service catalogue file: each service’s repository, deployer and healing policy; without it every deployment is rejected',
  ),
  REPO_CACHE_DIR: z
    .string()
    .min(1)
    .default(join(cacheRoot, 'repos'))
    .describe('bare mirrors of the healed services’ repositories (shared with the other stages)'),
  DEPLOYMENT_WORK_DIR: z
    .string()
    .min(1)
    .default(join(cacheRoot, 'deployment'))
    .describe('CI checkouts and installed dependencies'),
  TARGET_HOME: z
    .string()
    .min(1)
    .default(cacheRoot)
    .describe(
      'where `healctl target` keeps each service’s target (its agent socket is <TARGET_HOME>/target/<service>)',
    ),
  FORGE_URL: z.string().url().optional().describe('the forge holding the services’ repositories'),
  FORGE_TOKEN: z.string().min(1).optional().describe('token of the platform’s account on the forge'),
  FORGE_USER: z.string().min(1).default('forge-admin').describe('the account FORGE_TOKEN belongs to'),
  ENVIRONMENT: z.string().min(1).default('production').describe('the environment this consumer deploys to'),
  APPROVAL_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(24 * 3_600_000)
    .describe('how long a fix waits for a person’s approval before the deployment is refused and escalated'),
  REVIEW_POLL_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(300_000)
    .describe('how often a fix waiting for approval looks for an approving review on its pull request'),
  CI_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(30 * 60_000)
    .describe('how long the pull request’s head commit may stay without a concluded ci/validation status'),
  CI_POLL_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(15_000)
    .describe('how often a pending CI status is looked at again'),
  TEST_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .max(3_600_000)
    .default(300_000)
    .describe('one run of the application’s test suite in CI, killed whole after this'),
  MAX_DISK_MB: z.coerce.number().int().min(16).default(2048).describe('what the tests may write in CI'),
  CANARY_MAX_WAIT_FACTOR: z.coerce
    .number()
    .min(1)
    .max(20)
    .default(3)
    .describe(
      'a canary step without enough requests to judge waits up to this many step durations, then rolls back',
    ),
});

export type DeploymentConfig = z.infer<typeof deploymentConfigSchema>;

export function loadDeploymentConfig(
  env: Record<string, string | undefined> = process.env,
): DeploymentConfig {
  return loadConfig(deploymentConfigSchema, env);
}
