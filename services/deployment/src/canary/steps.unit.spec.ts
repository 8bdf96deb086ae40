import { describe, expect, it } from 'vitest';
import type { HealthCheck, StepJudgement } from './judge.js';
import { failsOnLatencyOnly, latencyWindow } from './steps.js';

const check = (name: string, passed: boolean): HealthCheck => ({
  name,
  passed,
  observed: null,
  threshold: null,
  detail: `${name} ${passed ? 'ok' : 'beyond tolerance'}`,
});
const judged = (verdict: StepJudgement['verdict'], errors: boolean, latency: boolean): StepJudgement => ({
  verdict,
  checks: [check('requests', true), check('error.rate', errors), check('latency.p95', latency)],
  requests: { stable: 300, canary: 100 },
  summary: verdict,
});

describe('confirming a latency failure over a second window', () => {
  const step = { stepStartedAt: 0, stepDurationMs: 20_000 };

  it('given a step that fails on latency alone, then it waits for a second window and judges that one', () => {
    const first = judged('fail', true, false);
    expect(failsOnLatencyOnly(first)).toBe(true);
    const early = latencyWindow({ ...step, first, now: 21_000 });
    expect(early).toMatchObject({ kind: 'wait', until: 26_000 });
    expect(early.kind === 'wait' && early.reason).toMatch(/second window/);
    expect(latencyWindow({ ...step, first, now: 39_000 })).toMatchObject({ kind: 'wait', until: 40_000 });
    expect(latencyWindow({ ...step, first, now: 40_000 })).toEqual({ kind: 'second', from: 20_000 });
  });

  it('given a step that fails on errors (with or without latency), passes or cannot be judged, then its own window counts', () => {
    for (const first of [
      judged('fail', false, false),
      judged('fail', false, true),
      judged('pass', true, true),
      judged('inconclusive', true, false),
    ]) {
      expect(failsOnLatencyOnly(first)).toBe(false);
      expect(latencyWindow({ ...step, first, now: 21_000 })).toEqual({ kind: 'first' });
    }
  });
});
