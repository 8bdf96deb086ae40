// No GitHub is reachable here, so these tests check what GitHubForge sends (method, path, query, body) against
// GitHub's REST documentation, and how it reads documented answers. They say nothing about GitHub's behaviour.
import { describe, expect, it } from 'vitest';
import { GitHubForge } from './github.js';

type Call = { method: string; path: string; query: Record<string, string>; body: unknown };
type Route = (c: Call) => { status: number; body?: unknown } | undefined;

function recorder(routes: Route[]) {
  const calls: Call[] = [];
  const fetchImpl = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input));
    const call: Call = {
      method: init?.method ?? 'GET',
      path: decodeURIComponent(url.pathname),
      query: Object.fromEntries(url.searchParams),
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    calls.push(call);
    for (const r of routes) {
      const answer = r(call);
      if (answer) {
        return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), {
          status: answer.status,
          headers: { 'content-type': 'application/json' },
        });
      }
    }
    return new Response(JSON.stringify({ message: 'Not Found' }), { status: 404 });
  };
  const forge = new GitHubForge({
    token: 'ghp_test',
    fetch: fetchImpl as typeof fetch,
    mergeRetry: { attempts: 3, firstDelayMs: 1, maxDelayMs: 1 },
  });
  return { forge, calls };
}

const on =
  (method: string, path: string, status: number, body?: unknown): Route =>
  (c) =>
    c.method === method && c.path === path ? { status, body } : undefined;

const repo = { owner: 'acme', name: 'shop' };
const SHA = 'a'.repeat(40);
const pull = (over: Record<string, unknown> = {}) => ({
  number: 7,
  state: 'open',
  merged_at: null,
  merge_commit_sha: null,
  title: 't',
  body: null,
  html_url: 'https://github.com/acme/shop/pull/7',
  head: { ref: 'fix/x', sha: SHA },
  base: { ref: 'main' },
  node_id: 'PR_node7',
  auto_merge: null,
  ...over,
});

