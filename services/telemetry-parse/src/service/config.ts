import { z } from 'zod';
import { baseConfigSchema, booleanVariable, loadConfig } from '@self-healing/shared';
import { catalogueVariable, type Catalogue } from '@self-healing/shared/catalogue';
import { FormatError, SourceHeaderReader, type FormatSpec } from '../header/index.js';
import type { TelemetryParseSettings } from './deps.js';
import { defaultDecodeWorkers } from './decode-pool.js';

export const telemetryParseConfigSchema = baseConfigSchema.extend({
  LOG_ROOT: z
    .string()
    .min(1)
    .default('.logs')
    .describe('parse requests may only name files under this directory'),
  RAW_TOPIC: z.string().min(1).optional().describe("default: the catalogue's raw topic under TOPIC_PREFIX"),
  WINDOW_MS: z.coerce.number().int().min(1000).max(86_400_000).default(60_000),
  ALLOWED_LATENESS_MS: z.coerce.number().int().min(0).default(30_000),
  DEFAULT_TIMEZONE: z
    .string()
    .min(1)
    .default('UTC')
    .describe('zone of timestamps written without one: UTC, +02:00, Europe/Paris'),
  DEFAULT_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
  STORE_RAW_EVENTS: booleanVariable.default('false'),
  RAW_RETENTION_DAYS: z.coerce.number().min(0).default(7),
  DECODE_WORKERS: z.coerce
    .number()
    .int()
    .min(0)
    .max(64)
    .optional()
    .describe(
      'worker threads decoding records while a run is mined; default: one per core beyond the first, at most 4',
    ),
  CATALOGUE: catalogueVariable
    .superRefine((catalogue, ctx) => {
      // A declared format that does not compile is refused here, once, rather than on every line it would read.
      for (const [service, entry] of Object.entries(catalogue?.services ?? {})) {
        try {
          new SourceHeaderReader({ format: entry.logFormat });
        } catch (error) {
          if (!(error instanceof FormatError)) throw error;
          ctx.addIssue({ code: 'custom', message: `services.${service}.logFormat: ${error.message}` });
        }
      }
    })
    .describe("service catalogue file; a service's logFormat reads its text lines (default: inferred)"),
});

export type TelemetryParseConfig = z.infer<typeof telemetryParseConfigSchema>;

export function telemetryParseSettings(config: TelemetryParseConfig): TelemetryParseSettings {
  return {
    logRoot: config.LOG_ROOT,
    rawTopic: config.RAW_TOPIC ?? `${config.TOPIC_PREFIX}selfhealing.telemetry.raw`,
    defaultWindowMs: config.WINDOW_MS,
    allowedLatenessMs: config.ALLOWED_LATENESS_MS,
    defaultZone: config.DEFAULT_TIMEZONE,
    defaultLevel: config.DEFAULT_LEVEL,
    storeRawEvents: config.STORE_RAW_EVENTS,
    rawRetentionDays: config.RAW_RETENTION_DAYS,
    parserVersion: '1',
    decodeWorkers: config.DECODE_WORKERS ?? defaultDecodeWorkers(),
    headerFormats: declaredLogFormats(config.CATALOGUE),
  };
}

/** Each catalogue service's declared log format, by service name (the records' `service` header). */
export function declaredLogFormats(catalogue: Catalogue | null): Record<string, FormatSpec> {
  return Object.fromEntries(
    Object.entries(catalogue?.services ?? {}).map(([service, entry]) => [service, entry.logFormat]),
  );
}

export function loadTelemetryParseConfig(
  env: Record<string, string | undefined> = process.env,
): TelemetryParseConfig {
  return loadConfig(telemetryParseConfigSchema, env);
}
