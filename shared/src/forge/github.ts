// GitHub's REST API through Octokit, written to GitHub's documentation
// (https://docs.github.com/en/rest). No GitHub is reachable from here: the request shapes are unit-tested
// (github.unit.spec.ts), the behaviour against the real service is not, and the README claims nothing more.
// Where GitHub differs from Gitea: branches are git refs (POST /git/refs), merging is PUT /pulls/{n}/merge with
// merge_method, an approval is event "APPROVE", branch protection is PUT /branches/{b}/protection, and auto-merge
// exists only in GraphQL (enablePullRequestAutoMerge), which also needs auto-merge allowed in the repository.
import { Octokit } from '@octokit/rest';
import { gitRemote } from './remote.js';
import { MERGE_RETRY, isTransientMergeRefusal, withRetry } from './retry.js';
import type { RetryPolicy } from './retry.js';
import type {
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
  MergeOptions,
  MergeOutcome,
  PullRequest,
  RepoRef,
  Repository,
  Review,
  ReviewState,
} from './types.js';
import { ForgeHttpError } from './types.js';

export type GitHubForgeOptions = {
  token: string;
  /** Default https://api.github.com; GitHub Enterprise Server: https://<host>/api/v3. */
  baseUrl?: string;
  /** For tests: the fetch Octokit uses. */
  fetch?: typeof fetch;
  mergeRetry?: RetryPolicy;
};

type OctokitError = { status: number; message: string; response?: { data?: unknown } };

function isHttpError(e: unknown): e is OctokitError {
  return typeof e === 'object' && e !== null && typeof (e as { status?: unknown }).status === 'number';
}

/** 404 → undefined; every other error is rethrown as ForgeHttpError. */
async function orUndefined<T>(p: Promise<T>, method: string, path: string): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (isHttpError(e) && e.status === 404) return undefined;
    throw asForgeError(e, method, path);
  }
}

function asForgeError(e: unknown, method: string, path: string): unknown {
  if (!isHttpError(e)) return e;
  const data = e.response?.data as { message?: unknown } | undefined;
  return new ForgeHttpError(
    e.status,
    method,
    path,
    typeof data?.message === 'string' ? data.message : e.message,
  );
}

const COMMIT_STATES: readonly CommitState[] = ['pending', 'success', 'failure', 'error'];
const toCommitState = (s: string): CommitState =>
  (COMMIT_STATES as readonly string[]).includes(s) ? (s as CommitState) : 'pending';

type GhPull = {
  number: number;
  state: string;
  merged_at: string | null;
  merge_commit_sha: string | null;
  mergeable?: boolean | null;
  title: string;
  body: string | null;
  html_url: string;
  head: { ref: string; sha: string };
  base: { ref: string };
};

export function fromGitHubPull(p: GhPull): PullRequest {
  const merged = p.merged_at !== null;
  return {
    number: p.number,
    state: merged ? 'merged' : p.state === 'open' ? 'open' : 'closed',
    title: p.title,
    body: p.body ?? '',
    head: { ref: p.head.ref, sha: p.head.sha },
    base: { ref: p.base.ref },
    htmlUrl: p.html_url,
    ...(merged && p.merge_commit_sha ? { mergeCommitSha: p.merge_commit_sha } : {}),
    ...(typeof p.mergeable === 'boolean' ? { mergeable: p.mergeable } : {}),
  };
}

function fromGitHubStatus(s: {
  context: string;
  state: string;
  description: string | null;
  target_url: string | null;
  created_at: string;
}): CommitStatus {
  return {
    context: s.context,
    state: toCommitState(s.state),
    description: s.description ?? '',
    ...(s.target_url ? { targetUrl: s.target_url } : {}),
    createdAt: s.created_at,
  };
}

