import type { HealthCheck, StepJudgement } from '../canary/judge.js';
import type { Reason, RemedyKind, Severity, ValidationKind } from '../policy/approval.js';

export type { Reason };

/** What beat 2 loaded: the patch, its validation, the incident's severity and the diagnosis' account of the cause. */
export interface LoadedFix {
  service: string;
  repository: string;
  defaultBranch: string;
  baseCommit: string;
  diff: string;
  title: string;
  description: string;
  remedyKind: RemedyKind;
  strategy: string;
  patchLines: number;
  filesChanged: number;
  severity: Severity;
  validation: {
    verdict: 'passed' | 'failed' | 'inconclusive';
    checks: Array<{ check: string; verdict: string; summary: string }>;
    headCommit: string | null;
    proven: ValidationKind[];
  };
  /** One line each: the diagnosis' issues, for the pull request and the commit message. */
  cause: string[];
  /** Set when the fix cannot be deployed: the later beats lead to a rejection. */
  problem: Reason | null;
}

export interface ApprovalRecord {
  automatic: boolean;
  reasons: Reason[];
  decidedAt: number;
  /** When a person must have answered by. */
  deadline: number;
}

export interface BranchRecord {
  repository: string;
  owner: string;
  name: string;
  branch: string;
  baseCommit: string;
  /** The fix commit: the validated tree on the base, by the platform, with a message naming the incident. */
  commit: string;
  filesChanged: number;
  existed: boolean;
}

export interface PullRequestRecord {
  number: number;
  url: string;
  title: string;
  existed: boolean;
}

export interface CiRecord {
  conclusion: 'success' | 'failure' | 'cancelled' | 'timed_out';
  headCommit: string;
  checks: Array<{
    name: string;
    conclusion: 'success' | 'failure' | 'cancelled' | 'timed_out';
    url: string | null;
    durationMs: number | null;
  }>;
  durationMs: number;
  detail: string;
}

/** One replay of the fix on the default branch's newer head, and the CI it then went through. */
export interface RebaseRecord {
  /** The branch's head it replaced. */
  from: string;
  /** The default branch's head it was made on. */
  onto: string;
  commit: string;
  /** Files whose two sides' lines were both kept (changelog entries). */
  unioned: string[];
  at: number;
  /** When the forge showed it as the pull request's head. */
  pushedAt?: number;
  ci?: CiRecord;
}

/** The head commit of the fix branch: the latest replay, else the fix commit. */
export function branchHeadOf(c: DeploymentCase): string {
  return latestRebaseOf(c)?.record.commit ?? c.branch!.commit;
}

/** The replays of the fix, in round order. */
export function rebasesOf(c: DeploymentCase): Array<{ round: number; record: RebaseRecord }> {
  return Object.entries(c.rebases ?? {})
    .map(([key, record]) => ({ round: Number(key), record }))
    .filter((r) => Number.isInteger(r.round) && r.round > 0)
    .sort((a, b) => a.round - b.round);
}

export function latestRebaseOf(c: DeploymentCase): { round: number; record: RebaseRecord } | null {
  return rebasesOf(c).at(-1) ?? null;
}

export interface MergeRecord {
  number: number;
  mergeCommit: string;
  method: 'merge' | 'squash' | 'rebase';
  automatic: boolean;
  mergedBy: string;
}

export interface RolloutRecord {
  /** The commit the canary runs: the merge commit. */
  commit: string;
  version: string;
  previousCommit: string | null;
  startedAt: number;
  finishedAt: number;
  /** The canary's first share (percent). */
  firstStep: number;
  /** Set when the deploy itself failed (build, health): nothing new serves. */
  failure: string | null;
}

/** One canary step: the share, when it began, and how it was judged. */
export interface StepRecord {
  _id: string;
  runId: string;
  index: number;
  percent: number;
  startedAt: number;
  judgement?: StepJudgement & { judgedAt: number };
}

export interface VerificationRecord {
  healthy: boolean;
  checks: HealthCheck[];
  observedForMs: number;
  rolledBack: boolean;
  rollbackReason: string | null;
  finishedAt: number;
}

/**
 * The run's case file (`deployment_cases`, keyed by run = incident): written insert-to-win by the first beat, then
 * one field per beat, each written once (the first write wins), so a beat re-run after a crash repeats its event
 * from what the first attempt recorded instead of asking the forge or the deployer again.
 */
export interface DeploymentCase {
  _id: string;
  incidentId: string;
  deploymentId: string;
  patchId: string;
  validationId: string;
  environment: string;
  requestedBy: string;
  /** A rollback (RollbackDeploymentCommand): the deployment whose merged fix this run takes out again. */
  rollbackOf?: RollbackRequest;
  loaded?: LoadedFix;
  approval?: ApprovalRecord;
  /** A person's answer, once given. */
  decision?: { approved: boolean; by: string; at: number; reason: string | null };
  branch?: BranchRecord;
  pushedAt?: number;
  pullRequest?: PullRequestRecord;
  ciStartedAt?: number;
  /** The platform runs CI on the head commit itself (no other CI had posted a status). */
  ciOwn?: boolean;
  ci?: CiRecord;
  /**
   * The fix replayed on the default branch's newer head, by round ("1", "2"...), when the forge would not merge the
   * pull request for a conflict (see change/rebase.ts); the latest round's commit is the branch's head.
   */
  rebases?: Record<string, RebaseRecord>;
  merge?: MergeRecord;
  rollout?: RolloutRecord;
  verification?: VerificationRecord;
  /** The commit undoing a merged fix that production rejected, recorded before it is pushed. */
  revertCommit?: { commit: string; onto: string; branch: string };
  /** The revert's pull request, recorded before its CI and merge. */
  revertPullRequest?: { number: number; url: string };
  revert?: RevertRecord;
}

export interface RollbackRequest {
  deploymentId: string;
  /** The run that deployed it (its case file). */
  runId: string;
  /** The fix's merge commit on the default branch: what the revert undoes. */
  mergeCommit: string;
  pullRequestUrl: string | null;
  reason: string;
  /** Once the revert serves, ask the fix stage for the incident's next candidate. */
  nextCandidate: boolean;
}

/** A rolled-back fix taken out of the default branch (see change/revert.ts). */
export interface RevertRecord {
  commit: string | null;
  /** The default branch's head the revert was made on. */
  onto: string | null;
  branch: string | null;
  pullRequest: { number: number; url: string } | null;
  mergeCommit: string | null;
  /** Why the fix is still on the default branch, when it is: people must take it out. */
  failure: string | null;
}
