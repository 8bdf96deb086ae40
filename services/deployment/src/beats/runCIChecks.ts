import { randomBytes } from 'node:crypto';
import type { CommitState } from '@self-healing/shared/forge';
import type { DeploymentBeat, DeploymentDeps } from '../service/deps.js';
import { CI_CONTEXT } from '../service/deps.js';
import { runPlatformCi } from '../ci/platformCi.js';
import type { CiRecord, DeploymentCase } from '../service/case.js';

type Conclusion = CiRecord['conclusion'];

/**
 * Beat 7. CI on the pull request's head commit, reported where the forge enforces it: the `ci/validation` commit
 * status. When no status is there yet, the platform's own runner runs the service's whole suite on that commit in a
 * clean checkout (validation's sandbox and limits) and posts `pending`, then `success` or `failure`, once per commit
 * (an effect: a crash mid-run runs it again, never posts a second verdict for a recorded run). A status another CI
 * system posts under the same context counts the same; while it is pending the run waits and looks again, until
 * CI_TIMEOUT_MS, after which CI counts as timed out.
 */
export const runCIChecks: DeploymentBeat<'runCIChecks'> = async ({ runId, effects }, deps) => {
  let c = await deps.caseOf(runId);
  if (!c.ci) {
    if (!c.ciStartedAt) c = await deps.record(runId, 'ciStartedAt', deps.now());
    const head = c.branch!.commit;
    let state = await statusOf(deps, c);
    // No status at all: the platform runs CI itself, and remembers that it does, so that after a crash its own
    // `pending` is not mistaken for another CI system's (the effect runs the suite again unless it finished).
    if (state.state === 'none' && !c.ciOwn) c = await deps.record(runId, 'ciOwn', true);
    if (c.ciOwn && !conclusionOf(state.state)) {
      await effects.once(`ci-${head}`, () => runOurCi(deps, c));
      state = await statusOf(deps, c);
    }
    const conclusion = conclusionOf(state.state);
    const overdue = deps.now() >= c.ciStartedAt! + deps.settings.ciTimeoutMs;
    if (!conclusion && !overdue)
      return {
        wait: {
          until: Math.min(c.ciStartedAt! + deps.settings.ciTimeoutMs, deps.now() + deps.settings.ciPollMs),
          reason: `CI (${CI_CONTEXT}) on ${head.slice(0, 12)} is ${state.state}: ${state.description}`,
        },
      };
    const final: Conclusion = conclusion ?? 'timed_out';
    const durationMs = deps.now() - c.ciStartedAt!;
    c = await deps.record(runId, 'ci', {
      conclusion: final,
      headCommit: head,
      checks: [{ name: CI_CONTEXT, conclusion: final, url: state.targetUrl, durationMs }],
      durationMs,
      detail: conclusion
        ? state.description
        : `no concluded ${CI_CONTEXT} status within ${deps.settings.ciTimeoutMs} ms`,
    });
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

async function statusOf(
  deps: DeploymentDeps,
  c: DeploymentCase,
): Promise<{ state: CommitState | 'none'; description: string; targetUrl: string | null }> {
  const b = c.branch!;
  const combined = await deps.forge().getCombinedStatus({ owner: b.owner, name: b.name }, b.commit);
  const ours = combined.statuses.find((s) => s.context === CI_CONTEXT);
  return ours
    ? { state: ours.state, description: ours.description, targetUrl: ours.targetUrl ?? null }
    : { state: 'none', description: 'no status yet', targetUrl: null };
}

function conclusionOf(state: CommitState | 'none'): Conclusion | null {
  if (state === 'success') return 'success';
  if (state === 'failure' || state === 'error') return 'failure';
  if (state === 'skipped') return 'cancelled';
  return null;
}

/** The platform's CI run on the head commit: pending, the suite, then its verdict as the status. */
function runOurCi(deps: DeploymentDeps, c: DeploymentCase): Promise<{ conclusion: string; summary: string }> {
  const b = c.branch!;
  return deps.mirror(c, b.commit).then((mirror) =>
    runPlatformCi(deps, {
      repo: { owner: b.owner, name: b.name },
      mirror,
      commit: b.commit,
      service: deps.service(c.loaded!.service),
      // A checkout of this attempt's own: a beat that outlived a rebalance may still run the suite in its folder
      // while the partition's new owner runs the same CI, and each removes its folder when done.
      runName: `${c._id}-${b.commit.slice(0, 12)}-${randomBytes(4).toString('hex')}`,
    }),
  );
}
