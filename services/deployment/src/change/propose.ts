import { pushToForge } from '@self-healing/shared/forge';
import type { DeploymentDeps } from '../service/deps.js';
import type { BranchRecord, DeploymentCase, PullRequestRecord } from '../service/case.js';
import { branchNameOf, makeFixCommit, revertBranchOf, treeOf } from './fixCommit.js';
import { commitMessage, pullRequestBody } from './describe.js';

/**
 * The three steps that put a fix in front of people, each safe to repeat: the fix commit (made once and recorded),
 * the push that creates the branch on the forge, and the pull request (found when already open). Beats 4 to 6 take
 * them in turn; a fix that waits for a person's approval takes them before it waits, so the person has a pull
 * request to review.
 */

/** The fix commit on the base, recorded in the case file; a repeat finds the record. */
export async function fixBranch(deps: DeploymentDeps, c: DeploymentCase): Promise<DeploymentCase> {
  if (c.branch) return c;
  const l = c.loaded!;
  const ref = deps.repoRef(l.repository)!;
  const mirror = await deps.mirror(c, l.baseCommit);
  const made = await makeFixCommit(mirror, {
    baseCommit: l.baseCommit,
    diff: l.diff,
    message: commitMessage(c),
    at: deps.now(),
  });
  // The commit must carry exactly the tree that was validated, where validation's commit is at hand.
  const validated = l.validation.headCommit ? await treeOf(mirror, l.validation.headCommit) : null;
  if (validated && validated !== made.tree)
    throw new Error(
      `the patch applied on ${l.baseCommit.slice(0, 12)} gives tree ${made.tree.slice(0, 12)}, not the validated ${validated.slice(0, 12)}`,
    );
  const branch = c.rollbackOf ? revertBranchOf(c._id) : branchNameOf(c._id);
  const existing = await deps.forge().getBranch(ref, branch);
  const record: BranchRecord = {
    repository: l.repository,
    owner: ref.owner,
    name: ref.name,
    branch,
    baseCommit: l.baseCommit,
    commit: made.commit,
    filesChanged: made.filesChanged,
    existed: existing !== undefined,
  };
  return deps.record(c._id, 'branch', record);
}

/**
 * Pushes the fix commit to its branch. The push creates the branch (one per run; forced, should a branch of that name
 * be left from elsewhere): a branch made through the API first and then updated by a push has Gitea dismiss reviews
 * given in between. Pushing the same commit again changes nothing, so a repeat after a crash is harmless.
 */
export async function pushFix(deps: DeploymentDeps, c: DeploymentCase): Promise<DeploymentCase> {
  if (c.pushedAt) return c;
  const b = c.branch!;
  const mirror = await deps.mirror(c);
  await pushToForge(
    deps.forge(),
    { owner: b.owner, name: b.name },
    {
      dir: mirror.path,
      refspecs: [`+${b.commit}:refs/heads/${b.branch}`],
    },
  );
  return deps.record(c._id, 'pushedAt', deps.now());
}

/** Opens the pull request from the fix branch into the default branch, or finds the one already open. */
export async function pullRequest(deps: DeploymentDeps, c: DeploymentCase): Promise<DeploymentCase> {
  if (c.pullRequest) return c;
  const b = c.branch!;
  const l = c.loaded!;
  const mirror = await deps.mirror(c);
  const stat = await mirror.git(['diff', '--stat=100', b.baseCommit, b.commit]);
  const title = `[self-healing] ${l.title} (${c.incidentId})`;
  const { pr, created } = await deps
    .forge()
    .ensurePullRequest(
      { owner: b.owner, name: b.name },
      { head: b.branch, base: l.defaultBranch, title, body: pullRequestBody(c, stat) },
    );
  const record: PullRequestRecord = {
    number: pr.number,
    url: pr.htmlUrl,
    title: pr.title,
    existed: !created,
  };
  return deps.record(c._id, 'pullRequest', record);
}
