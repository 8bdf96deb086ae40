export { parseTextHeader, type TextHeader, type HeaderOptions } from './parse-text-header.js';
export {
  matchTimestamp,
  toEpochMs,
  type TimestampMatch,
  type TimestampFields,
  type EpochDefaults,
} from './timestamp.js';
