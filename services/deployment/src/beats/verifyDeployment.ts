import { insertOnce } from '@self-healing/shared';
import type { DeploymentBeat, DeploymentDeps } from '../service/deps.js';
import type { DeploymentCase, StepRecord, VerificationRecord } from '../service/case.js';
import { judgeStep, type HealthCheck, type StepJudgement } from '../canary/judge.js';
import { latencyWindow, lookEvery, nextMove } from '../canary/steps.js';
import { canaryRequests, pickReference, stableCodeRequests } from '../canary/reference.js';
import type { RequestWindow } from '../rollout/target.js';

/**
 * Beat 10. The canary, step by step, judged against its baseline (the stable code in processes as new as the
 * canary's) or the stable version over the same minutes (the load balancer's log of every request, per version):
 * the policy's first share for a step's duration, then the next share, and so on; after the last step passes the canary is promoted and the old version drained. A step that fails is rolled
 * back at once (weight 0, the canary's processes stopped), without waiting for the step's end, so no more than the
 * canary's share of requests meets a bad fix. The run sleeps between looks (durable wake-ups), so a consumer killed
 * mid-step finds the canary where it left it and goes on; each weight change, the promotion and the rollback are
 * effects of the ledger, checked against the deployer's state, so none happens twice.
 */
export const verifyDeployment: DeploymentBeat<'verifyDeployment'> = async ({ runId, effects }, deps) => {
  let c = await deps.caseOf(runId);
  if (!c.verification) {
    const settled = await advance(deps, c, effects);
    if ('wait' in settled) return settled;
    c = await deps.record(runId, 'verification', settled.verification);
  }
  const v = c.verification!;
  return {
    event: {
      type: 'DeploymentVerified',
      payload: {
        healthy: v.healthy,
        checks: v.checks.map((x) => ({
          name: x.name,
          passed: x.passed,
          observed: x.observed,
          threshold: x.threshold,
          detail: x.detail,
        })),
        observedForMs: v.observedForMs,
        rolledBack: v.rolledBack,
        rollbackReason: v.rollbackReason,
      },
    },
  };
};

type Effects = { once<T>(name: string, f: (key: string) => Promise<T>): Promise<{ result: T }> };

async function advance(
  deps: DeploymentDeps,
  c: DeploymentCase,
  effects: Effects,
): Promise<{ wait: { until: number; reason: string } } | { verification: VerificationRecord }> {
  const r = c.rollout!;
  const entry = deps.service(c.loaded!.service)!;
  const policy = entry.healing.canary;
  const target = deps.target(c.loaded!.service);
  const steps = await deps.steps.find({ runId: c._id }).sort({ index: 1 }).toArray();
  const step = steps.at(-1)!;
  const now = deps.now();

  // A first deploy has no stable version to compare with: it is verified by its health checks alone.
  if (!r.previousCommit) {
    const state = await target.state();
    const serving = state.stable?.commit === r.commit;
    return {
      verification: verification(
        now,
        r.finishedAt,
        [
          {
            name: 'serving',
            passed: serving,
            observed: null,
            threshold: null,
            detail: serving
              ? `${r.commit.slice(0, 12)} serves all traffic`
              : `${r.commit.slice(0, 12)} is not serving`,
          },
        ],
        serving ? null : 'the new version is not serving',
      ),
    };
  }

  let judgement = step.judgement ?? null;
  if (!judgement) {
    // Inside a step only errors are judged, on every request since it began; once the step is over, everything is,
    // and for the first step only after its warm-up: the canary's processes have just started, the stable's are warm.
    const over = now >= step.startedAt + policy.stepDurationMs;
    const from = over ? step.startedAt + warmUpOf(step.index, policy.stepDurationMs) : step.startedAt;
    const window = await target.requests(from, now);
    if (window.canaryCommit !== r.commit) {
      // Someone else rolled the canary back or replaced it: there is nothing of ours left to judge.
      return {
        verification: verification(
          now,
          r.finishedAt,
          [],
          `the canary is no longer ${r.commit.slice(0, 12)} (now ${window.canaryCommit?.slice(0, 12) ?? 'none'})`,
          false,
        ),
      };
    }
    const judgeWindow = async (w: RequestWindow, latency: boolean): Promise<StepJudgement> => {
      const reference = pickReference({
        window: w,
        percent: step.percent,
        minRequests: policy.judge.minRequests,
      });
      const thresholds = { ...policy.judge, latency };
      if (reference.against === 'baseline')
        return judgeStep(reference.requests, canaryRequests(w), thresholds, 'the baseline');
      const earlier = reference.since === 'first step' ? await target.requests(steps[0]!.startedAt, now) : w;
      return judgeStep(stableCodeRequests(earlier), canaryRequests(w), thresholds);
    };
    let fresh = await judgeWindow(window, over);
    const latency = over
      ? latencyWindow({
          first: fresh,
          now,
          stepStartedAt: step.startedAt,
          stepDurationMs: policy.stepDurationMs,
        })
      : ({ kind: 'first' } as const);
    if (latency.kind === 'wait')
      return { wait: { until: latency.until, reason: `canary at ${step.percent} %: ${latency.reason}` } };
    if (latency.kind === 'second') {
      fresh = await judgeWindow(await target.requests(latency.from, now), true);
      fresh = { ...fresh, summary: `over a second window: ${fresh.summary}` };
    }
    const move = nextMove({
      judgement: fresh,
      now,
      stepStartedAt: step.startedAt,
      stepDurationMs: policy.stepDurationMs,
      maxWaitMs: policy.stepDurationMs * deps.settings.canaryMaxWaitFactor,
    });
    if (move.kind === 'wait')
      return { wait: { until: move.until, reason: `canary at ${step.percent} %: ${move.reason}` } };
    judgement = {
      ...fresh,
      judgedAt: now,
      ...(move.kind === 'fail' ? { verdict: 'fail' as const, summary: move.reason } : {}),
    };
    await deps.steps.updateOne({ _id: step._id, judgement: { $exists: false } } as never, {
      $set: { judgement },
    });
    judgement = (await deps.steps.findOne({ _id: step._id }))!.judgement!;
  }
  return act(deps, c, effects, steps, step, judgement, policy.steps, policy.stepDurationMs);
}