function fromGitHubReview(r: {
  id: number;
  user: { login: string } | null;
  state: string;
  commit_id: string | null;
  submitted_at?: string;
}): Review {
  const byState: Record<string, ReviewState> = {
    APPROVED: 'approved',
    CHANGES_REQUESTED: 'changes_requested',
    COMMENTED: 'commented',
    PENDING: 'pending',
    DISMISSED: 'dismissed',
  };
  return {
    id: r.id,
    user: r.user?.login ?? '',
    state: byState[r.state] ?? 'other',
    ...(r.commit_id ? { commitSha: r.commit_id } : {}),
    ...(r.submitted_at ? { submittedAt: r.submitted_at } : {}),
  };
}

const SHA = /^[0-9a-f]{40}$/;

export class GitHubForge implements Forge {
  readonly kind = 'github' as const;
  readonly octokit: Octokit;
  private login: Promise<{ login: string }> | undefined;
  private readonly mergeRetry: RetryPolicy;

  constructor(private readonly opts: GitHubForgeOptions) {
    this.octokit = new Octokit({
      auth: opts.token,
      baseUrl: opts.baseUrl ?? 'https://api.github.com',
      userAgent: 'self-healing-forge',
      // Octokit logs every error answer; here a 404 or a refused merge is a result, and real errors are thrown.
      log: { debug: () => undefined, info: () => undefined, warn: console.warn, error: () => undefined },
      ...(opts.fetch ? { request: { fetch: opts.fetch } } : {}),
    });
    this.mergeRetry = opts.mergeRetry ?? MERGE_RETRY;
  }

  currentUser(): Promise<{ login: string }> {
    this.login ??= this.octokit.rest.users.getAuthenticated().then((r) => ({ login: r.data.login }));
    return this.login;
  }

  async getRepo(repo: RepoRef): Promise<Repository | undefined> {
    const r = await orUndefined(
      this.octokit.rest.repos.get({ owner: repo.owner, repo: repo.name }),
      'GET',
      `/repos/${repo.owner}/${repo.name}`,
    );
    if (!r) return undefined;
    return {
      owner: r.data.owner.login,
      name: r.data.name,
      defaultBranch: r.data.default_branch,
      cloneUrl: r.data.clone_url,
      htmlUrl: r.data.html_url,
      private: r.data.private,
      empty: r.data.size === 0,
    };
  }

  async ensureRepo(
    repo: RepoRef,
    opts: { private?: boolean; description?: string } = {},
  ): Promise<{ repo: Repository; created: boolean }> {
    const existing = await this.getRepo(repo);
    if (existing) return { repo: existing, created: false };
    const body = {
      name: repo.name,
      private: opts.private ?? false,
      description: opts.description ?? '',
      auto_init: false,
    };
    const { login } = await this.currentUser();
    try {
      if (repo.owner === login) await this.octokit.rest.repos.createForAuthenticatedUser(body);
      else await this.octokit.rest.repos.createInOrg({ org: repo.owner, ...body });
    } catch (e) {
      // 422 "name already exists": created meanwhile by a concurrent attempt.
      if (!(isHttpError(e) && e.status === 422))
        throw asForgeError(e, 'POST', `/repos ${repo.owner}/${repo.name}`);
      const found = await this.getRepo(repo);
      if (found) return { repo: found, created: false };
      throw asForgeError(e, 'POST', `/repos ${repo.owner}/${repo.name}`);
    }
    return { repo: (await this.getRepo(repo))!, created: true };
  }

  async gitRemote(repo: RepoRef): Promise<GitRemote> {
    const found = await this.getRepo(repo);
    if (!found)
      throw new ForgeHttpError(404, 'GET', `/repos/${repo.owner}/${repo.name}`, 'no such repository');
    // GitHub's documented user name for token authentication over HTTPS.
    return gitRemote(found.cloneUrl, 'x-access-token', this.opts.token);
  }

