export { parseLcov, parseIstanbul } from './report.js';
export type { FileCoverage, FunctionCoverage } from './report.js';
export {
  ProductionProfileBuilder,
  callSiteFromAttributes,
  parseCallSite,
  messageOf,
} from './production.js';
export type { ProductionLocation, ProductionProfile } from './production.js';
export { detectCoverageGaps, defaultCoverageGapOptions, routePattern } from './gaps.js';
export type { CoverageGapInput, CoverageGapOptions, DeclaredEntry } from './gaps.js';
export { normalizePath, suffixMatchLength, bestSuffixMatch, stripSourceExtension } from './paths.js';
