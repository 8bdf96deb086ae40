import type { DeploymentBeat } from '../service/deps.js';
import { ciStatusOf, ciVerdict } from '../ci/verdict.js';

/**
 * Beat 7. CI on the pull request's head commit, reported where the forge enforces it: the `ci/validation` commit
 * status. When no status is there yet, the platform's own runner runs the service's whole suite on that commit in a
 * clean checkout (validation's sandbox and limits) and posts `pending`, then `success` or `failure`, once per commit.
 * A status another CI system posts under the same context counts the same; while it is pending the run waits and
 * looks again, until CI_TIMEOUT_MS, after which CI counts as timed out.
 */
export const runCIChecks: DeploymentBeat<'runCIChecks'> = async ({ runId, effects }, deps) => {
  let c = await deps.caseOf(runId);
  if (!c.ci) {
    if (!c.ciStartedAt) c = await deps.record(runId, 'ciStartedAt', deps.now());
    const head = c.branch!.commit;
    // No status at all: the platform runs CI itself, and remembers that it does, so that after a crash its own
    // `pending` is not mistaken for another CI system's (the effect runs the suite again unless it finished).
    if (c.ciOwn === undefined && (await ciStatusOf(deps, c, head)).state === 'none')
      c = await deps.record(runId, 'ciOwn', true);
    const verdict = await ciVerdict(deps, c, effects, {
      commit: head,
      startedAt: c.ciStartedAt!,
      own: c.ciOwn === true,
    });
    if ('wait' in verdict) return verdict;
    c = await deps.record(runId, 'ci', verdict.record);
  }
  const ci = c.ci!;
  return {
    event: {
      type: 'CIChecksConcluded',
      payload: {
        conclusion: ci.conclusion,
        headCommit: ci.headCommit,
        checks: ci.checks.map((x) => ({
          name: x.name,
          conclusion: x.conclusion,
          url: x.url,
          durationMs: x.durationMs,
        })),
        durationMs: ci.durationMs,
      },
    },
  };
};
