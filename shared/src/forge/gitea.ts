// Gitea's REST API (/api/v1). It follows GitHub's paths for repositories, branches, contents, pull requests,
// statuses and reviews, and differs where the Forge interface has to hide it: branches are created with
// POST /branches (not git refs), merging is POST /pulls/{n}/merge with {do} (GitHub: PUT with merge_method), an
// approval is event "APPROVED" ("APPROVE" would be stored as a pending review), branch protection is its own
// resource (/branch_protections), and merge-when-checks-succeed is a field of the merge request (GitHub: GraphQL).
// Checked against Gitea 1.27.3 (test/forge.int.spec.ts).
import { JsonHttp, encodePath, seg } from './http.js';
import type { FetchLike } from './http.js';
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

// The fields of Gitea's answers that we read (see Gitea's swagger: Repository, Branch, PullRequest, ...).
export type GiteaRepo = {
  name: string;
  owner: { login: string };
  default_branch: string;
  clone_url: string;
  html_url: string;
  private: boolean;
  empty: boolean;
};
export type GiteaBranch = { name: string; commit: { id: string }; protected: boolean };
export type GiteaPull = {
  number: number;
  state: 'open' | 'closed';
  merged: boolean;
  merge_commit_sha?: string | null;
  mergeable?: boolean;
  title: string;
  body?: string | null;
  html_url: string;
  head: { ref: string; sha: string };
  base: { ref: string };
};
export type GiteaStatus = {
  context: string;
  status: string;
  description?: string | null;
  target_url?: string | null;
  created_at: string;
};
export type GiteaReview = {
  id: number;
  user?: { login: string } | null;
  state: string;
  commit_id?: string;
  submitted_at?: string;
  dismissed?: boolean;
};
export type GiteaBranchProtection = {
  rule_name: string;
  branch_name?: string;
  enable_status_check: boolean;
  status_check_contexts: string[] | null;
  required_approvals: number;
};

export function fromGiteaRepo(r: GiteaRepo): Repository {
  return {
    owner: r.owner.login,
    name: r.name,
    defaultBranch: r.default_branch,
    cloneUrl: r.clone_url,
    htmlUrl: r.html_url,
    private: r.private,
    empty: r.empty,
  };
}

export function fromGiteaPull(p: GiteaPull): PullRequest {
  return {
    number: p.number,
    state: p.merged ? 'merged' : p.state,
    title: p.title,
    body: p.body ?? '',
    head: { ref: p.head.ref, sha: p.head.sha },
    base: { ref: p.base.ref },
    htmlUrl: p.html_url,
    ...(p.merged && p.merge_commit_sha ? { mergeCommitSha: p.merge_commit_sha } : {}),
    ...(p.mergeable === undefined ? {} : { mergeable: p.mergeable }),
  };
}

const COMMIT_STATES: readonly CommitState[] = [
  'pending',
  'success',
  'failure',
  'error',
  'warning',
  'skipped',
];

export function fromGiteaStatus(s: GiteaStatus): CommitStatus {
  return {
    context: s.context,
    state: toCommitState(s.status),
    description: s.description ?? '',
    ...(s.target_url ? { targetUrl: s.target_url } : {}),
    createdAt: s.created_at,
  };
}

function toCommitState(s: string): CommitState {
  // Gitea answers "" for the combined state of a commit without statuses: nothing reported is still pending.
  return (COMMIT_STATES as readonly string[]).includes(s) ? (s as CommitState) : 'pending';
}

export function fromGiteaReview(r: GiteaReview): Review {
  const byState: Record<string, ReviewState> = {
    APPROVED: 'approved',
    REQUEST_CHANGES: 'changes_requested',
    COMMENT: 'commented',
    PENDING: 'pending',
  };
  return {
    id: r.id,
    user: r.user?.login ?? '',
    state: r.dismissed ? 'dismissed' : (byState[r.state] ?? 'other'),
    ...(r.commit_id ? { commitSha: r.commit_id } : {}),
    ...(r.submitted_at ? { submittedAt: r.submitted_at } : {}),
  };
}

