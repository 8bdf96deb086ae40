// The forge client against a real Gitea (started by the local launcher): a repository filled by a real
// `git push` over HTTP, branches, pull requests opened exactly once per head, branch protection that refuses a
// merge until the required status is green and another account approved, merging (now, and when checks succeed)
// and closing. Each test works in its own repository.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GiteaAdmin, GiteaForge, pushToForge, waitForBranchAt } from '@self-healing/shared/forge';
import type { GitRemote, RepoRef } from '@self-healing/shared/forge';
import { testForge, uniqueName, waitFor } from './src/endpoints.js';

const run = promisify(execFile);
const CHECK = 'ci/validation';

/** A scratch clone: commits with a fixed identity and pushes with the credentials in the environment only. */
class WorkTree {
  private constructor(
    readonly dir: string,
    private readonly remote?: GitRemote,
  ) {}

  /** A new repository; `remote` is where `push` goes (none: only pushToForge pushes it). */
  static async init(remote?: GitRemote): Promise<WorkTree> {
    const dir = await mkdtemp(join(tmpdir(), 'forge-test-'));
    const tree = new WorkTree(dir, remote);
    await tree.git('init', '-q', '-b', 'main');
    return tree;
  }

  async git(...args: string[]): Promise<string> {
    const { stdout } = await run(
      'git',
      ['-c', 'user.name=Forge Test', '-c', 'user.email=forge-test@example.com', ...args],
      { cwd: this.dir, env: { ...process.env, ...this.remote?.env } },
    );
    return stdout.trim();
  }

  async commit(file: string, text: string, message: string): Promise<string> {
    await writeFile(join(this.dir, file), text);
    await this.git('add', file);
    await this.git('commit', '-q', '-m', message);
    return this.git('rev-parse', 'HEAD');
  }

  push(refspec: string): Promise<string> {
    if (!this.remote) throw new Error('this work tree has no remote');
    return this.git('push', '-q', this.remote.url, refspec);
  }

  remove(): Promise<void> {
    return rm(this.dir, { recursive: true, force: true });
  }
}

let forge: GiteaForge;
let reviewer: GiteaForge;
let reviewerLogin: string;
const trees: WorkTree[] = [];

beforeAll(async () => {
  const { url, token } = testForge();
  forge = new GiteaForge({ url, token });
  const name = uniqueName('reviewer').replace(/_/g, '-').slice(0, 39);
  const created = await new GiteaAdmin({ url, token }).createUserWithToken({
    username: name,
    email: `${name}@example.com`,
    password: `pw-${uniqueName('secret')}`,
  });
  reviewer = new GiteaForge({ url, token: created.token });
  reviewerLogin = created.login;
});

afterAll(async () => {
  await Promise.all(trees.map((t) => t.remove()));
});

/** A fresh repository with one commit on main pushed by git, and the reviewer as a collaborator with write access. */
async function repoWithMain(prefix: string): Promise<{ repo: RepoRef; tree: WorkTree; mainSha: string }> {
  const { login } = await forge.currentUser();
  const repo = { owner: login, name: uniqueName(prefix) };
  await forge.ensureRepo(repo, { description: 'forge client test' });
  const tree = await WorkTree.init(await forge.gitRemote(repo));
  trees.push(tree);
  const mainSha = await tree.commit('app.txt', 'version 1\n', 'first version');
  await tree.push('main:main');
  await waitForBranchAt(forge, repo, 'main', mainSha);
  await forge.addCollaborator(repo, reviewerLogin, 'write');
  return { repo, tree, mainSha };
}

/**
 * A branch made locally from main with one more commit, created on the forge by that one push.
 *
 * Not created through the API first and then updated by a push: Gitea handles an update push in the background, and
 * when that runs after the pull request is opened it counts as new commits on the pull request and dismisses an
 * approval given in between (with dismiss_stale_approvals on), so a scheduled merge would never happen. A push that
 * creates the branch starts no such task. A deployer opening fix branches must push them the same way.
 */
