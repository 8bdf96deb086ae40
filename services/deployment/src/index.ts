export { loadDeploymentConfig, deploymentConfigSchema, type DeploymentConfig } from './service/config.js';
export { deploymentDefinition, deploymentSettings } from './service/definition.js';
export { CI_CONTEXT, type DeploymentSettings } from './service/deps.js';
export type * from './service/case.js';
export { decideApproval, withinHours, type ApprovalDecision, type FixFacts } from './policy/approval.js';
export {
  judgeStep,
  isError,
  quantile,
  type JudgeThresholds,
  type StepJudgement,
  type StepVerdict,
} from './canary/judge.js';
export { nextMove, type Move } from './canary/steps.js';
export { branchNameOf, makeFixCommit, PLATFORM_AUTHOR } from './change/fixCommit.js';
