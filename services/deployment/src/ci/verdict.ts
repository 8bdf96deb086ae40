import { randomBytes } from 'node:crypto';
import type { CommitState } from '@self-healing/shared/forge';
import { CI_CONTEXT, type DeploymentDeps } from '../service/deps.js';
import type { CiRecord, DeploymentCase } from '../service/case.js';
import { runPlatformCi } from './platformCi.js';

type Conclusion = CiRecord['conclusion'];
type Effects = { once<T>(name: string, f: (key: string) => Promise<T>): Promise<{ result: T }> };

export interface CiStatus {
  state: CommitState | 'none';
  description: string;
  targetUrl: string | null;
}

/**
 * CI's verdict on one commit of the fix branch, as the forge holds it under CI_CONTEXT: concluded, or a time to look
 * again. When the platform is the CI (`own`), it runs the service's suite on the commit itself, once per commit (an
 * effect: a crash mid-run runs it again, never posts a second verdict for a recorded run); otherwise it waits for
 * the status another CI system posts. Past CI_TIMEOUT_MS from `startedAt`, CI counts as timed out.
 */
export async function ciVerdict(
  deps: DeploymentDeps,
  c: DeploymentCase,
  effects: Effects,
  p: { commit: string; startedAt: number; own: boolean },
): Promise<{ record: CiRecord } | { wait: { until: number; reason: string } }> {
  let state = await ciStatusOf(deps, c, p.commit);
  if (p.own && !conclusionOf(state.state)) {
    await effects.once(`ci-${p.commit}`, () => runOurCi(deps, c, p.commit));
    state = await ciStatusOf(deps, c, p.commit);
  }
  const conclusion = conclusionOf(state.state);
  const deadline = p.startedAt + deps.settings.ciTimeoutMs;
  if (!conclusion && deps.now() < deadline)
    return {
      wait: {
        until: Math.min(deadline, deps.now() + deps.settings.ciPollMs),
        reason: `CI (${CI_CONTEXT}) on ${p.commit.slice(0, 12)} is ${state.state}: ${state.description}`,
      },
    };
  const final: Conclusion = conclusion ?? 'timed_out';
  const durationMs = deps.now() - p.startedAt;
  return {
    record: {
      conclusion: final,
      headCommit: p.commit,
      checks: [{ name: CI_CONTEXT, conclusion: final, url: state.targetUrl, durationMs }],
      durationMs,
      detail: conclusion
        ? state.description
        : `no concluded ${CI_CONTEXT} status within ${deps.settings.ciTimeoutMs} ms`,
    },
  };
}

/** The CI_CONTEXT status of a commit of the fix branch on the forge. */
export async function ciStatusOf(deps: DeploymentDeps, c: DeploymentCase, commit: string): Promise<CiStatus> {
  const b = c.branch!;
  const combined = await deps.forge().getCombinedStatus({ owner: b.owner, name: b.name }, commit);
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

/** The platform's CI run on a commit: pending, the suite, then its verdict as the status. */
function runOurCi(
  deps: DeploymentDeps,
  c: DeploymentCase,
  commit: string,
): Promise<{ conclusion: string; summary: string }> {
  const b = c.branch!;
  return deps.mirror(c, commit).then((mirror) =>
    runPlatformCi(deps, {
      repo: { owner: b.owner, name: b.name },
      mirror,
      commit,
      service: deps.service(c.loaded!.service),
      // A checkout of this attempt's own: a beat that outlived a rebalance may still run the suite in its folder
      // while the partition's new owner runs the same CI, and each removes its folder when done.
      runName: `${c._id}-${commit.slice(0, 12)}-${randomBytes(4).toString('hex')}`,
    }),
  );
}
