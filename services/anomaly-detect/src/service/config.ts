import { z } from 'zod';
import { baseConfigSchema, loadConfig } from '@self-healing/shared';
import type { AnomalyDetectSettings } from './deps.js';

export const anomalyDetectConfigSchema = baseConfigSchema.extend({
  COVERAGE_REPORT: z
    .string()
    .min(1)
    .optional()
    .describe('lcov .info or Istanbul coverage-final.json of the watched codebase'),
  DECLARED_ENTRIES: z
    .string()
    .min(1)
    .optional()
    .describe('JSON file: handlers and routes production should reach'),
  DECLARED_SEQUENCES: z
    .string()
    .min(1)
    .optional()
    .describe('JSON file: expected step sequences; default: learned from traffic'),
  PERFORMANCE_DETECTOR: z
    .string()
    .default('{}')
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as Record<string, number | boolean>;
      } catch {
        ctx.addIssue({
          code: 'custom',
          message: 'must be a JSON object of performance detector options (e.g. {"minHistoryMs":3600000})',
        });
        return z.NEVER;
      }
    })
    .describe(
      'time scales of the performance detector; defaults suit days of history, shorter ones suit a demo',
    ),
});

export type AnomalyDetectConfig = z.infer<typeof anomalyDetectConfigSchema>;

export function loadAnomalyDetectConfig(
  env: Record<string, string | undefined> = process.env,
): AnomalyDetectConfig {
  return loadConfig(anomalyDetectConfigSchema, env);
}

export function anomalyDetectSettings(c: AnomalyDetectConfig): AnomalyDetectSettings {
  return {
    coverageReport: c.COVERAGE_REPORT ?? null,
    declaredEntries: c.DECLARED_ENTRIES ?? null,
    declaredSequences: c.DECLARED_SEQUENCES ?? null,
    detectorVersion: '1',
    performanceDetector: c.PERFORMANCE_DETECTOR,
  };
}
