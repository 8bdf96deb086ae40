import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { baseConfigSchema, loadConfig } from '@self-healing/shared';
import { catalogueVariable } from '@self-healing/shared/catalogue';

export const diagnosisConfigSchema = baseConfigSchema.extend({
  CATALOGUE: catalogueVariable.describe(
    'service catalogue file: where each service’s repository is and how it is built; without it every incident is rejected',
  ),
  REPO_CACHE_DIR: z
    .string()
    .min(1)
    .default(join(homedir(), '.cache', 'self-healing', 'repos'))
    .describe('folder of the bare mirrors of the healed services’ repositories'),
  FORGE_URL: z.string().url().optional().describe('the forge; its repositories are cloned with FORGE_TOKEN'),
  FORGE_TOKEN: z.string().min(1).optional().describe('access token for cloning from FORGE_URL'),
  FORGE_USER: z.string().min(1).default('forge-admin').describe('the account FORGE_TOKEN belongs to'),
  DEPLOYMENT_ENVIRONMENT: z
    .string()
    .min(1)
    .optional()
    .describe('environment whose deployments count (DeploymentRecorded.environment); default: any'),
  ONSET_GRACE_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(3_600_000)
    .default(60_000)
    .describe('a deployment that started up to this long after the onset may still have brought the symptom'),
  HISTORY_COMMITS: z.coerce
    .number()
    .int()
    .min(1)
    .max(5000)
    .default(30)
    .describe('commits searched for suspects when no deployment bounds the window'),
});

export type DiagnosisConfig = z.infer<typeof diagnosisConfigSchema>;

export function loadDiagnosisConfig(env: Record<string, string | undefined> = process.env): DiagnosisConfig {
  return loadConfig(diagnosisConfigSchema, env);
}
