export { loadSources, type LoadOptions, type LoadedSources } from './load.js';
export { isSourcePath, isTestPath, type FunctionRef, type SourceText } from './source.js';
export { indexLogCalls, measureFor, type LineSpan, type LogCallSite } from './logCalls.js';
export {
  matchTemplate,
  siteWordWeights,
  sitesForStep,
  templateScore,
  type MatchOptions,
  type SiteMatch,
  type TemplateScore,
  type WordWeight,
} from './match.js';
export {
  buildCallGraph,
  enclosingFunction,
  linesBetween,
  reachableFrom,
  stepRegion,
  type BuildOptions,
  type CallEdge,
  type CallGraph,
  type CallGraphStats,
  type CodeRegion,
  type FunctionKind,
  type FunctionNode,
  type Reached,
  type ReachOptions,
  type Resolution,
} from './callGraph.js';
