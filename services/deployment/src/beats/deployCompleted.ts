import type { DeploymentBeat } from '../service/deps.js';

/**
 * Beat 11. Announces the deployment on the public topic: deployed (the fix serves all traffic) or rolled back (the
 * canary failed its judgement and the stable version serves again), with the merge commit and the pull request.
 */
export const deployCompleted: DeploymentBeat<'deployCompleted'> = async ({ runId, earlier }, deps) => {
  const c = await deps.caseOf(runId);
  const verified = earlier.DeploymentVerified;
  return {
    event: {
      type: 'DeploymentCompleted',
      payload: {
        deploymentId: c.deploymentId,
        patchId: c.patchId,
        outcome: verified.rolledBack || !verified.healthy ? 'rolled_back' : 'deployed',
        environment: c.environment,
        mergeCommit: c.merge!.mergeCommit,
        pullRequestUrl: c.pullRequest?.url ?? null,
        deployedAt: c.rollout!.finishedAt,
      },
    },
  };
};