export function fromGiteaProtection(p: GiteaBranchProtection): BranchProtection {
  return {
    branch: p.rule_name || p.branch_name || '',
    requiredStatusContexts: p.enable_status_check ? (p.status_check_contexts ?? []) : [],
    requiredApprovals: p.required_approvals,
  };
}

/** The body of POST/PATCH /branch_protections for a rule on exactly one branch. */
export function giteaProtectionBody(branch: string, rule: BranchProtectionInput): Record<string, unknown> {
  return {
    rule_name: branch,
    enable_status_check: rule.requiredStatusContexts.length > 0,
    status_check_contexts: rule.requiredStatusContexts,
    required_approvals: rule.requiredApprovals,
    // Approvals count from anyone with write access; a review asking for changes blocks the merge.
    enable_approvals_whitelist: false,
    block_on_rejected_reviews: true,
    // A pushed fix must be approved again.
    dismiss_stale_approvals: true,
    // Changes reach the branch through pull requests only.
    enable_push: false,
  };
}

export type GiteaForgeOptions = {
  /** The server's base URL, e.g. http://127.0.0.1:13000 (no /api/v1). */
  url: string;
  token: string;
  fetch?: FetchLike;
  mergeRetry?: RetryPolicy;
};

export class GiteaForge implements Forge {
  readonly kind = 'gitea' as const;
  private readonly http: JsonHttp;
  private login: Promise<{ login: string }> | undefined;
  private readonly mergeRetry: RetryPolicy;

  constructor(private readonly opts: GiteaForgeOptions) {
    this.http = new JsonHttp(
      `${opts.url.replace(/\/+$/, '')}/api/v1`,
      { authorization: `token ${opts.token}` },
      opts.fetch,
    );
    this.mergeRetry = opts.mergeRetry ?? MERGE_RETRY;
  }

  currentUser(): Promise<{ login: string }> {
    this.login ??= this.http
      .request<{ login: string }>('GET', '/user')
      .then((r) => ({ login: r.data.login }));
    return this.login;
  }

  async getRepo(repo: RepoRef): Promise<Repository | undefined> {
    const r = await this.http.request<GiteaRepo>('GET', repoPath(repo), { accept: [404] });
    return r.status === 404 ? undefined : fromGiteaRepo(r.data);
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
    let path = '/user/repos';
    if (repo.owner !== login) {
      const org = await this.http.request('GET', `/orgs/${seg(repo.owner)}`, { accept: [404] });
      // Another user's repository needs the admin API.
      path = org.status === 404 ? `/admin/users/${seg(repo.owner)}/repos` : `/orgs/${seg(repo.owner)}/repos`;
    }
    const r = await this.http.request<GiteaRepo>('POST', path, { body, accept: [409] });
    // 409: created meanwhile by someone else (a retried step): that one is ours to use.
    if (r.status === 409) return { repo: (await this.getRepo(repo))!, created: false };
    return { repo: fromGiteaRepo(r.data), created: true };
  }

  async gitRemote(repo: RepoRef): Promise<GitRemote> {
    const found = await this.getRepo(repo);
    if (!found) throw new ForgeHttpError(404, 'GET', repoPath(repo), 'no such repository');
    return gitRemote(found.cloneUrl, (await this.currentUser()).login, this.opts.token);
  }

  async addCollaborator(
    repo: RepoRef,
    username: string,
    permission: 'read' | 'write' | 'admin',
  ): Promise<void> {
    await this.http.request('PUT', `${repoPath(repo)}/collaborators/${seg(username)}`, {
      body: { permission },
    });
  }

