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