  async addCollaborator(
    repo: RepoRef,
    username: string,
    permission: 'read' | 'write' | 'admin',
  ): Promise<void> {
    const map = { read: 'pull', write: 'push', admin: 'admin' } as const;
    await this.octokit.rest.repos.addCollaborator({
      owner: repo.owner,
      repo: repo.name,
      username,
      permission: map[permission],
    });
  }

  async getBranch(repo: RepoRef, branch: string): Promise<Branch | undefined> {
    const r = await orUndefined(
      this.octokit.rest.repos.getBranch({ owner: repo.owner, repo: repo.name, branch }),
      'GET',
      `/repos/${repo.owner}/${repo.name}/branches/${branch}`,
    );
    return r ? { name: r.data.name, sha: r.data.commit.sha, protected: r.data.protected } : undefined;
  }

  async ensureBranch(
    repo: RepoRef,
    branch: string,
    from: string,
  ): Promise<{ branch: Branch; created: boolean }> {
    const existing = await this.getBranch(repo, branch);
    if (existing) return { branch: existing, created: false };
    let sha = from;
    if (!SHA.test(from)) {
      const source = await this.getBranch(repo, from);
      if (!source)
        throw new ForgeHttpError(
          404,
          'GET',
          `/repos/${repo.owner}/${repo.name}/branches/${from}`,
          'no such branch',
        );
      sha = source.sha;
    }
    try {
      await this.octokit.rest.git.createRef({
        owner: repo.owner,
        repo: repo.name,
        ref: `refs/heads/${branch}`,
        sha,
      });
    } catch (e) {
      // 422 "Reference already exists": created meanwhile.
      if (!(isHttpError(e) && e.status === 422))
        throw asForgeError(e, 'POST', `/repos/${repo.owner}/${repo.name}/git/refs`);
      const found = await this.getBranch(repo, branch);
      if (found) return { branch: found, created: false };
      throw asForgeError(e, 'POST', `/repos/${repo.owner}/${repo.name}/git/refs`);
    }
    return { branch: (await this.getBranch(repo, branch))!, created: true };
  }

  async getFile(repo: RepoRef, path: string, ref?: string): Promise<FileContent | undefined> {
    const r = await orUndefined(
      this.octokit.rest.repos.getContent({
        owner: repo.owner,
        repo: repo.name,
        path,
        ...(ref ? { ref } : {}),
      }),
      'GET',
      `/repos/${repo.owner}/${repo.name}/contents/${path}`,
    );
    if (!r) return undefined;
    const d = r.data;
    if (Array.isArray(d) || d.type !== 'file' || !('content' in d)) throw new Error(`${path} is not a file`);
    const bytes = Buffer.from(d.content, 'base64');
    return { path: d.path, blobSha: d.sha, bytes, text: bytes.toString('utf8') };
  }

  async findOpenPullRequest(
    repo: RepoRef,
    q: { head: string; base: string },
  ): Promise<PullRequest | undefined> {
    const r = await this.octokit.rest.pulls.list({
      owner: repo.owner,
      repo: repo.name,
      state: 'open',
      // GitHub filters by "user:ref"; same-repository pull requests have the repository owner as user.
      head: `${repo.owner}:${q.head}`,
      base: q.base,
      per_page: 100,
    });
    const hit = r.data.find((p) => p.head.ref === q.head && p.base.ref === q.base);
    return hit ? fromGitHubPull(hit) : undefined;
  }

  async ensurePullRequest(
    repo: RepoRef,
    pr: { head: string; base: string; title: string; body: string },
  ): Promise<{ pr: PullRequest; created: boolean }> {
    const existing = await this.findOpenPullRequest(repo, pr);
    if (existing) return { pr: existing, created: false };
    try {
      const r = await this.octokit.rest.pulls.create({ owner: repo.owner, repo: repo.name, ...pr });
      return { pr: fromGitHubPull(r.data), created: true };
    } catch (e) {
      // 422 "A pull request already exists for ...": opened by a concurrent attempt.
      if (isHttpError(e) && e.status === 422) {
        const found = await this.findOpenPullRequest(repo, pr);
        if (found) return { pr: found, created: false };
      }
      throw asForgeError(e, 'POST', `/repos/${repo.owner}/${repo.name}/pulls`);
    }
  }

