export type {
  AutoMergeOutcome,
  Branch,
  BranchProtection,
  BranchProtectionInput,
  CombinedStatus,
  CommitState,
  CommitStatus,
  CommitStatusInput,
  FileContent,
  Forge,
  GitRemote,
  MergeMethod,
  MergeOptions,
  MergeOutcome,
  PullRequest,
  PullRequestState,
  RepoRef,
  Repository,
  Review,
  ReviewState,
} from './types.js';
export { ForgeHttpError } from './types.js';
export { GiteaAdmin, GiteaForge } from './gitea.js';
export type { GiteaForgeOptions } from './gitea.js';
export { GitHubForge } from './github.js';
export type { GitHubForgeOptions } from './github.js';
export { gitRemote } from './remote.js';
export { MERGE_RETRY, isTransientMergeRefusal } from './retry.js';
export type { RetryPolicy } from './retry.js';
export { waitForBranchAt } from './wait.js';
export { pushToForge } from './push.js';
export type { PushResult } from './push.js';
