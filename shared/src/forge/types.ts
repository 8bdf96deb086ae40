// One interface for the forges the deployment stage talks to: a self-hosted Gitea (tested against a real server) and
// GitHub (written to GitHub's documented REST API, request shapes unit-tested only). The names say what happens on
// the server; the "ensure" operations find what an earlier attempt created instead of creating it a second time,
// so a retried deployment step opens exactly one branch and one pull request per incident.

export type RepoRef = { owner: string; name: string };

export type Repository = {
  owner: string;
  name: string;
  defaultBranch: string;
  /** The HTTP(S) clone URL, without credentials. */
  cloneUrl: string;
  htmlUrl: string;
  private: boolean;
  /** True while nothing has been pushed (Gitea says so; GitHub reports size 0). */
  empty: boolean;
};

export type Branch = { name: string; sha: string; protected: boolean };

export type FileContent = { path: string; blobSha: string; bytes: Uint8Array; text: string };

export type PullRequestState = 'open' | 'closed' | 'merged';

export type PullRequest = {
  number: number;
  state: PullRequestState;
  title: string;
  body: string;
  head: { ref: string; sha: string };
  base: { ref: string };
  htmlUrl: string;
  /** The merge commit, once merged. */
  mergeCommitSha?: string;
  /** The forge's own answer; undefined while it is still computing it. */
  mergeable?: boolean;
};

/** GitHub's four states; Gitea has these and also `warning` and `skipped`, reported as they are. */
export type CommitState = 'pending' | 'success' | 'failure' | 'error' | 'warning' | 'skipped';

export type CommitStatusInput = {
  state: 'pending' | 'success' | 'failure' | 'error';
  context: string;
  description?: string;
  targetUrl?: string;
};

export type CommitStatus = {
  context: string;
  state: CommitState;
  description: string;
  targetUrl?: string;
  createdAt: string;
};

export type CombinedStatus = { sha: string; state: CommitState; statuses: CommitStatus[] };

export type ReviewState = 'approved' | 'changes_requested' | 'commented' | 'pending' | 'dismissed' | 'other';

export type Review = {
  id: number;
  user: string;
  state: ReviewState;
  commitSha?: string;
  submittedAt?: string;
};

export type BranchProtectionInput = { requiredStatusContexts: string[]; requiredApprovals: number };
export type BranchProtection = BranchProtectionInput & { branch: string };

export type MergeMethod = 'merge' | 'squash' | 'rebase';

export type MergeOptions = {
  method?: MergeMethod;
  /** Merge only if the head is still this commit (the one that was validated). */
  sha?: string;
  title?: string;
  message?: string;
};

export type MergeOutcome =
  | { kind: 'merged'; sha?: string; alreadyMerged: boolean }
  /** The forge said no: checks or approvals missing, a conflict, a stale head. `status` is its HTTP status. */
  | { kind: 'refused'; status: number; reason: string };

export type AutoMergeOutcome =
  /** The forge merges by itself once the required checks and approvals are there. */
  | { kind: 'scheduled'; alreadyScheduled: boolean }
  /** Everything required was already there, so it merged at once. */
  | { kind: 'merged'; sha?: string; alreadyMerged: boolean }
  | { kind: 'refused'; status: number; reason: string };

/**
 * What git needs to push to (or fetch from) a forge repository without the token ever being on a command line or
 * in a URL that ends up in a log: the plain URL, and environment variables that make git send the credentials as
 * an HTTP header (git's GIT_CONFIG_COUNT mechanism). Pass `env` to the git process; never print it.
 */
export type GitRemote = {
  url: string;
  env: Readonly<Record<string, string>>;
  /** What to print instead: the URL and a note that credentials are in the environment. */
  toString(): string;
  toJSON(): string;
};

export interface Forge {
  readonly kind: 'gitea' | 'github';
  /** The account the token belongs to. */
  currentUser(): Promise<{ login: string }>;

  getRepo(repo: RepoRef): Promise<Repository | undefined>;
  /** Creates the repository (empty: history comes from a `git push`) unless it exists. */
  ensureRepo(
    repo: RepoRef,
    opts?: { private?: boolean; description?: string },
  ): Promise<{ repo: Repository; created: boolean }>;
  gitRemote(repo: RepoRef): Promise<GitRemote>;
  /** Gives a user write access (on GitHub this sends an invitation the user has to accept). */
  addCollaborator(repo: RepoRef, username: string, permission: 'read' | 'write' | 'admin'): Promise<void>;

  getBranch(repo: RepoRef, branch: string): Promise<Branch | undefined>;
  /** Creates `branch` at `from` (a branch name or a commit sha) unless it exists; an existing one is left as is. */
  ensureBranch(repo: RepoRef, branch: string, from: string): Promise<{ branch: Branch; created: boolean }>;
  /** A file's content at a ref (default: the default branch); undefined when there is no such file. */
  getFile(repo: RepoRef, path: string, ref?: string): Promise<FileContent | undefined>;

  findOpenPullRequest(repo: RepoRef, q: { head: string; base: string }): Promise<PullRequest | undefined>;
  /** Opens a pull request from `head` into `base` unless one is already open for that pair. */
  ensurePullRequest(
    repo: RepoRef,
    pr: { head: string; base: string; title: string; body: string },
  ): Promise<{ pr: PullRequest; created: boolean }>;
  getPullRequest(repo: RepoRef, number: number): Promise<PullRequest>;
  closePullRequest(repo: RepoRef, number: number): Promise<PullRequest>;

  createCommitStatus(repo: RepoRef, sha: string, status: CommitStatusInput): Promise<CommitStatus>;
  /** Every status posted for the ref, newest first (a context may appear more than once). */
  listCommitStatuses(repo: RepoRef, ref: string): Promise<CommitStatus[]>;
  /** The latest status per context and their combination. */
  getCombinedStatus(repo: RepoRef, ref: string): Promise<CombinedStatus>;

  listReviews(repo: RepoRef, number: number): Promise<Review[]>;
  /** An approving review by the token's account (forges refuse approvals of one's own pull request). */
  approvePullRequest(
    repo: RepoRef,
    number: number,
    opts?: { body?: string; commitSha?: string },
  ): Promise<Review>;

  /** Creates or replaces the rule: merges need these status contexts green and this many approvals. */
  setBranchProtection(repo: RepoRef, branch: string, rule: BranchProtectionInput): Promise<BranchProtection>;
  getBranchProtection(repo: RepoRef, branch: string): Promise<BranchProtection | undefined>;

  /** Merges now, or says why not. Merging a merged pull request again answers `alreadyMerged`. */
  mergePullRequest(repo: RepoRef, number: number, opts?: MergeOptions): Promise<MergeOutcome>;
  /** Asks the forge to merge by itself as soon as the checks and approvals the branch protection wants are there. */
  mergeWhenChecksSucceed(
    repo: RepoRef,
    number: number,
    opts?: Pick<MergeOptions, 'method' | 'sha'>,
  ): Promise<AutoMergeOutcome>;
}

/** A forge answered with an error status that the operation does not turn into a result. */
export class ForgeHttpError extends Error {
  constructor(
    readonly status: number,
    readonly method: string,
    /** The request path, never with credentials. */
    readonly path: string,
    readonly serverMessage: string,
  ) {
    super(`${method} ${path} answered ${status}${serverMessage ? `: ${serverMessage}` : ''}`);
    this.name = 'ForgeHttpError';
  }
}
