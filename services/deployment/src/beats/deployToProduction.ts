import { insertOnce } from '@self-healing/shared';
import type { DeploymentBeat } from '../service/deps.js';
import type { RolloutRecord } from '../service/case.js';
import { TargetError } from '../rollout/target.js';
import { rejected } from './deployRequested.js';

/**
 * Beat 9. The merge commit goes out as a canary at the policy's first share, through the service's deployer: built
 * and started beside the stable version, health-checked, and only then given traffic. Exactly once: the deployer's
 * state is read first (a canary or stable version already at the merge commit is the earlier attempt's deploy), and
 * the deploy itself is an effect of the ledger. A deploy that fails (build, start, health) leaves the stable version
 * serving with its weights untouched; the merge is then on the default branch without running anywhere, which the
 * refusal says, for people to revert or fix.
 */
export const deployToProduction: DeploymentBeat<'deployToProduction'> = async (
  { runId, cause, effects },
  deps,
) => {
  let c = await deps.caseOf(runId);
  const service = c.loaded!.service;
  const canary = deps.service(service)!.healing.canary;
  const firstStep = canary.steps[0]!;
  if (!c.rollout) {
    const target = deps.target(service);
    const merged = c.merge!.mergeCommit;
    const before = await target.state();
    if (before.canary && before.canary.commit !== merged)
      return rejected(
        cause,
        'target-busy',
        `a canary of ${before.canary.commit.slice(0, 12)} is running on ${service}: it must be promoted or rolled back first`,
      );
    const startedAt = deps.now();
    const deployed = await effects.once(`deploy-${merged}`, async () => {
      const now = await target.state();
      const running = [now.canary, now.stable].find((v) => v?.commit === merged);
      if (running)
        return {
          commit: running.commit,
          version: running.version,
          previous: before.stable?.commit ?? null,
          failure: null,
        };
      try {
        const v = await target.deployCanary(merged, firstStep, canary.baseline);
        return { commit: v.commit, version: v.version, previous: now.stable?.commit ?? null, failure: null };
      } catch (error) {
        if (!(error instanceof TargetError) || error.action !== 'deploy') throw error;
        // An attempt killed mid-deploy left the agent deploying; this one queued behind it and was refused
        // because the canary is there now: that canary is this deployment's.
        const after = await target.state();
        const mine = [after.canary, after.stable].find((v) => v?.commit === merged);
        if (mine)
          return {
            commit: mine.commit,
            version: mine.version,
            previous: now.stable?.commit ?? null,
            failure: null,
          };
        return { commit: merged, version: '', previous: now.stable?.commit ?? null, failure: error.message };
      }
    });
    const record: RolloutRecord = {
      commit: deployed.result.commit,
      version: deployed.result.version,
      previousCommit: deployed.result.previous,
      startedAt,
      finishedAt: deps.now(),
      firstStep,
      failure: deployed.result.failure,
    };
    c = await deps.record(runId, 'rollout', record);
    if (!record.failure)
      await insertOnce(deps.steps, {
        _id: `${runId}/0`,
        runId,
        index: 0,
        percent: firstStep,
        startedAt: c.rollout!.finishedAt,
      });
  }
  const r = c.rollout!;
  if (r.failure)
    return rejected(
      cause,
      'deploy-failed',
      `merged as ${c.merge!.mergeCommit.slice(0, 12)}, but the deploy failed (${r.failure.split('\n')[0]}); ` +
        `${r.previousCommit ? `${r.previousCommit.slice(0, 12)} still serves` : 'nothing serves'}: the default branch needs a revert or a fix`,
    );
  return {
    event: {
      type: 'DeployedToProduction',
      payload: {
        deploymentId: c.deploymentId,
        environment: c.environment,
        version: r.version || r.commit,
        strategy: r.previousCommit ? 'canary' : 'direct',
        provider: deps.service(service)!.deployer.kind,
        startedAt: r.startedAt,
        finishedAt: r.finishedAt,
        url: null,
      },
    },
  };
};
