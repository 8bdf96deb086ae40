import { z } from 'zod';
import { baseConfigSchema, loadConfig } from '@self-healing/shared';

export const learningConfigSchema = baseConfigSchema.extend({
  OBSERVE_FOR_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(30 * 60_000)
    .describe('how long after a deployment its effect is observed before it is judged'),
  SETTLE_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(60_000)
    .describe('the first part of the observation window left out (the rollout’s own minutes)'),
  BASELINE_MS: z.coerce
    .number()
    .int()
    .min(60_000)
    .default(2 * 3_600_000)
    .describe('the window before the incident’s onset its series are compared with'),
  TELEMETRY_LAG_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(120_000)
    .describe('how long after the window’s end its telemetry may still arrive (parse runs, window closing)'),
  ALPHA: z.coerce
    .number()
    .min(0.0001)
    .max(0.2)
    .default(0.01)
    .describe('significance level of the comparisons'),
});

export type LearningConfig = z.infer<typeof learningConfigSchema>;

export function loadLearningConfig(env: Record<string, string | undefined> = process.env): LearningConfig {
  return loadConfig(learningConfigSchema, env);
}
