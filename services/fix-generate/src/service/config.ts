import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { baseConfigSchema, loadConfig } from '@self-healing/shared';

export const fixGenerateConfigSchema = baseConfigSchema.extend({
  REPO_CACHE_DIR: z
    .string()
    .min(1)
    .default(join(homedir(), '.cache', 'self-healing', 'repos'))
    .describe('folder of the bare mirrors of the healed services’ repositories (shared with diagnosis)'),
  FIX_WORK_DIR: z
    .string()
    .min(1)
    .default(join(homedir(), '.cache', 'self-healing', 'fix-generate'))
    .describe('worktrees of the runs and the dependencies installed for type-checking'),
  FORGE_URL: z.string().url().optional().describe('the forge; its repositories are cloned with FORGE_TOKEN'),
  FORGE_TOKEN: z.string().min(1).optional().describe('access token for cloning from FORGE_URL'),
  FORGE_USER: z.string().min(1).default('forge-admin').describe('the account FORGE_TOKEN belongs to'),
  MAX_REMEDIES: z.coerce.number().int().min(1).max(10).default(3).describe('remedies of a diagnosis tried'),
  MAX_ATTEMPTS: z.coerce
    .number()
    .int()
    .min(1)
    .max(8)
    .default(3)
    .describe(
      'candidate fixes proposed per incident: a candidate that fails validation, is rolled back or changes nothing sends the stage to the next one, up to this many',
    ),
  MAX_PATCH_FILES: z.coerce.number().int().min(1).max(100).default(10),
  MAX_PATCH_LINES: z.coerce.number().int().min(1).max(5000).default(300),
  TYPECHECK: z
    .enum(['on', 'off'])
    .default('on')
    .describe(
      'type-check the patch with the application’s tsconfig (installs its packages without their scripts)',
    ),
});

export type FixGenerateConfig = z.infer<typeof fixGenerateConfigSchema>;

export function loadFixGenerateConfig(
  env: Record<string, string | undefined> = process.env,
): FixGenerateConfig {
  return loadConfig(fixGenerateConfigSchema, env);
}
