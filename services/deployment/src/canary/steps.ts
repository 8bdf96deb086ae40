import type { StepJudgement } from './judge.js';

export type Move =
  /** Look again at `until`. */
  | { kind: 'wait'; until: number; reason: string }
  /** The step is over and passed: next share, or promotion. */
  | { kind: 'pass' }
  /** Roll back now. */
  | { kind: 'fail'; reason: string };

/**
 * What to do with one look at a running step. A failing canary is rolled back at once, whenever the look; a passing
 * one is held for the step's whole duration before it moves on; one that cannot be judged yet (too few requests, or
 * a difference beyond tolerance that is not significant yet) is looked at again until `maxWaitMs`, after which it is
 * rolled back: a fix that cannot be shown healthy does not take all the traffic.
 */
export function nextMove(p: {
  judgement: StepJudgement;
  now: number;
  stepStartedAt: number;
  stepDurationMs: number;
  maxWaitMs: number;
}): Move {
  const { judgement: j, now } = p;
  if (j.verdict === 'fail') return { kind: 'fail', reason: j.summary };
  const stepEnd = p.stepStartedAt + p.stepDurationMs;
  const look = Math.min(now + lookEvery(p.stepDurationMs), Math.max(stepEnd, now + 1));
  if (now < stepEnd) return { kind: 'wait', until: Math.min(look, stepEnd), reason: j.summary };
  if (j.verdict === 'pass') return { kind: 'pass' };
  const giveUp = p.stepStartedAt + Math.max(p.maxWaitMs, p.stepDurationMs);
  if (now >= giveUp)
    return {
      kind: 'fail',
      reason: `not judged within ${Math.round((giveUp - p.stepStartedAt) / 1000)} s: ${j.summary}`,
    };
  return { kind: 'wait', until: Math.min(now + lookEvery(p.stepDurationMs), giveUp), reason: j.summary };
}

/** How often a running step is looked at: often enough to roll a bad canary back within seconds. */
export const lookEvery = (stepDurationMs: number) =>
  Math.max(1000, Math.min(5000, Math.floor(stepDurationMs / 4)));

/** Whether a judgement fails on latency alone (errors within tolerance). */
export function failsOnLatencyOnly(j: StepJudgement): boolean {
  if (j.verdict !== 'fail') return false;
  const failing = j.checks.filter((c) => !c.passed && c.name !== 'requests');
  return failing.length > 0 && failing.every((c) => c.name === 'latency.p95');
}

/**
 * Which window a finished step's latency is judged on. A latency failure over the step is confirmed over a second
 * window of the same length, right after it, before anything is rolled back: a canary's processes have just started
 * (cold JIT and caches) and share the machine with whatever else runs there, and one slow stretch of a good fix's
 * canary (p95 100 ms against 28 ms, the machine at load 15 during the ten-service chaos test, its fix validated as
 * fast) rolled it back. A slow version stays slow in the second window; errors still fail a canary at once.
 * Returns `first` while the step's own window is what counts, a wait until the second window is full, or `second`.
 */
export function latencyWindow(p: {
  first: StepJudgement;
  now: number;
  stepStartedAt: number;
  stepDurationMs: number;
}): { kind: 'first' } | { kind: 'wait'; until: number; reason: string } | { kind: 'second'; from: number } {
  if (!failsOnLatencyOnly(p.first)) return { kind: 'first' };
  const from = p.stepStartedAt + p.stepDurationMs;
  const until = from + p.stepDurationMs;
  if (p.now < until)
    return {
      kind: 'wait',
      until: Math.min(until, p.now + lookEvery(p.stepDurationMs)),
      reason: `${p.first.summary}; confirming over a second window before rolling back`,
    };
  return { kind: 'second', from };
}