  async getBranch(repo: RepoRef, branch: string): Promise<Branch | undefined> {
    const r = await this.http.request<GiteaBranch>(
      'GET',
      `${repoPath(repo)}/branches/${encodePath(branch)}`,
      {
        accept: [404],
      },
    );
    return r.status === 404 ? undefined : fromGiteaBranch(r.data);
  }

  async ensureBranch(
    repo: RepoRef,
    branch: string,
    from: string,
  ): Promise<{ branch: Branch; created: boolean }> {
    const existing = await this.getBranch(repo, branch);
    if (existing) return { branch: existing, created: false };
    const r = await this.http.request<GiteaBranch>('POST', `${repoPath(repo)}/branches`, {
      body: { new_branch_name: branch, old_ref_name: from },
      accept: [409],
    });
    if (r.status === 409) return { branch: (await this.getBranch(repo, branch))!, created: false };
    return { branch: fromGiteaBranch(r.data), created: true };
  }

  async getFile(repo: RepoRef, path: string, ref?: string): Promise<FileContent | undefined> {
    const r = await this.http.request<
      { type: string; encoding?: string; content?: string; sha: string; path: string } | unknown[]
    >('GET', `${repoPath(repo)}/contents/${encodePath(path)}`, { query: { ref }, accept: [404] });
    if (r.status === 404) return undefined;
    if (Array.isArray(r.data) || r.data.type !== 'file' || r.data.encoding !== 'base64') {
      throw new Error(`${path} is not a file`);
    }
    const bytes = Buffer.from(r.data.content ?? '', 'base64');
    return { path: r.data.path, blobSha: r.data.sha, bytes, text: bytes.toString('utf8') };
  }

  async findOpenPullRequest(
    repo: RepoRef,
    q: { head: string; base: string },
  ): Promise<PullRequest | undefined> {
    // Gitea's list has no head filter: page through the open ones.
    for (let page = 1; ; page++) {
      const r = await this.http.request<GiteaPull[]>('GET', `${repoPath(repo)}/pulls`, {
        query: { state: 'open', page, limit: 50 },
      });
      const hit = r.data.find((p) => p.head.ref === q.head && p.base.ref === q.base);
      if (hit) return fromGiteaPull(hit);
      if (r.data.length < 50) return undefined;
    }
  }

  async ensurePullRequest(
    repo: RepoRef,
    pr: { head: string; base: string; title: string; body: string },
  ): Promise<{ pr: PullRequest; created: boolean }> {
    const existing = await this.findOpenPullRequest(repo, pr);
    if (existing) return { pr: existing, created: false };
    const r = await this.http.request<GiteaPull>('POST', `${repoPath(repo)}/pulls`, {
      body: { head: pr.head, base: pr.base, title: pr.title, body: pr.body },
      accept: [409],
    });
    if (r.status === 409) {
      // "pull request already exists for these targets": opened by a concurrent attempt.
      const found = await this.findOpenPullRequest(repo, pr);
      if (found) return { pr: found, created: false };
      throw new ForgeHttpError(409, 'POST', `${repoPath(repo)}/pulls`, 'exists but is not open');
    }
    return { pr: fromGiteaPull(r.data), created: true };
  }

  async getPullRequest(repo: RepoRef, number: number): Promise<PullRequest> {
    return fromGiteaPull(
      (await this.http.request<GiteaPull>('GET', `${repoPath(repo)}/pulls/${number}`)).data,
    );
  }

  async closePullRequest(repo: RepoRef, number: number): Promise<PullRequest> {
    const r = await this.http.request<GiteaPull>('PATCH', `${repoPath(repo)}/pulls/${number}`, {
      body: { state: 'closed' },
    });
    return fromGiteaPull(r.data);
  }

  async createCommitStatus(repo: RepoRef, sha: string, s: CommitStatusInput): Promise<CommitStatus> {
    const r = await this.http.request<GiteaStatus>('POST', `${repoPath(repo)}/statuses/${seg(sha)}`, {
      body: {
        state: s.state,
        context: s.context,
        description: s.description ?? '',
        target_url: s.targetUrl ?? '',
      },
    });
    return fromGiteaStatus(r.data);
  }

