export * from './decode/index.js';
export {
  parseTextHeader,
  matchTimestamp,
  toEpochMs,
  type HeaderOptions,
  type TimestampMatch,
  type TimestampFields,
  type EpochDefaults,
} from './header/index.js';
export * from './mining/index.js';
export * from './aggregate/index.js';
export * from './ingest/index.js';
export * from './normalize/index.js';
export * from './service/steps.js';
export * from './service/sources.js';
export * from './service/validate.js';
export * from './service/config.js';
export * from './service/definition.js';
export * from './service/stores.js';
export * from './service/readModel.js';
export type { TelemetryParseSettings } from './service/deps.js';
