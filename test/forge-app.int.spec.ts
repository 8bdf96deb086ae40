// The application's repository on the forge, and a fix delivered the way the deployment stage delivers it: the
// sample service's history with a seeded fault (materialized by the corpus, real commits and tags) is pushed to
// Gitea, then the fault's human fix goes out on its own branch as a pull request behind branch protection
// (ci/validation + one approval) with merge-when-checks-succeed, and lands on main.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GiteaAdmin, GiteaForge, pushToForge } from '@self-healing/shared/forge';
import { applyPatch, loadCorpus, materializeFault } from '@self-healing/sample-service';
import { testForge, uniqueName, waitFor } from './src/endpoints.js';

const run = promisify(execFile);
const git = async (dir: string, ...args: string[]) => (await run('git', args, { cwd: dir })).stdout;

let forge: GiteaForge;
let reviewer: GiteaForge;
let reviewerLogin: string;
let work: string;

beforeAll(async () => {
  const { url, token } = testForge();
  forge = new GiteaForge({ url, token });
  const name = uniqueName('approver').replace(/_/g, '-').slice(0, 39);
  const user = await new GiteaAdmin({ url, token }).createUserWithToken({
    username: name,
    email: `${name}@example.com`,
    password: `pw-${uniqueName('secret')}`,
  });
  reviewer = new GiteaForge({ url, token: user.token });
  reviewerLogin = user.login;
  work = await mkdtemp(join(tmpdir(), 'forge-app-'));
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the sample application on the forge', () => {
  it('given a materialized fault, when pushed and fixed through a protected pull request, then main carries the fix', async () => {
    const corpus = await loadCorpus();
    const fault = corpus.faults[0]!;
    const dir = join(work, 'checkout');
    const release = await materializeFault(fault.truth.id, dir, corpus);

    const { login } = await forge.currentUser();
    const repo = { owner: login, name: uniqueName('checkout_service') };
    const pushed = await pushToForge(forge, repo, {
      dir,
      refspecs: ['main:main', 'refs/tags/*:refs/tags/*'],
    });
    expect(pushed.branches).toEqual([expect.objectContaining({ name: 'main', sha: release.faulty })]);
    const changed = fault.fix.info.files[0]!.path;
    expect((await forge.getFile(repo, changed, 'healthy'))?.text).toBe(
      await git(dir, 'show', `healthy:${changed}`),
    );

    await forge.addCollaborator(repo, reviewerLogin, 'write');
    await forge.setBranchProtection(repo, 'main', {
      requiredStatusContexts: ['ci/validation'],
      requiredApprovals: 1,
    });

    // The fix, as the deployment stage would push it: its own branch, named after the incident.
    const branch = `heal/${fault.truth.id}`;
    await git(dir, 'checkout', '-q', '-b', branch, 'main');
    const fixSha = await applyPatch(dir, fault.fix);
    const fixPush = await pushToForge(forge, repo, { dir, refspecs: [`${branch}:${branch}`] });
    expect(fixPush.branches).toEqual([expect.objectContaining({ name: branch, sha: fixSha })]);

    const { pr } = await forge.ensurePullRequest(repo, {
      head: branch,
      base: 'main',
      title: `Fix ${fault.truth.id}`,
      body: fault.fix.info.subject,
    });
    expect(await forge.mergeWhenChecksSucceed(repo, pr.number, { sha: fixSha })).toMatchObject({
      kind: 'scheduled',
    });
    await forge.createCommitStatus(repo, fixSha, { state: 'success', context: 'ci/validation' });
    await reviewer.approvePullRequest(repo, pr.number, { commitSha: fixSha });

    const merged = await waitFor(
      async () => {
        const now = await forge.getPullRequest(repo, pr.number);
        return now.state === 'merged' ? now : undefined;
      },
      { timeoutMs: 30_000, message: 'the scheduled merge of the fix' },
    );
    expect((await forge.getBranch(repo, 'main'))?.sha).toBe(merged.mergeCommitSha);
    expect((await forge.getFile(repo, changed, 'main'))?.text).toBe(
      await git(dir, 'show', `${branch}:${changed}`),
    );
  });
});
