import { z } from 'zod';
import { baseConfigSchema, loadConfig } from '@self-healing/shared';
import { catalogueVariable, type Catalogue } from '@self-healing/shared/catalogue';
import {
  HOUR_SCALE_DETECTOR_OPTIONS,
  MINUTE_SCALE_DETECTOR_OPTIONS,
  type SeriesDetectorOptions,
} from '../performance/index.js';
import type { AnomalyDetectSettings } from './deps.js';

/**
 * Named time scales of the performance detector, as `PERFORMANCE_DETECTOR` and a catalogue service's
 * `detection.preset` name them: `default` suits weeks of history, `hour-scale` hours of it (the demo), `minute-scale`
 * a two-minute warm-up (benches that must see latency faults in minutes).
 */
export const DETECTOR_PRESETS: Readonly<Record<string, Readonly<Partial<SeriesDetectorOptions>>>> = {
  default: {},
  'hour-scale': HOUR_SCALE_DETECTOR_OPTIONS,
  'minute-scale': MINUTE_SCALE_DETECTOR_OPTIONS,
};

function detectorPreset(name: string): Partial<SeriesDetectorOptions> | undefined {
  return Object.hasOwn(DETECTOR_PRESETS, name) ? { ...DETECTOR_PRESETS[name] } : undefined;
}

const presetNames = () => Object.keys(DETECTOR_PRESETS).join(', ');
const unknownPreset = (name: string) =>
  `unknown detector preset ${JSON.stringify(name.slice(0, 40))} (known: ${presetNames()})`;

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
    .default('default')
    .transform((text, ctx) => {
      const preset = detectorPreset(text);
      if (preset) return preset;
      if (!text.trimStart().startsWith('{')) {
        ctx.addIssue({ code: 'custom', message: unknownPreset(text) });
        return z.NEVER;
      }
      try {
        return JSON.parse(text) as Partial<SeriesDetectorOptions>;
      } catch {
        ctx.addIssue({
          code: 'custom',
          message: `a preset (${presetNames()}) or a JSON object of detector options (e.g. {"minHistoryMs":3600000})`,
        });
        return z.NEVER;
      }
    })
    .describe(
      `time scales of the performance detector: ${presetNames()}, or JSON options; defaults suit days of history`,
    ),
  ERROR_WARMUP_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(600_000)
    .describe(
      'event time after the first event during which error templates and stack signatures are learned, not reported as new (a demo with minutes of warm-up traffic sets it below that)',
    ),
  WINDOW_SETTLE_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(10_000)
    .describe(
      "how far parsing must have gone past a window's end before the performance monitor takes the window: logs of several instances and shippers arrive a few seconds apart, and a window judged before the rest of its lines arrived is judged on part of them",
    ),
  DISMISS_SUPPRESS_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(7 * 24 * 3_600_000)
    .describe(
      "how long findings of a dismissed incident's templates and subjects open nothing, unless `healctl dismiss --quiet-for` says (default a week)",
    ),
  CATALOGUE: catalogueVariable
    .superRefine((catalogue, ctx) => {
      for (const [service, entry] of Object.entries(catalogue?.services ?? {}))
        if (!detectorPreset(entry.detection.preset))
          ctx.addIssue({
            code: 'custom',
            message: `services.${service}.detection.preset: ${unknownPreset(entry.detection.preset)}`,
          });
    })
    .describe("service catalogue file; a service's detection.preset sets its series' time scales"),
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
    performanceDetectorByService: detectorsOfServices(c.CATALOGUE),
    errorWarmupMs: c.ERROR_WARMUP_MS,
    windowSettleMs: c.WINDOW_SETTLE_MS,
    dismissSuppressMs: c.DISMISS_SUPPRESS_MS,
  };
}

/** Each catalogue service's detector options, from its `detection.preset` (validated with the configuration). */
export function detectorsOfServices(
  catalogue: Catalogue | null,
): Record<string, Partial<SeriesDetectorOptions>> {
  return Object.fromEntries(
    Object.entries(catalogue?.services ?? {}).map(([service, entry]) => [
      service,
      detectorPreset(entry.detection.preset) ?? {},
    ]),
  );
}