async function branchWithFix(repo: RepoRef, tree: WorkTree, branch: string, text: string): Promise<string> {
  await tree.git('checkout', '-q', '-b', branch, 'main');
  const sha = await tree.commit('app.txt', text, `fix on ${branch}`);
  await tree.push(`${branch}:${branch}`);
  await waitForBranchAt(forge, repo, branch, sha);
  await tree.git('checkout', '-q', 'main');
  return sha;
}

describe('forge (Gitea): repositories, git push, branches, files', () => {
  it('given a new name, when ensuring the repository twice, then it is created once and found the second time', async () => {
    const { login } = await forge.currentUser();
    const repo = { owner: login, name: uniqueName('ensure') };
    const first = await forge.ensureRepo(repo);
    const second = await forge.ensureRepo(repo);
    expect(first.created).toBe(true);
    expect(first.repo.empty).toBe(true);
    expect(second).toEqual({ repo: first.repo, created: false });
  });

  it('given a git push with the token in the environment, then main, its file and a new branch are visible through the API', async () => {
    const { repo, tree, mainSha } = await repoWithMain('push');
    expect((await forge.getBranch(repo, 'main'))?.sha).toBe(mainSha);
    const file = await forge.getFile(repo, 'app.txt', 'main');
    expect(file?.text).toBe('version 1\n');
    expect(await forge.getFile(repo, 'missing.txt', 'main')).toBeUndefined();
    expect((await forge.getRepo(repo))?.defaultBranch).toBe('main');

    const created = await forge.ensureBranch(repo, 'fix/one', 'main');
    const again = await forge.ensureBranch(repo, 'fix/one', mainSha);
    expect(created).toEqual({ branch: { name: 'fix/one', sha: mainSha, protected: false }, created: true });
    expect(again.created).toBe(false);
    // The printable form of the remote never shows the token.
    const remote = await forge.gitRemote(repo);
    expect(`${remote} ${JSON.stringify({ remote })}`).not.toContain(testForge().token);
    expect(remote.url).not.toContain('@');
    await tree.remove();
  });

  it('given a local repository with two branches and a tag, when pushed with pushToForge, then the forge shows them at the local commits', async () => {
    const { login } = await forge.currentUser();
    const repo = { owner: login, name: uniqueName('app') };
    const local = await WorkTree.init();
    trees.push(local);
    const v1 = await local.commit('app.txt', 'v1\n', 'v1');
    await local.git('tag', 'v1.0.0');
    await local.git('checkout', '-q', '-b', 'release');
    const v2 = await local.commit('app.txt', 'v2\n', 'v2');
    const pushed = await pushToForge(forge, repo, {
      dir: local.dir,
      refspecs: ['main:main', 'release:release', 'refs/tags/*:refs/tags/*'],
    });
    expect(pushed.created).toBe(true);
    expect(pushed.branches.map((b) => [b.name, b.sha])).toEqual([
      ['main', v1],
      ['release', v2],
    ]);
    expect((await forge.getFile(repo, 'app.txt', 'v1.0.0'))?.text).toBe('v1\n');
    await expect(pushToForge(forge, repo, { dir: local.dir, refspecs: ['--force'] })).rejects.toThrow(
      /refspec/,
    );
  });

  it('given a wrong token, when git pushes, then the push fails instead of asking for a password', async () => {
    const { repo, tree } = await repoWithMain('badtoken');
    const wrong = new GiteaForge({ url: testForge().url, token: 'f'.repeat(40) });
    const bad = await WorkTree.init({
      ...(await forge.gitRemote(repo)),
      env: { ...(await forge.gitRemote(repo)).env, GIT_CONFIG_VALUE_0: 'Authorization: Basic eDp5' },
    });
    trees.push(bad);
    await bad.commit('other.txt', 'x\n', 'unauthorized');
    await expect(bad.push('main:other')).rejects.toThrow();
    expect(await forge.getBranch(repo, 'other')).toBeUndefined();
    await expect(wrong.currentUser()).rejects.toThrow(/401/);
    await tree.remove();
  });
});

