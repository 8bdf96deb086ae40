import { nextCandidateCommand } from '@self-healing/shared';
import type { DeploymentBeat } from '../service/deps.js';
import type { MergeRecord } from '../service/case.js';
import { rejected } from './deployRequested.js';

/**
 * Beat 8. Merges the pull request when CI passed (approval was settled at beat 3), pinned to the head commit that CI
 * and the validation saw: if someone pushed to the branch since, the forge refuses and nothing unproven is merged.
 * The forge is the idempotency key here: merging a merged pull request answers `alreadyMerged`, so a repeat after a
 * crash records the first merge. Its transient "try again later" is retried by the client. A refusal for a conflict
 * (the default branch moved on) ends the deployment for people to rebase; CI that did not pass closes the pull
 * request and ends it too (a failure sends the fix stage to its next candidate).
 */
export const autoMergePR: DeploymentBeat<'autoMergePR'> = async (
  { runId, incidentId, cause, effects, topics },
  deps,
) => {
  let c = await deps.caseOf(runId);
  const b = c.branch!;
  const pr = c.pullRequest!;
  const repo = { owner: b.owner, name: b.name };
  const forge = deps.forge();
  if (!c.merge) {
    if (c.ci!.conclusion !== 'success') {
      await effects.once('close-pull-request', async () => {
        const now = await forge.getPullRequest(repo, pr.number);
        if (now.state === 'open') await forge.closePullRequest(repo, pr.number);
        return { closed: true };
      });
      const why = `CI ${c.ci!.conclusion} on ${c.ci!.headCommit.slice(0, 12)}: ${c.ci!.detail}`;
      // Tests that fail in a clean checkout show the candidate wrong: the next one is tried. CI that timed out or
      // errored shows nothing about it, and stays with people.
      const next =
        c.ci!.conclusion === 'failure'
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
    const outcome = await forge.mergePullRequest(repo, pr.number, {
      method: 'merge',
      sha: b.commit,
      title: `Merge ${b.branch}: ${c.loaded!.title}`,
      message: `Self-healing fix for incident ${c.incidentId} (deployment ${c.deploymentId}).`,
    });
    if (outcome.kind === 'refused') {
      const current = await forge.getPullRequest(repo, pr.number);
      const why =
        current.head.sha !== b.commit
          ? `the branch moved to ${current.head.sha.slice(0, 12)} after CI`
          : current.mergeable === false
            ? 'it conflicts with the default branch, which moved on: rebase and validate again'
            : `the forge refused (${outcome.status}): ${outcome.reason}`;
      // A refusal that may pass later (checks still settling) is retried by the runtime; these do not change.
      if (current.head.sha !== b.commit || current.mergeable === false || current.state === 'closed')
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
      },
    },
  };
};