  async listCommitStatuses(repo: RepoRef, ref: string): Promise<CommitStatus[]> {
    const all: CommitStatus[] = [];
    for (let page = 1; ; page++) {
      const r = await this.http.request<GiteaStatus[]>(
        'GET',
        `${repoPath(repo)}/commits/${encodePath(ref)}/statuses`,
        {
          query: { page, limit: 50, sort: 'newest' },
        },
      );
      all.push(...r.data.map(fromGiteaStatus));
      if (r.data.length < 50) return all;
    }
  }

  async getCombinedStatus(repo: RepoRef, ref: string): Promise<CombinedStatus> {
    const r = await this.http.request<{ sha: string; state: string; statuses: GiteaStatus[] | null }>(
      'GET',
      `${repoPath(repo)}/commits/${encodePath(ref)}/status`,
    );
    return {
      sha: r.data.sha,
      state: toCommitState(r.data.state),
      statuses: (r.data.statuses ?? []).map(fromGiteaStatus),
    };
  }

  async listReviews(repo: RepoRef, number: number): Promise<Review[]> {
    const r = await this.http.request<GiteaReview[]>('GET', `${repoPath(repo)}/pulls/${number}/reviews`, {
      query: { limit: 50 },
    });
    return r.data.map(fromGiteaReview);
  }

  async approvePullRequest(
    repo: RepoRef,
    number: number,
    opts: { body?: string; commitSha?: string } = {},
  ): Promise<Review> {
    const r = await this.http.request<GiteaReview>('POST', `${repoPath(repo)}/pulls/${number}/reviews`, {
      body: {
        event: 'APPROVED',
        body: opts.body ?? '',
        ...(opts.commitSha ? { commit_id: opts.commitSha } : {}),
      },
    });
    return fromGiteaReview(r.data);
  }

  async setBranchProtection(
    repo: RepoRef,
    branch: string,
    rule: BranchProtectionInput,
  ): Promise<BranchProtection> {
    const body = giteaProtectionBody(branch, rule);
    const path = `${repoPath(repo)}/branch_protections`;
    const existing = await this.http.request('GET', `${path}/${seg(branch)}`, { accept: [404] });
    const r =
      existing.status === 404
        ? await this.http.request<GiteaBranchProtection>('POST', path, { body })
        : await this.http.request<GiteaBranchProtection>('PATCH', `${path}/${seg(branch)}`, { body });
    return fromGiteaProtection(r.data);
  }

  async getBranchProtection(repo: RepoRef, branch: string): Promise<BranchProtection | undefined> {
    const r = await this.http.request<GiteaBranchProtection>(
      'GET',
      `${repoPath(repo)}/branch_protections/${seg(branch)}`,
      { accept: [404] },
    );
    return r.status === 404 ? undefined : fromGiteaProtection(r.data);
  }

  mergePullRequest(repo: RepoRef, number: number, opts: MergeOptions = {}): Promise<MergeOutcome> {
    return this.merge(repo, number, opts, false) as Promise<MergeOutcome>;
  }

  mergeWhenChecksSucceed(
    repo: RepoRef,
    number: number,
    opts: Pick<MergeOptions, 'method' | 'sha'> = {},
  ): Promise<AutoMergeOutcome> {
    return this.merge(repo, number, opts, true);
  }

