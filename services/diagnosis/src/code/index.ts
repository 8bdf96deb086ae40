export { loadSources, type LoadOptions, type LoadedSources } from './load.js';
export { isTestPath, type FunctionRef, type SourceText } from './source.js';
export { indexLogCalls, measureFor, type LineSpan, type LogCallSite } from './logCalls.js';
export { matchTemplate, sitesForStep, templateScore, type MatchOptions, type SiteMatch } from './match.js';
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
