import { nextCandidateCommand } from '@self-healing/shared';
import type { DeploymentBeat } from '../service/deps.js';
import { revertMerge } from '../change/revert.js';

/**
 * Beat 11. Announces the deployment on the public topic: deployed (the fix serves all traffic) or rolled back (the
 * canary failed its judgement and the stable version serves again), with the merge commit and the pull request. A
 * rolled-back fix is first taken out of the default branch again (a revert pull request, CI, merge: see
 * change/revert.ts), then the fix stage is sent to its next candidate. A rollback run (RollbackDeploymentCommand)
 * whose revert now serves sends it there too, when asked to; a revert that production judged worse still is left
 * to people.
 */
export const deployCompleted: DeploymentBeat<'deployCompleted'> = async (
  { runId, incidentId, cause, earlier, effects, topics },
  deps,
) => {
  let c = await deps.caseOf(runId);
  const verified = earlier.DeploymentVerified;
  const rolledBack = verified.rolledBack || !verified.healthy;
  const why = verified.rollbackReason ?? 'the canary was judged worse than the stable version';
  const rollback = c.rollbackOf;
  if (rolledBack && !rollback) c = await revertMerge(deps, c, effects, why);
  const failed = rollback
    ? !rolledBack && rollback.nextCandidate
      ? { reason: `taken out again in ${c.environment}: ${rollback.reason}` }
      : null
    : rolledBack
      ? { reason: `rolled back in ${c.environment}: ${why}` }
      : null;
  const next = failed
    ? await nextCandidateCommand(deps.db, topics, {
        incidentId,
        patchId: c.patchId,
        stage: 'deployment.deploy',
        reason: failed.reason,
        correlationId: cause.meta.correlationId,
        producer: 'deployment.deploy',
      })
    : null;
  return {
    event: {
      type: 'DeploymentCompleted',
      payload: {
        deploymentId: c.deploymentId,
        patchId: c.patchId,
        outcome: rolledBack ? 'rolled_back' : 'deployed',
        environment: c.environment,
        mergeCommit: c.merge!.mergeCommit,
        pullRequestUrl: c.pullRequest?.url ?? null,
        deployedAt: c.rollout!.finishedAt,
        revertPullRequestUrl: c.revert?.pullRequest?.url ?? null,
        revertFailure: c.revert?.failure ?? null,
        rollbackOf: rollback?.deploymentId ?? null,
      },
    },
    ...(next ? { publish: [next] } : {}),
  };
};
