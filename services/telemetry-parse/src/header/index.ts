export { parseTextHeader, type TextHeader, type HeaderOptions } from './parse-text-header.js';
export {
  matchTimestamp,
  toEpochMs,
  readTimeField,
  compileLayout,
  type TimestampMatch,
  type TimestampFields,
  type EpochDefaults,
} from './timestamp.js';
export {
  compileFormat,
  FormatError,
  type CompiledFormat,
  type FormatSpec,
  type FormatDeclaration,
  type MatchOptions,
} from './format.js';
export { PRESETS, type Preset, type PresetName } from './presets.js';
export { inferHeader, type InferredHeader, type InferOptions } from './infer.js';
export { recordFromFields, roleOf, type HeaderRecord, type FieldRole } from './fields.js';
export { YearInference } from './year.js';
export { SourceHeaderReader, type SourceHeaderOptions } from './source.js';