async function act(
  deps: DeploymentDeps,
  c: DeploymentCase,
  effects: Effects,
  steps: StepRecord[],
  step: StepRecord,
  judgement: StepJudgement,
  shares: number[],
  stepDurationMs: number,
): Promise<{ wait: { until: number; reason: string } } | { verification: VerificationRecord }> {
  const r = c.rollout!;
  const target = deps.target(c.loaded!.service);
  const now = deps.now();
  const history = steps
    .map((s) => stepCheck(s._id === step._id ? { ...s, judgement: { ...judgement, judgedAt: now } } : s))
    .filter((x): x is HealthCheck => x !== null);
  if (judgement.verdict !== 'pass') {
    await effects.once(`rollback-${r.commit}`, async () => {
      const state = await target.state();
      if (state.canary?.commit === r.commit) await target.rollback();
      return { at: deps.now() };
    });
    return {
      verification: verification(
        now,
        r.finishedAt,
        [...history, ...judgement.checks],
        judgement.summary,
        true,
      ),
    };
  }
  const next = shares[step.index + 1];
  if (next !== undefined) {
    await effects.once(`shift-${step.index + 1}-${next}`, async () => {
      // A crash between the shift and its record must not shift (and record a shift) twice.
      const state = await target.state();
      if (state.canary?.commit === r.commit && state.canaryShare !== next) await target.shift(next);
      return { percent: next };
    });
    const startedAt = deps.now();
    await insertOnce(deps.steps, {
      _id: `${c._id}/${step.index + 1}`,
      runId: c._id,
      index: step.index + 1,
      percent: next,
      startedAt,
    });
    return {
      wait: {
        until: startedAt + Math.min(stepDurationMs, lookEvery(stepDurationMs)),
        reason: `canary moved to ${next} %`,
      },
    };
  }
  await effects.once(`promote-${r.commit}`, async () => {
    const state = await target.state();
    if (state.canary?.commit === r.commit) await target.promote();
    return { at: deps.now() };
  });
  const state = await target.state();
  const serving = state.stable?.commit === r.commit;
  return {
    verification: verification(
      now,
      r.finishedAt,
      [
        ...history,
        {
          name: 'promoted',
          passed: serving,
          observed: 100,
          threshold: null,
          detail: serving
            ? `${r.commit.slice(0, 12)} serves all traffic`
            : `promotion of ${r.commit.slice(0, 12)} did not take`,
        },
      ],
      serving ? null : 'the canary was not promoted',
    ),
  };
}

/** The part of a step whose latencies are not judged: a third of the first step, while the canary warms up. */
export const warmUpOf = (index: number, stepDurationMs: number) =>
  index === 0 ? Math.floor(stepDurationMs / 3) : 0;

function stepCheck(s: StepRecord): HealthCheck | null {
  if (!s.judgement) return null;
  return {
    name: `canary.step.${s.percent}`,
    passed: s.judgement.verdict === 'pass',
    observed: s.judgement.requests.canary,
    threshold: null,
    detail: `${s.percent} %: ${s.judgement.summary}`,
  };
}

function verification(
  now: number,
  deployedAt: number,
  checks: HealthCheck[],
  failure: string | null,
  rolledBack = false,
): VerificationRecord {
  return {
    healthy: failure === null,
    checks,
    observedForMs: now - deployedAt,
    rolledBack,
    rollbackReason: rolledBack ? failure : null,
    finishedAt: now,
  };
}
