export type { Block, FileCoverage, LineBranches, V8Function, V8Range, V8Script } from './types.js';
export { parseV8Coverage, V8_LIMITS } from './v8.js';
export { mergeBlocks, CountCursor } from './blocks.js';
export { remapScript, type ScriptInput, type Segment } from './remap.js';
export { commentMask, codeLines, LineIndex } from './code.js';
export { mergeFileCoverage } from './merge.js';
export { summarize, isSourceFile, type CoverageSummary } from './summary.js';
export { changedLines } from './diff.js';
export {
  changedLineCoverage,
  type ChangedLineCoverage,
  type ChangedLineOptions,
  type UncoveredLines,
  type UncoveredBranch,
} from './changed.js';
export { coverageFromV8, readCapped, READ_LIMITS, type CoverageOptions } from './read.js';
