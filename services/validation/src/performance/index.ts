export { mannWhitney, rankWithTies, normalSf, erfc, type MannWhitneyResult } from './mannWhitney.js';
export { cliffsDelta, hodgesLehmann, median } from './effectSize.js';
export { fisherExact, type ErrorCounts, type FisherResult } from './fisher.js';
export {
  judgeLatency,
  judgeErrorRate,
  DEFAULT_LATENCY_TOLERANCE,
  type LatencyOptions,
  type LatencyJudgement,
  type LatencyVerdict,
  type ErrorRateOptions,
  type ErrorRateJudgement,
  type ErrorRateVerdict,
} from './judge.js';
export {
  replayPlan,
  pathSegments,
  isReplayMethod,
  REPLAY_METHODS,
  type AppProfile,
  type ReplayEvidence,
  type ReplayMethod,
  type ReplayPlan,
  type ReplayRoute,
  type RequestSpec,
  type SetupStep,
} from './replayPlan.js';
export { CHECKOUT_SERVICE_PROFILE, GENERIC_PROFILE, profileFor } from './profiles.js';
export {
  driverScriptPath,
  driverConfig,
  readReplayResult,
  judgeReplay,
  DEFAULT_SAMPLES_PER_ROUTE,
  type DriverConfig,
  type ReplaySide,
  type ReplayResult,
  type ReplaySideResult,
  type ReplayJudgement,
  type ReplayJudgeOptions,
  type RouteComparison,
} from './replay.js';