describe('forge (Gitea): pull requests behind branch protection', () => {
  it('given a protected main, when merging, then it is refused until ci/validation is green and another account approved', async () => {
    const { repo, tree } = await repoWithMain('gate');
    await forge.setBranchProtection(repo, 'main', { requiredStatusContexts: [CHECK], requiredApprovals: 1 });
    expect(await forge.getBranchProtection(repo, 'main')).toEqual({
      branch: 'main',
      requiredStatusContexts: [CHECK],
      requiredApprovals: 1,
    });
    // A direct push to the protected branch is refused: changes arrive through pull requests.
    await tree.commit('app.txt', 'sneaky\n', 'direct');
    await expect(tree.push('main:main')).rejects.toThrow();
    await tree.git('reset', '-q', '--hard', 'HEAD~1');

    const head = await branchWithFix(repo, tree, 'fix/gate', 'version 2\n');
    const opened = await forge.ensurePullRequest(repo, {
      head: 'fix/gate',
      base: 'main',
      title: 'Fix: version 2',
      body: 'incident inc-1',
    });
    expect(opened.created).toBe(true);
    expect(opened.pr).toMatchObject({
      state: 'open',
      head: { ref: 'fix/gate', sha: head },
      base: { ref: 'main' },
    });
    // A retried deployment step finds the same pull request instead of opening a second one.
    const reopened = await forge.ensurePullRequest(repo, {
      head: 'fix/gate',
      base: 'main',
      title: 'Fix: version 2 (retry)',
      body: '',
    });
    expect(reopened).toEqual({ pr: expect.objectContaining({ number: opened.pr.number }), created: false });

    const noChecks = await forge.mergePullRequest(repo, opened.pr.number);
    expect(noChecks).toMatchObject({ kind: 'refused', status: 405 });
    expect(noChecks.kind === 'refused' && noChecks.reason).toMatch(/status checks/i);

    await forge.createCommitStatus(repo, head, {
      state: 'pending',
      context: CHECK,
      description: 'validating',
    });
    await forge.createCommitStatus(repo, head, {
      state: 'success',
      context: CHECK,
      description: 'all tests passed',
      targetUrl: 'http://127.0.0.1/validation/1',
    });
    const combined = await forge.getCombinedStatus(repo, head);
    expect(combined.state).toBe('success');
    expect(combined.statuses).toEqual([expect.objectContaining({ context: CHECK, state: 'success' })]);
    const history = await forge.listCommitStatuses(repo, head);
    expect(history.map((s) => s.state).sort()).toEqual(['pending', 'success']);

    const noApproval = await forge.mergePullRequest(repo, opened.pr.number);
    expect(noApproval).toMatchObject({ kind: 'refused', status: 405 });
    expect(noApproval.kind === 'refused' && noApproval.reason).toMatch(/approvals/i);

    // The author cannot approve their own pull request; the second account can.
    await expect(forge.approvePullRequest(repo, opened.pr.number)).rejects.toThrow();
    const review = await reviewer.approvePullRequest(repo, opened.pr.number, { body: 'looks right' });
    expect(review).toMatchObject({ state: 'approved', user: reviewerLogin });
    expect(await forge.listReviews(repo, opened.pr.number)).toEqual([
      expect.objectContaining({ state: 'approved', user: reviewerLogin }),
    ]);

    // Gitea counts the new approval asynchronously: on a busy machine a merge right after it may still be refused
    // (405), so the merge is retried until it goes through, within a bound.
    const merged = await waitFor(
      async () => {
        const outcome = await forge.mergePullRequest(repo, opened.pr.number, { sha: head });
        if (outcome.kind !== 'merged') throw new Error(`refused ${outcome.status}: ${outcome.reason}`);
        return outcome;
      },
      { timeoutMs: 120_000, message: 'the merge once checks and approval hold' },
    );
    expect(merged).toMatchObject({ kind: 'merged', alreadyMerged: false });
    const after = await forge.getPullRequest(repo, opened.pr.number);
    expect(after.state).toBe('merged');
    expect(merged.kind === 'merged' && merged.sha).toBe(after.mergeCommitSha);
    expect((await forge.getBranch(repo, 'main'))?.sha).toBe(after.mergeCommitSha);
    expect((await forge.getFile(repo, 'app.txt'))?.text).toBe('version 2\n');
    // Merging again (a retried step) is not an error: it is already done.
    expect(await forge.mergePullRequest(repo, opened.pr.number)).toMatchObject({
      kind: 'merged',
      alreadyMerged: true,
    });
    expect(await forge.findOpenPullRequest(repo, { head: 'fix/gate', base: 'main' })).toBeUndefined();
  }, 240_000);

  it('given merge-when-checks-succeed, when the status turns green and the approval arrives, then the forge merges by itself', async () => {
    const { repo, tree } = await repoWithMain('auto');
    await forge.setBranchProtection(repo, 'main', { requiredStatusContexts: [CHECK], requiredApprovals: 1 });
    const head = await branchWithFix(repo, tree, 'fix/auto', 'version 3\n');
    const { pr } = await forge.ensurePullRequest(repo, {
      head: 'fix/auto',
      base: 'main',
      title: 'auto',
      body: '',
    });

    expect(await forge.mergeWhenChecksSucceed(repo, pr.number)).toEqual({
      kind: 'scheduled',
      alreadyScheduled: false,
    });
    expect(await forge.mergeWhenChecksSucceed(repo, pr.number)).toEqual({
      kind: 'scheduled',
      alreadyScheduled: true,
    });
    expect((await forge.getPullRequest(repo, pr.number)).state).toBe('open');

    await forge.createCommitStatus(repo, head, { state: 'success', context: CHECK });
    await reviewer.approvePullRequest(repo, pr.number);
    // Gitea evaluates a scheduled merge only on a status or review event; one that arrives while the pull request
    // is still being checked for conflicts is dropped ("not in mergeable state"), so the status is posted again
    // every 15 s until the merge happens (what a deployer relying on auto-merge must do as well).
    let nudgedAt = Date.now();
    const merged = await waitFor(
      async () => {
        const now = await forge.getPullRequest(repo, pr.number);
        if (now.state === 'merged') return now;
        if (Date.now() - nudgedAt > 15_000) {
          nudgedAt = Date.now();
          await forge.createCommitStatus(repo, head, { state: 'success', context: CHECK });
        }
        return undefined;
      },
      // Gitea merges from a background queue after the status and the approval: a busy 2-core machine has taken
      // over 30 s, and nothing else shows progress to wait on.
      { timeoutMs: 120_000, message: 'the scheduled merge' },
    );
    expect((await forge.getBranch(repo, 'main'))?.sha).toBe(merged.mergeCommitSha);
  }, 240_000);

  it('given an open pull request, when closing it, then it is closed, not merged, and no longer found as open', async () => {
    const { repo, tree } = await repoWithMain('close');
    await branchWithFix(repo, tree, 'fix/close', 'rejected\n');
    const { pr } = await forge.ensurePullRequest(repo, {
      head: 'fix/close',
      base: 'main',
      title: 'no',
      body: '',
    });
    const closed = await forge.closePullRequest(repo, pr.number);
    expect(closed.state).toBe('closed');
    expect(await forge.findOpenPullRequest(repo, { head: 'fix/close', base: 'main' })).toBeUndefined();
    expect(await forge.mergePullRequest(repo, pr.number)).toMatchObject({ kind: 'refused', status: 404 });
  });
});