describe('GitHubForge request shapes (GitHub REST docs)', () => {
  it('given a missing branch, when ensuring it from a branch name, then it resolves the sha and creates a git ref', async () => {
    let created = false;
    const { forge, calls } = recorder([
      (c) =>
        c.method === 'GET' && c.path === '/repos/acme/shop/branches/fix/x'
          ? created
            ? { status: 200, body: { name: 'fix/x', commit: { sha: SHA }, protected: false } }
            : { status: 404, body: { message: 'Branch not found' } }
          : undefined,
      on('GET', '/repos/acme/shop/branches/main', 200, {
        name: 'main',
        commit: { sha: SHA },
        protected: true,
      }),
      (c) => {
        if (c.method !== 'POST' || c.path !== '/repos/acme/shop/git/refs') return undefined;
        created = true;
        return { status: 201, body: { ref: 'refs/heads/fix/x', object: { sha: SHA } } };
      },
    ]);
    const r = await forge.ensureBranch(repo, 'fix/x', 'main');
    expect(r).toEqual({ branch: { name: 'fix/x', sha: SHA, protected: false }, created: true });
    expect(calls.find((c) => c.path.endsWith('/git/refs'))?.body).toEqual({
      ref: 'refs/heads/fix/x',
      sha: SHA,
    });
  });

  it('given an open pull request for the head, when ensuring one, then it lists by owner:head and base and creates nothing', async () => {
    const { forge, calls } = recorder([on('GET', '/repos/acme/shop/pulls', 200, [pull()])]);
    const r = await forge.ensurePullRequest(repo, { head: 'fix/x', base: 'main', title: 't', body: 'b' });
    expect(r.created).toBe(false);
    expect(r.pr).toMatchObject({ number: 7, state: 'open', head: { ref: 'fix/x', sha: SHA } });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.query).toEqual({ state: 'open', head: 'acme:fix/x', base: 'main', per_page: '100' });
  });

  it('given no open pull request, when ensuring one, then it POSTs head, base, title and body', async () => {
    const { forge, calls } = recorder([
      on('GET', '/repos/acme/shop/pulls', 200, []),
      on('POST', '/repos/acme/shop/pulls', 201, pull()),
    ]);
    const r = await forge.ensurePullRequest(repo, { head: 'fix/x', base: 'main', title: 't', body: 'b' });
    expect(r.created).toBe(true);
    expect(calls.at(-1)).toMatchObject({
      method: 'POST',
      body: { head: 'fix/x', base: 'main', title: 't', body: 'b' },
    });
  });

  it('when merging, then it PUTs merge_method and the expected head sha; a 405 is a refusal with GitHub’s message', async () => {
    const { forge, calls } = recorder([
      on('GET', '/repos/acme/shop/pulls/7', 200, pull()),
      on('PUT', '/repos/acme/shop/pulls/7/merge', 405, {
        message: 'Required status check "ci/validation" is expected.',
      }),
    ]);
    const r = await forge.mergePullRequest(repo, 7, { method: 'squash', sha: SHA });
    expect(r).toEqual({
      kind: 'refused',
      status: 405,
      reason: 'Required status check "ci/validation" is expected.',
    });
    expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({ merge_method: 'squash', sha: SHA });
  });

  it('given a transient "try again later", when merging, then it tries again and reports the merge', async () => {
    let puts = 0;
    const { forge } = recorder([
      on('GET', '/repos/acme/shop/pulls/7', 200, pull()),
      (c) => {
        if (c.method !== 'PUT') return undefined;
        puts++;
        return puts === 1
          ? { status: 405, body: { message: 'Please try again later' } }
          : { status: 200, body: { merged: true, sha: 'b'.repeat(40), message: 'merged' } };
      },
    ]);
    expect(await forge.mergePullRequest(repo, 7)).toEqual({
      kind: 'merged',
      alreadyMerged: false,
      sha: 'b'.repeat(40),
    });
    expect(puts).toBe(2);
  });

  it('given an already merged pull request, when merging, then no PUT is sent and it says alreadyMerged', async () => {
    const { forge, calls } = recorder([
      on(
        'GET',
        '/repos/acme/shop/pulls/7',
        200,
        pull({ merged_at: '2026-01-01T00:00:00Z', merge_commit_sha: SHA, state: 'closed' }),
      ),
    ]);
    expect(await forge.mergePullRequest(repo, 7)).toEqual({ kind: 'merged', alreadyMerged: true, sha: SHA });
    expect(calls.every((c) => c.method === 'GET')).toBe(true);
  });

  it('when approving, then the review event is APPROVE (not Gitea’s APPROVED)', async () => {
    const { forge, calls } = recorder([
      on('POST', '/repos/acme/shop/pulls/7/reviews', 200, {
        id: 1,
        user: { login: 'bob' },
        state: 'APPROVED',
        commit_id: SHA,
        submitted_at: '2026-01-01T00:00:00Z',
      }),
    ]);
    const review = await forge.approvePullRequest(repo, 7, { body: 'ok', commitSha: SHA });
    expect(review).toMatchObject({ state: 'approved', user: 'bob' });
    expect(calls[0]!.body).toEqual({ event: 'APPROVE', body: 'ok', commit_id: SHA });
  });

  it('when protecting a branch, then it PUTs required contexts, approvals, admins included, no push restrictions', async () => {
    const { forge, calls } = recorder([on('PUT', '/repos/acme/shop/branches/main/protection', 200, {})]);
    await forge.setBranchProtection(repo, 'main', {
      requiredStatusContexts: ['ci/validation'],
      requiredApprovals: 1,
    });
    expect(calls[0]!.body).toEqual({
      required_status_checks: { strict: false, contexts: ['ci/validation'] },
      enforce_admins: true,
      required_pull_request_reviews: { required_approving_review_count: 1, dismiss_stale_reviews: true },
      restrictions: null,
    });
  });

  it('when posting a commit status, then it goes to /statuses/{sha} with target_url', async () => {
    const { forge, calls } = recorder([
      on('POST', `/repos/acme/shop/statuses/${SHA}`, 201, {
        context: 'ci/validation',
        state: 'success',
        description: 'ok',
        target_url: 'http://x/1',
        created_at: '2026-01-01T00:00:00Z',
      }),
    ]);
    const s = await forge.createCommitStatus(repo, SHA, {
      state: 'success',
      context: 'ci/validation',
      description: 'ok',
      targetUrl: 'http://x/1',
    });
    expect(s).toMatchObject({ state: 'success', context: 'ci/validation', targetUrl: 'http://x/1' });
    expect(calls[0]!.body).toEqual({
      state: 'success',
      context: 'ci/validation',
      description: 'ok',
      target_url: 'http://x/1',
    });
  });

  it('when asking for merge-when-checks-succeed, then it sends the GraphQL enablePullRequestAutoMerge mutation with the node id', async () => {
    const { forge, calls } = recorder([
      on('GET', '/repos/acme/shop/pulls/7', 200, pull()),
      on('POST', '/graphql', 200, { data: { enablePullRequestAutoMerge: { pullRequest: { number: 7 } } } }),
    ]);
    expect(await forge.mergeWhenChecksSucceed(repo, 7, { method: 'squash', sha: SHA })).toEqual({
      kind: 'scheduled',
      alreadyScheduled: false,
    });
    const body = calls.find((c) => c.path === '/graphql')?.body as { query: string; variables: unknown };
    expect(body.query).toContain('enablePullRequestAutoMerge');
    expect(body.variables).toEqual({
      pullRequestId: 'PR_node7',
      mergeMethod: 'SQUASH',
      expectedHeadOid: SHA,
    });
  });

  it('when closing, then it PATCHes state closed; when reading a file, then base64 content is decoded', async () => {
    const { forge, calls } = recorder([
      on('PATCH', '/repos/acme/shop/pulls/7', 200, pull({ state: 'closed' })),
      on('GET', '/repos/acme/shop/contents/src/a.txt', 200, {
        type: 'file',
        path: 'src/a.txt',
        sha: 'c'.repeat(40),
        encoding: 'base64',
        content: Buffer.from('hello\n').toString('base64'),
      }),
    ]);
    expect((await forge.closePullRequest(repo, 7)).state).toBe('closed');
    expect(calls[0]!.body).toEqual({ state: 'closed' });
    expect((await forge.getFile(repo, 'src/a.txt', 'main'))?.text).toBe('hello\n');
    expect(calls[1]!.query).toEqual({ ref: 'main' });
  });

  it('when giving git a remote, then the token is in a header of the git environment and nowhere printable', async () => {
    const { forge } = recorder([
      on('GET', '/repos/acme/shop', 200, {
        name: 'shop',
        owner: { login: 'acme' },
        default_branch: 'main',
        clone_url: 'https://github.com/acme/shop.git',
        html_url: 'https://github.com/acme/shop',
        private: true,
        size: 10,
      }),
    ]);
    const remote = await forge.gitRemote(repo);
    expect(remote.url).toBe('https://github.com/acme/shop.git');
    const header = Buffer.from(
      remote.env['GIT_CONFIG_VALUE_0']!.replace('Authorization: Basic ', ''),
      'base64',
    );
    expect(header.toString()).toBe('x-access-token:ghp_test');
    expect(`${remote}${JSON.stringify(remote)}`).not.toContain('ghp_test');
  });
});
