export { ErrorBurstDetector, defaultErrorBurstOptions } from './burst.js';
export type { ErrorBurstOptions, ErrorBurstSnapshot } from './burst.js';
export { ErrorPatternDetector, defaultErrorPatternOptions } from './patterns.js';
export type { ErrorCluster, ErrorPatternOptions, ErrorPatternSnapshot } from './patterns.js';
export {
  parseFrame,
  stackSignature,
  isRuntimeFrame,
  isLibraryFrame,
  defaultSignatureOptions,
} from './frames.js';
export type { StackFrame, StackSignature, SignatureOptions } from './frames.js';
export { poissonUpperTail } from './stats.js';
