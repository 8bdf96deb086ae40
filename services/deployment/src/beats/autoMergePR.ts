import { nextCandidateCommand } from '@self-healing/shared';
import type { DeploymentBeat } from '../service/deps.js';
import { branchHeadOf, latestRebaseOf, rebasesOf, type CiRecord, type MergeRecord } from '../service/case.js';
import { ciVerdict } from '../ci/verdict.js';
import { replayFix } from '../change/propose.js';
import { rejected } from './deployRequested.js';

/**
 * How many times a fix is replayed on a default branch that keeps moving before it is left to people: each replay
 * costs a CI run, and a branch that moves every few minutes needs a merge queue, not a retry loop.
 */
const MAX_REPLAYS = 3;
/** How long to wait before asking the forge again whether a replayed pull request still conflicts. */
const RECHECK_MS = 5_000;

/**
 * Beat 8. Merges the pull request when CI passed (approval was settled at beat 3), pinned to the head commit that CI
 * saw: if someone pushed to the branch since, the forge refuses and nothing unproven is merged. The forge is the
 * idempotency key here: merging a merged pull request answers `alreadyMerged`, so a repeat after a crash records the
 * first merge. Its transient "try again later" is retried by the client.
 *
 * A refusal for a conflict (the default branch moved on, typically another fix of the same service merged first and
 * both added a changelog entry) replays the fix on the default branch's head (change/rebase.ts: changelog entries
 * both kept, any other conflict left to people), pushes it to the same branch and pull request, and puts it through
 * CI again before merging it. CI that did not pass, on the fix or its replay, closes the pull request and ends the
 * deployment (a failure sends the fix stage to its next candidate).
 */
export const autoMergePR: DeploymentBeat<'autoMergePR'> = async (
  { runId, incidentId, cause, effects, topics },
  deps,
) => {
  let c = await deps.caseOf(runId);
  const pr = c.pullRequest!;
  const repo = { owner: c.branch!.owner, name: c.branch!.name };
  const forge = deps.forge();
  while (!c.merge) {
    // The CI of the commit about to be merged: beat 7's for the fix commit, a replay's own for a replay.
    let ci: CiRecord = c.ci!;
    let latest = latestRebaseOf(c);
    if (latest && !latest.record.pushedAt) {
      // Recorded, then the process died before the forge had it: pushed now, before any CI is asked for.
      const replay = await replayFix(deps, c, latest.round);
      if (!('replayed' in replay))
        throw new Error(`replay ${latest.round} of ${runId} was recorded, not pushed`);
      c = replay.replayed;
      latest = latestRebaseOf(c);
    }
    if (latest) {
      if (!latest.record.ci) {
        const verdict = await ciVerdict(deps, c, effects, {
          commit: latest.record.commit,
          startedAt: latest.record.at,
          own: c.ciOwn === true,
        });
        if ('wait' in verdict) return verdict;
        c = await deps.recordAt(runId, `rebases.${latest.round}.ci`, verdict.record);
      }
      ci = latestRebaseOf(c)!.record.ci!;
    }
    if (ci.conclusion !== 'success') {
      await effects.once('close-pull-request', async () => {
        const now = await forge.getPullRequest(repo, pr.number);
        if (now.state === 'open') await forge.closePullRequest(repo, pr.number);
        return { closed: true };
      });
      const why = `CI ${ci.conclusion} on ${ci.headCommit.slice(0, 12)}: ${ci.detail}`;
      // Tests that fail in a clean checkout show the candidate wrong: the next one is tried. CI that timed out or
      // errored shows nothing about it, and stays with people.
      const next =
        ci.conclusion === 'failure'
          ? await nextCandidateCommand(deps.db, topics, {
              incidentId,
              patchId: c.patchId,
              stage: 'deployment.deploy',
              reason: why,
              correlationId: cause.meta.correlationId,
              producer: 'deployment.deploy',
            })
          : null;
      return { ...rejected(cause, 'ci-not-passed', why), ...(next ? { publish: [next] } : {}) };
    }
    const head = branchHeadOf(c);
    const outcome = await forge.mergePullRequest(repo, pr.number, {
      method: 'merge',
      sha: head,
      title: `Merge ${c.branch!.branch}: ${c.loaded!.title}`,
      message: `Self-healing fix for incident ${c.incidentId} (deployment ${c.deploymentId}).`,
    });
    if (outcome.kind === 'refused') {
      const current = await forge.getPullRequest(repo, pr.number);
      if (current.state === 'open' && current.head.sha === head && current.mergeable === false) {
        const round = (latest?.round ?? 0) + 1;
        if (round > MAX_REPLAYS)
          return rejected(
            cause,
            'merge-refused',
            `pull request #${pr.number} cannot be merged: the default branch moved on under it ${MAX_REPLAYS} times; people must merge it`,
          );
        const replay = await replayFix(deps, c, round);
        if ('later' in replay) return { wait: { until: deps.now() + RECHECK_MS, reason: replay.later } };
        if ('refused' in replay)
          return rejected(
            cause,
            'merge-refused',
            `pull request #${pr.number} cannot be merged: ${replay.refused}`,
          );
        c = replay.replayed;
        continue;
      }
      const why =
        current.head.sha !== head
          ? `the branch moved to ${current.head.sha.slice(0, 12)} after CI`
          : `the forge refused (${outcome.status}): ${outcome.reason}`;
      // A refusal that may pass later (checks still settling) is retried by the runtime; these do not change.
      if (current.head.sha !== head || current.state === 'closed')
        return rejected(cause, 'merge-refused', `pull request #${pr.number} cannot be merged: ${why}`);
      throw new Error(`merge of #${pr.number} refused: ${why}`);
    }
    const mergeCommit = outcome.sha ?? (await forge.getPullRequest(repo, pr.number)).mergeCommitSha;
    if (!mergeCommit)
      throw new Error(`pull request #${pr.number} merged, but the forge names no merge commit yet`);
    const record: MergeRecord = {
      number: pr.number,
      mergeCommit,
      method: 'merge',
      automatic: true,
      mergedBy: deps.settings.forge?.user ?? 'platform',
    };
    c = await deps.record(runId, 'merge', record);
  }
  const m = c.merge!;
  return {
    event: {
      type: 'PullRequestMerged',
      payload: {
        number: m.number,
        mergeCommit: m.mergeCommit,
        method: m.method,
        automatic: m.automatic,
        mergedBy: m.mergedBy,
        headCommit: branchHeadOf(c),
        replayedOnto: rebasesOf(c).map((r) => r.record.onto),
      },
    },
  };
};
