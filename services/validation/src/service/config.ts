import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { baseConfigSchema, booleanVariable, loadConfig } from '@self-healing/shared';
import { catalogueVariable } from '@self-healing/shared/catalogue';

export const validationConfigSchema = baseConfigSchema.extend({
  CATALOGUE: catalogueVariable.describe(
    'service catalogue file: how each service is installed, built and tested, and its limits; without it every patch is rejected',
  ),
  REPO_CACHE_DIR: z
    .string()
    .min(1)
    .default(join(homedir(), '.cache', 'self-healing', 'repos'))
    .describe(
      'folder of the bare mirrors of the healed services’ repositories (shared with diagnosis and fix.generate)',
    ),
  VALIDATION_WORK_DIR: z
    .string()
    .min(1)
    .default(join(homedir(), '.cache', 'self-healing', 'validation'))
    .describe(
      'worktrees of the runs, the installed dependencies (one per lockfile) and npm’s download cache',
    ),
  FORGE_URL: z.string().url().optional().describe('the forge; its repositories are cloned with FORGE_TOKEN'),
  FORGE_TOKEN: z.string().min(1).optional().describe('access token for cloning from FORGE_URL'),
  FORGE_USER: z.string().min(1).default('forge-admin').describe('the account FORGE_TOKEN belongs to'),
  TEST_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .max(3_600_000)
    .default(300_000)
    .describe('one run of the application’s test suite, killed whole after this'),
  MAX_DISK_MB: z.coerce
    .number()
    .int()
    .min(16)
    .default(2048)
    .describe('what untrusted code may write in a run'),
  TEST_RERUNS: z.coerce
    .number()
    .int()
    .min(0)
    .max(5)
    .default(1)
    .describe('reruns of both suites when a test’s outcome differs between base and patch (flaky tests)'),
  COVERAGE_THRESHOLD: z.coerce
    .number()
    .min(0)
    .max(1)
    .default(0.8)
    .describe('share of the changed executable lines the tests must run'),
  ACCEPT_RESTORED_CODE: booleanVariable
    .default('true')
    .describe(
      'a patch whose production files are exactly those of the last good deployment passes without a regression test and under the coverage threshold: production ran that code without the symptom',
    ),
  PERF_SAMPLES: z.coerce
    .number()
    .int()
    .min(10)
    .max(10_000)
    .default(200)
    .describe('requests per route and version in the performance replay'),
  PERF_MAX_SLOWDOWN: z.coerce
    .number()
    .min(0)
    .max(10)
    .default(0.1)
    .describe('relative latency increase tolerated before a significant change counts as a regression'),
});

export type ValidationConfig = z.infer<typeof validationConfigSchema>;

export function loadValidationConfig(
  env: Record<string, string | undefined> = process.env,
): ValidationConfig {
  return loadConfig(validationConfigSchema, env);
}
