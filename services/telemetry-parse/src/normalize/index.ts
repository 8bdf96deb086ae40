/**
 * Normalization building blocks (levels, times, redaction, units, names). The service composes them in
 * `decodeRecords` (redaction) and `normalizeEvents` (the rest), src/service/steps.ts.
 */
export { normalizeLevel, isErrorLevel, type LevelScale } from './level.js';
export {
  parseTimestamp,
  epochMsFromNumber,
  wallClockToUtc,
  zoneOffsetMs,
  isValidZone,
  parseFixedOffset,
  type TimeOptions,
} from './time.js';
export {
  redactText,
  redactAttributes,
  isSecretKey,
  mergeCounts,
  type RedactionKind,
  type RedactionCounts,
} from './redact.js';
export { normalizeNumbers, quantityFromAttribute } from './units.js';
export { normalizeServiceName, normalizeHostName } from './names.js';
