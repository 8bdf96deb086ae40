export { mergeRuns, type TestRun, type LineRef } from './locate/evidence.js';
export { localize, type LocalizeOptions, type Localization, type ScoredLine } from './locate/localize.js';
export { PRODUCT_OPTIONS } from './locate/defaults.js';
export { ochiai, dstar, FORMULAS, type Formula, type Spectrum } from './locate/spectrum.js';
export { confinePath } from './locate/paths.js';
export { parseStack, type Frame, type FrameReport } from './locate/stack.js';
export { changedLines, type ChangedLine } from './locate/diff.js';
export { isProgramFile } from './locate/tests-filter.js';
export { tiedRank, bestRank } from './locate/rank.js';
export {
  rankCommits,
  sentrySuspect,
  type BlamedLine,
  type CommitInfo,
  type Suspect,
} from './suspects/rank.js';
export { blame, history } from './suspects/git.js';
export { suspectCommits, type SuspectReport } from './suspects/suspects.js';
export { mapFrames } from './locate/sourcemap.js';
export { loadDiagnosisConfig, diagnosisConfigSchema, type DiagnosisConfig } from './service/config.js';
export { diagnosisDefinition, diagnosisSettings } from './service/definition.js';
export {
  RepoCache,
  GitRepo,
  SHA,
  remoteFor,
  forgeAccessOf,
  type RemoteAccess,
  type ForgeAccess,
  type CommitMeta,
} from './repository/repoCache.js';
export type { CaseFile, Codebase } from './service/deps.js';
export type { DiagnosedIssue, RemedyKind, FixRecommendation } from './diagnose/remedies.js';
export { PRIOR_SUCCESS, rankRemedies, successRate } from './diagnose/remedies.js';
export {
  faultSignature,
  signatureOfIssue,
  errorTypeOf,
  normalizeFramePath,
  rateFor,
  rateKey,
  LEVEL_WEIGHT,
  PRIOR_WEIGHT,
  REMEDY_KINDS,
  SIGNATURE_LINES,
  type FaultSignatureInput,
  type LearnedRate,
  type RateCounts,
  type StrategyRecord,
} from './diagnose/learnedRates.js';
