export * from './decode/index.js';
export { parseTextHeader, matchTimestamp, toEpochMs, type HeaderOptions, type TimestampMatch, type TimestampFields, type EpochDefaults } from './header/index.js';
export * from './mining/index.js';