  private async merge(
    repo: RepoRef,
    number: number,
    opts: MergeOptions,
    auto: boolean,
  ): Promise<AutoMergeOutcome> {
    const path = `${repoPath(repo)}/pulls/${number}/merge`;
    const body = {
      do: opts.method ?? 'merge',
      ...(opts.sha ? { head_commit_id: opts.sha } : {}),
      ...(opts.title ? { merge_title_field: opts.title } : {}),
      ...(opts.message ? { merge_message_field: opts.message } : {}),
      ...(auto ? { merge_when_checks_succeed: true } : {}),
    };
    let last: { status: number; reason: string } = { status: 0, reason: '' };
    const alreadyMerged = async (): Promise<AutoMergeOutcome | undefined> => {
      const pr = await this.getPullRequest(repo, number);
      return pr.state === 'merged'
        ? { kind: 'merged', alreadyMerged: true, ...(pr.mergeCommitSha ? { sha: pr.mergeCommitSha } : {}) }
        : undefined;
    };
    return withRetry<AutoMergeOutcome>(
      this.mergeRetry,
      async () => {
        // Merged by an earlier attempt (whose answer was lost) or by the scheduled auto-merge: that is success.
        const done = await alreadyMerged();
        if (done) return done;
        const r = await this.http.request<unknown>('POST', path, {
          body,
          accept: [404, 405, 409, 500, 502, 503],
        });
        if (r.status === 201) return { kind: 'scheduled', alreadyScheduled: false };
        if (r.status >= 200 && r.status < 300) {
          const pr = await this.getPullRequest(repo, number);
          return {
            kind: 'merged',
            alreadyMerged: false,
            ...(pr.mergeCommitSha ? { sha: pr.mergeCommitSha } : {}),
          };
        }
        // Gitea answers a merge of a closed pull request with 404.
        const reason = r.status === 404 ? 'the pull request is closed' : messageOf(r.data);
        if (auto && r.status === 409 && /already scheduled/i.test(reason)) {
          return { kind: 'scheduled', alreadyScheduled: true };
        }
        last = { status: r.status, reason };
        return isTransientMergeRefusal(r.status, reason) ? 'retry' : { kind: 'refused', ...last };
      },
      async () => (await alreadyMerged()) ?? { kind: 'refused', ...last },
    );
  }
}

function fromGiteaBranch(b: GiteaBranch): Branch {
  return { name: b.name, sha: b.commit.id, protected: b.protected };
}

function repoPath(repo: RepoRef): string {
  return `/repos/${seg(repo.owner)}/${seg(repo.name)}`;
}

function messageOf(data: unknown): string {
  if (
    typeof data === 'object' &&
    data !== null &&
    typeof (data as { message?: unknown }).message === 'string'
  ) {
    return (data as { message: string }).message;
  }
  return typeof data === 'string' ? data : '';
}

/**
 * Gitea's admin API, for setting up a forge (the tests need a second account to approve pull requests: nobody may
 * approve their own). Needs an admin token.
 */
export class GiteaAdmin {
  private readonly http: JsonHttp;

  constructor(private readonly opts: GiteaForgeOptions) {
    this.http = new JsonHttp(
      `${opts.url.replace(/\/+$/, '')}/api/v1`,
      { authorization: `token ${opts.token}` },
      opts.fetch,
    );
  }

  /** Creates a user (unless it exists) and a fresh access token for it, made with the user's own credentials. */
  async createUserWithToken(u: {
    username: string;
    email: string;
    password: string;
    scopes?: string[];
  }): Promise<{ login: string; token: string }> {
    await this.http.request('POST', '/admin/users', {
      body: { username: u.username, email: u.email, password: u.password, must_change_password: false },
      accept: [422],
    });
    const basic = Buffer.from(`${u.username}:${u.password}`).toString('base64');
    const asUser = new JsonHttp(
      `${this.opts.url.replace(/\/+$/, '')}/api/v1`,
      { authorization: `Basic ${basic}` },
      this.opts.fetch,
    );
    const r = await asUser.request<{ sha1: string }>('POST', `/users/${seg(u.username)}/tokens`, {
      body: {
        name: `token-${Date.now().toString(36)}`,
        scopes: u.scopes ?? ['write:repository', 'read:user'],
      },
    });
    return { login: u.username, token: r.data.sha1 };
  }
}
