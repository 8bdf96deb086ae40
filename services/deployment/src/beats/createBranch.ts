import type { DeploymentBeat } from '../service/deps.js';
import { fixBranch } from '../change/propose.js';

/**
 * Beat 4. The fix as one commit on the base commit, by the platform, with a message naming the incident, the cause
 * and the proof; made in the repository's mirror with git's plumbing (nothing checked out, no hook run) and checked
 * to carry the tree that was validated. The branch is named after the incident; `existed` says the forge already had
 * it (an earlier patch of the same incident, or an attempt before a crash).
 */
export const createBranch: DeploymentBeat<'createBranch'> = async ({ runId }, deps) => {
  const c = await fixBranch(deps, await deps.caseOf(runId));
  const b = c.branch!;
  return {
    event: {
      type: 'BranchCreated',
      payload: { repository: b.repository, branch: b.branch, baseCommit: b.baseCommit, existed: b.existed },
    },
  };
};
