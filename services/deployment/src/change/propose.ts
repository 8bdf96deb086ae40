import { pushToForge } from '@self-healing/shared/forge';
import type { DeploymentDeps } from '../service/deps.js';
import {
  branchHeadOf,
  latestRebaseOf,
  type BranchRecord,
  type DeploymentCase,
  type PullRequestRecord,
  type RebaseRecord,
} from '../service/case.js';
import { branchNameOf, makeFixCommit, revertBranchOf, treeOf } from './fixCommit.js';
import { replayOnto } from './rebase.js';
import { commitMessage, pullRequestBody } from './describe.js';

/** How long the forge may take to show a pushed commit as its pull request's head. */
const PULL_HEAD_WAIT_MS = 60_000;

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

/**
 * The fix replayed on the default branch's current head (see change/rebase.ts) as replay `round`, pushed to its
 * branch, which moves the pull request onto it. Made once per round: the commit is recorded before it is pushed,
 * and a repeat after a crash pushes the recorded one again (the same push twice changes nothing). Answers why not,
 * when the replay needs people (code that conflicts, a default branch rewritten under the fix), or when to look
 * again (the forge has not yet checked a replay made on the current head).
 */
export async function replayFix(
  deps: DeploymentDeps,
  c: DeploymentCase,
  round: number,
): Promise<{ replayed: DeploymentCase } | { refused: string } | { later: string }> {
  const l = c.loaded!;
  const b = c.branch!;
  if (!c.rebases?.[String(round)]) {
    const mirror = await deps.mirror(c); // fetched: where the default branch is now
    const onto = await mirror.resolve(`refs/heads/${l.defaultBranch}`);
    const previous = latestRebaseOf(c);
    // Made on this very head already: the forge's conflict check has not yet looked at the replay. Later, then.
    if (previous && previous.record.onto === onto)
      return {
        later: `pull request #${c.pullRequest!.number} is still reported conflicting, but its head was made on ${onto.slice(0, 12)}, the default branch's head: the forge has not checked it again yet`,
      };
    const from = branchHeadOf(c);
    const replay = await replayOnto(mirror, {
      commit: from,
      onto,
      at: deps.now(),
      note: `Replayed onto ${onto} (${l.defaultBranch} moved on after the fix was validated).`,
    });
    if (replay.kind === 'conflict')
      return {
        refused: `it conflicts with the default branch, which moved on, in ${replay.files.slice(0, 5).join(', ')}: people must rebase it and validate it again`,
      };
    if (replay.kind === 'diverged') return { refused: replay.reason };
    const record: RebaseRecord = {
      from,
      onto,
      commit: replay.commit,
      unioned: replay.unioned,
      at: deps.now(),
    };
    c = await deps.recordAt(c._id, `rebases.${round}`, record);
  }
  const replay = c.rebases![String(round)]!;
  if (replay.pushedAt) return { replayed: c };
  const commit = replay.commit;
  const repo = { owner: b.owner, name: b.name };
  const mirror = await deps.mirror(c, commit);
  await pushToForge(deps.forge(), repo, {
    dir: mirror.path,
    refspecs: [`+${commit}:refs/heads/${b.branch}`],
  });
  // The forge moves the pull request's head a moment after the branch; merging pinned to the new commit before
  // then would be refused as "the branch moved".
  const until = deps.now() + PULL_HEAD_WAIT_MS;
  while ((await deps.forge().getPullRequest(repo, c.pullRequest!.number)).head.sha !== commit) {
    if (deps.now() > until)
      throw new Error(
        `pull request #${c.pullRequest!.number} does not show ${commit.slice(0, 12)} as its head yet`,
      );
    await new Promise((r) => setTimeout(r, 500));
  }
  return { replayed: await deps.recordAt(c._id, `rebases.${round}.pushedAt`, deps.now()) };
}
