import type { DeploymentBeat } from '../service/deps.js';
import { pushFix } from '../change/propose.js';

/**
 * Beat 5. Pushes the fix commit to its branch on the forge (the push creates the branch). Pushing the same commit
 * twice changes nothing, so a repeat after a crash is harmless; the forge's API is waited for until it shows the
 * branch at the commit, since the next beat opens a pull request on it.
 */
export const applyChanges: DeploymentBeat<'applyChanges'> = async ({ runId }, deps) => {
  const c = await pushFix(deps, await deps.caseOf(runId));
  const b = c.branch!;
  return {
    event: {
      type: 'ChangesApplied',
      payload: { branch: b.branch, commit: b.commit, filesChanged: b.filesChanged },
    },
  };
};