  async getPullRequest(repo: RepoRef, number: number): Promise<PullRequest> {
    const r = await this.octokit.rest.pulls.get({ owner: repo.owner, repo: repo.name, pull_number: number });
    return fromGitHubPull(r.data);
  }

  async closePullRequest(repo: RepoRef, number: number): Promise<PullRequest> {
    const r = await this.octokit.rest.pulls.update({
      owner: repo.owner,
      repo: repo.name,
      pull_number: number,
      state: 'closed',
    });
    return fromGitHubPull(r.data);
  }

  async createCommitStatus(repo: RepoRef, sha: string, s: CommitStatusInput): Promise<CommitStatus> {
    const r = await this.octokit.rest.repos.createCommitStatus({
      owner: repo.owner,
      repo: repo.name,
      sha,
      state: s.state,
      context: s.context,
      ...(s.description ? { description: s.description } : {}),
      ...(s.targetUrl ? { target_url: s.targetUrl } : {}),
    });
    return fromGitHubStatus(r.data);
  }

  async listCommitStatuses(repo: RepoRef, ref: string): Promise<CommitStatus[]> {
    const all = await this.octokit.paginate(this.octokit.rest.repos.listCommitStatusesForRef, {
      owner: repo.owner,
      repo: repo.name,
      ref,
      per_page: 100,
    });
    return all.map(fromGitHubStatus);
  }

  async getCombinedStatus(repo: RepoRef, ref: string): Promise<CombinedStatus> {
    const r = await this.octokit.rest.repos.getCombinedStatusForRef({
      owner: repo.owner,
      repo: repo.name,
      ref,
    });
    return {
      sha: r.data.sha,
      state: toCommitState(r.data.state),
      statuses: r.data.statuses.map(fromGitHubStatus),
    };
  }

  async listReviews(repo: RepoRef, number: number): Promise<Review[]> {
    const all = await this.octokit.paginate(this.octokit.rest.pulls.listReviews, {
      owner: repo.owner,
      repo: repo.name,
      pull_number: number,
      per_page: 100,
    });
    return all.map(fromGitHubReview);
  }

  async approvePullRequest(
    repo: RepoRef,
    number: number,
    opts: { body?: string; commitSha?: string } = {},
  ): Promise<Review> {
    const r = await this.octokit.rest.pulls.createReview({
      owner: repo.owner,
      repo: repo.name,
      pull_number: number,
      event: 'APPROVE',
      ...(opts.body ? { body: opts.body } : {}),
      ...(opts.commitSha ? { commit_id: opts.commitSha } : {}),
    });
    return fromGitHubReview(r.data);
  }

  async setBranchProtection(
    repo: RepoRef,
    branch: string,
    rule: BranchProtectionInput,
  ): Promise<BranchProtection> {
    await this.octokit.rest.repos.updateBranchProtection({
      owner: repo.owner,
      repo: repo.name,
      branch,
      required_status_checks: { strict: false, contexts: rule.requiredStatusContexts },
      // Administrators too: the deployment's token must not be able to skip the gate.
      enforce_admins: true,
      required_pull_request_reviews: {
        required_approving_review_count: rule.requiredApprovals,
        dismiss_stale_reviews: true,
      },
      restrictions: null,
    });
    return { branch, ...rule };
  }

  async getBranchProtection(repo: RepoRef, branch: string): Promise<BranchProtection | undefined> {
    const r = await orUndefined(
      this.octokit.rest.repos.getBranchProtection({ owner: repo.owner, repo: repo.name, branch }),
      'GET',
      `/repos/${repo.owner}/${repo.name}/branches/${branch}/protection`,
    );
    if (!r) return undefined;
    return {
      branch,
      requiredStatusContexts: r.data.required_status_checks?.contexts ?? [],
      requiredApprovals: r.data.required_pull_request_reviews?.required_approving_review_count ?? 0,
    };
  }

