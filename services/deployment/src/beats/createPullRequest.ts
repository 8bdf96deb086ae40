import type { DeploymentBeat } from '../service/deps.js';
import { CI_CONTEXT } from '../service/deps.js';
import { pullRequest } from '../change/propose.js';

/**
 * Beat 6. The pull request from the fix branch into the service's default branch, its description carrying the
 * diagnosis, the validation and the diff summary; an open one for the same branch is found instead of a second one
 * opened. The default branch is protected with the CI status required, unless it already has a rule (an owner's
 * rule is never replaced), so the forge itself refuses a merge before CI is green.
 */
export const createPullRequest: DeploymentBeat<'createPullRequest'> = async ({ runId, effects }, deps) => {
  const c = await pullRequest(deps, await deps.caseOf(runId));
  const b = c.branch!;
  const repo = { owner: b.owner, name: b.name };
  await effects.once('protect-default-branch', async () => {
    const forge = deps.forge();
    const rule = await forge.getBranchProtection(repo, c.loaded!.defaultBranch);
    if (!rule)
      await forge.setBranchProtection(repo, c.loaded!.defaultBranch, {
        requiredStatusContexts: [CI_CONTEXT],
        requiredApprovals: 0,
      });
    return { existing: rule ?? null };
  });
  const pr = c.pullRequest!;
  return {
    event: {
      type: 'PullRequestCreated',
      payload: {
        provider: deps.forge().kind,
        number: pr.number,
        url: pr.url,
        title: pr.title,
        existed: pr.existed,
      },
    },
  };
};
