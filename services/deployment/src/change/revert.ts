import { pushToForge } from '@self-healing/shared/forge';
import type { DeploymentDeps } from '../service/deps.js';
import type { DeploymentCase, RevertRecord } from '../service/case.js';
import { runPlatformCi } from '../ci/platformCi.js';
import { makeFixCommit, revertBranchOf } from './fixCommit.js';

type Effects = { once<T>(name: string, f: (key: string) => Promise<T>): Promise<{ result: T }> };

/**
 * Takes a merged fix back out of the default branch after production rejected it, the way a team would: a commit
 * that undoes the merge (its diff against its first parent, reversed) on the branch's current head, proposed as a
 * pull request, put through the same CI the fix went through, and merged. The default branch then holds the code the
 * next candidate is made on (the diagnosis' commit) in those lines, so the next fix merges without conflicting with
 * one that no longer runs anywhere. Each step is safe to repeat: the commit is recorded before it is pushed, the pull
 * request before CI and the merge (a repeat finds it, merged or not), and CI is an effect. What cannot be done (the
 * branch moved on over the same lines, CI fails) is recorded as the revert's failure, for people: production already
 * serves the stable version either way.
 */
export async function revertMerge(
  deps: DeploymentDeps,
  c: DeploymentCase,
  effects: Effects,
  reason: string,
): Promise<DeploymentCase> {
  if (c.revert) return c;
  const l = c.loaded!;
  const b = c.branch!;
  const repo = { owner: b.owner, name: b.name };
  const merged = c.merge!.mergeCommit;
  const fail = (failure: string, partial: Partial<RevertRecord> = {}) =>
    deps.record(c._id, 'revert', {
      commit: null,
      onto: null,
      branch: null,
      pullRequest: null,
      mergeCommit: null,
      ...partial,
      failure,
    });

  if (!c.revertCommit) {
    const mirror = await deps.mirror(c); // fetched: where the default branch is now
    const head = await mirror.resolve(`refs/heads/${l.defaultBranch}`);
    const contains = await mirror
      .git(['merge-base', '--is-ancestor', merged, head])
      .then(() => true)
      .catch(() => false);
    if (!contains)
      return fail(`${l.defaultBranch} no longer contains ${merged.slice(0, 12)}: nothing to revert`);
    const undo = await mirror.git(['diff', '--binary', merged, `${merged}^1`]);
    const made = await makeFixCommit(mirror, {
      baseCommit: head,
      diff: undo,
      message:
        `Revert the self-healing fix for incident ${c.incidentId}\n\n` +
        `This reverts merge ${merged} (pull request #${c.merge!.number}, deployment ${c.deploymentId}): ${reason}\n`,
      at: deps.now(),
    }).catch((error: unknown) => ({ error: (error as Error).message.split('\n')[0] ?? 'git apply failed' }));
    if ('error' in made)
      return fail(
        `the merge does not revert cleanly on ${head.slice(0, 12)} (${made.error}): people must revert it`,
      );
    c = await deps.record(c._id, 'revertCommit', {
      commit: made.commit,
      onto: head,
      branch: revertBranchOf(c._id),
    });
  }
  const r = c.revertCommit!;
  const mirror = await deps.mirror(c, r.commit);
  if (!c.revertPullRequest) {
    await pushToForge(deps.forge(), repo, {
      dir: mirror.path,
      refspecs: [`+${r.commit}:refs/heads/${r.branch}`],
    });
    const { pr } = await deps.forge().ensurePullRequest(repo, {
      head: r.branch,
      base: l.defaultBranch,
      title: `[self-healing] Revert: ${l.title} (${c.incidentId})`,
      body: `Production rejected the fix merged in #${c.merge!.number}: ${reason}\n\nThis reverts ${merged}.`,
    });
    // Recorded before CI and the merge: a repeat after a crash finds this pull request, merged or not, instead of
    // pushing again and asking for a second one (the forge finds open pull requests only).
    c = await deps.record(c._id, 'revertPullRequest', { number: pr.number, url: pr.htmlUrl });
  }
  const pullRequest = c.revertPullRequest!;
  const current = await deps.forge().getPullRequest(repo, pullRequest.number);
  if (current.state === 'merged')
    return deps.record(c._id, 'revert', {
      commit: r.commit,
      onto: r.onto,
      branch: r.branch,
      pullRequest,
      mergeCommit: current.mergeCommitSha ?? null,
      failure: null,
    });
  const ci = await effects.once(`revert-ci-${r.commit}`, () =>
    runPlatformCi(deps, {
      repo,
      mirror,
      commit: r.commit,
      service: deps.service(l.service),
      runName: `${c._id}-revert-${r.commit.slice(0, 12)}`,
    }),
  );
  if (ci.result.conclusion !== 'success')
    return fail(`CI ${ci.result.conclusion} on the revert: ${ci.result.summary.slice(0, 300)}`, {
      commit: r.commit,
      onto: r.onto,
      branch: r.branch,
      pullRequest,
    });
  const outcome = await deps.forge().mergePullRequest(repo, pullRequest.number, {
    method: 'merge',
    sha: r.commit,
    title: `Merge ${r.branch}: revert the fix for ${c.incidentId}`,
    message: `Production rejected deployment ${c.deploymentId}: ${reason}`,
  });
  if (outcome.kind === 'refused')
    return fail(`the forge refused to merge the revert (${outcome.status}): ${outcome.reason}`, {
      commit: r.commit,
      onto: r.onto,
      branch: r.branch,
      pullRequest,
    });
  const mergeCommit =
    outcome.sha ?? (await deps.forge().getPullRequest(repo, pullRequest.number)).mergeCommitSha ?? null;
  return deps.record(c._id, 'revert', {
    commit: r.commit,
    onto: r.onto,
    branch: r.branch,
    pullRequest,
    mergeCommit,
    failure: null,
  });
}