  async mergePullRequest(repo: RepoRef, number: number, opts: MergeOptions = {}): Promise<MergeOutcome> {
    let last = { status: 0, reason: '' };
    const alreadyMerged = async (): Promise<MergeOutcome | undefined> => {
      const pr = await this.getPullRequest(repo, number);
      return pr.state === 'merged'
        ? { kind: 'merged', alreadyMerged: true, ...(pr.mergeCommitSha ? { sha: pr.mergeCommitSha } : {}) }
        : undefined;
    };
    return withRetry<MergeOutcome>(
      this.mergeRetry,
      async () => {
        const done = await alreadyMerged();
        if (done) return done;
        try {
          const r = await this.octokit.rest.pulls.merge({
            owner: repo.owner,
            repo: repo.name,
            pull_number: number,
            merge_method: opts.method ?? 'merge',
            ...(opts.sha ? { sha: opts.sha } : {}),
            ...(opts.title ? { commit_title: opts.title } : {}),
            ...(opts.message ? { commit_message: opts.message } : {}),
          });
          return { kind: 'merged', alreadyMerged: false, sha: r.data.sha };
        } catch (e) {
          const path = `/repos/${repo.owner}/${repo.name}/pulls/${number}/merge`;
          const err = asForgeError(e, 'PUT', path);
          if (!(err instanceof ForgeHttpError)) throw err;
          // 405: not mergeable (checks, reviews, conflicts); 409: the head is not `sha` any more; 422: invalid.
          const answer = [405, 409, 422].includes(err.status) || err.status >= 500;
          if (!answer) throw err;
          last = { status: err.status, reason: err.serverMessage };
          return isTransientMergeRefusal(err.status, err.serverMessage)
            ? 'retry'
            : { kind: 'refused', ...last };
        }
      },
      async () => (await alreadyMerged()) ?? { kind: 'refused', ...last },
    );
  }

  async mergeWhenChecksSucceed(
    repo: RepoRef,
    number: number,
    opts: Pick<MergeOptions, 'method' | 'sha'> = {},
  ): Promise<AutoMergeOutcome> {
    const pr = await this.octokit.rest.pulls.get({ owner: repo.owner, repo: repo.name, pull_number: number });
    if (pr.data.merged_at) {
      return {
        kind: 'merged',
        alreadyMerged: true,
        ...(pr.data.merge_commit_sha ? { sha: pr.data.merge_commit_sha } : {}),
      };
    }
    if (pr.data.auto_merge) return { kind: 'scheduled', alreadyScheduled: true };
    try {
      await this.octokit.graphql(
        `mutation($pullRequestId: ID!, $mergeMethod: PullRequestMergeMethod!, $expectedHeadOid: GitObjectID) {
          enablePullRequestAutoMerge(
            input: { pullRequestId: $pullRequestId, mergeMethod: $mergeMethod, expectedHeadOid: $expectedHeadOid }
          ) {
            pullRequest { number }
          }
        }`,
        // Not `method`/`query`/`url`: Octokit's graphql() reads those names as request options.
        {
          pullRequestId: pr.data.node_id,
          mergeMethod: (opts.method ?? 'merge').toUpperCase(),
          expectedHeadOid: opts.sha ?? null,
        },
      );
      return { kind: 'scheduled', alreadyScheduled: false };
    } catch (e) {
      const message = (e as Error).message;
      // GitHub refuses auto-merge for a pull request that can be merged right now ("clean status"): merge it.
      if (/clean status/i.test(message)) return this.mergePullRequest(repo, number, opts);
      return { kind: 'refused', status: isHttpError(e) ? e.status : 422, reason: message };
    }
  }
}
