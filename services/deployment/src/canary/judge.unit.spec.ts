import { describe, expect, it } from 'vitest';
import { prng } from '@self-healing/target';
import { judgeStep, quantile, type JudgedRequest } from './judge.js';
import { nextMove } from './steps.js';

const thresholds = { minRequests: 50, maxErrorRateIncrease: 0.02, maxP95Ratio: 1.5 };

/** Requests with log-normal-ish latencies around `medianMs` and a given share of 500s, from a seed. */
function traffic(seed: number, n: number, medianMs: number, errorRate: number): JudgedRequest[] {
  const random = prng(seed);
  return Array.from({ length: n }, () => ({
    status: random() < errorRate ? 500 : 200,
    totalMs: Math.round(medianMs * Math.exp((random() - 0.5) * 0.8)),
  }));
}

describe('judgeStep', () => {
  it('passes a canary that behaves like the stable version (same build, different seed)', () => {
    const j = judgeStep(traffic(1, 600, 20, 0.01), traffic(2, 120, 20, 0.01), thresholds);
    expect(j.verdict).toBe('pass');
    expect(j.checks.map((c) => [c.name, c.passed])).toEqual([
      ['requests', true],
      ['error.rate', true],
      ['latency.p95', true],
    ]);
  });

  it('fails a canary that fails a third of its requests, before the volume is reached', () => {
    const j = judgeStep(traffic(3, 300, 20, 0), traffic(4, 30, 20, 0.35), thresholds);
    expect(j.verdict).toBe('fail');
    expect(j.summary).toMatch(/canary unhealthy: errors \d+\/30 on the canary/);
  });

  it('fails a canary three times slower at the p95', () => {
    const j = judgeStep(traffic(5, 500, 20, 0), traffic(6, 100, 60, 0), thresholds);
    expect(j.verdict).toBe('fail');
    expect(j.checks.find((c) => c.name === 'latency.p95')!.observed).toBeGreaterThan(2);
  });

  it('does not fail a canary on a handful of errors it cannot yet tell from chance', () => {
    const stable = traffic(7, 400, 20, 0);
    const canary = traffic(8, 60, 20, 0);
    canary[0] = { status: 502, totalMs: 3 };
    canary[1] = { status: 502, totalMs: 3 };
    const j = judgeStep(stable, canary, thresholds);
    // 2/60 = 3.3 % is beyond the 2 % tolerance, but Fisher's p is not below 0.01: look again.
    expect(j.verdict).toBe('inconclusive');
    expect(j.checks.find((c) => c.name === 'error.rate')!.passed).toBe(false);
  });

  it('waits for enough requests on both versions', () => {
    const j = judgeStep(traffic(9, 400, 20, 0), traffic(10, 10, 20, 0), thresholds);
    expect(j.verdict).toBe('inconclusive');
    expect(j.summary).toContain('10 requests on the canary, 400 on the stable version');
  });

  it('counts a request without an answer (status -1) as an error, and 4xx as the client’s', () => {
    const stable = Array.from({ length: 100 }, () => ({ status: 404, totalMs: 5 }));
    const canary = Array.from({ length: 100 }, (_, i) => ({ status: i < 40 ? -1 : 200, totalMs: 5 }));
    expect(judgeStep(stable, canary, thresholds).verdict).toBe('fail');
  });
});

describe('nextMove', () => {
  const base = { stepStartedAt: 0, stepDurationMs: 60_000, maxWaitMs: 180_000 };
  const pass = judgeStep(traffic(11, 600, 20, 0), traffic(12, 120, 20, 0), thresholds);
  const fail = judgeStep(traffic(13, 600, 20, 0), traffic(14, 120, 20, 0.5), thresholds);
  const early = judgeStep(traffic(15, 600, 20, 0), traffic(16, 5, 20, 0), thresholds);

  it('holds a passing canary for the whole step, looking again within seconds', () => {
    expect(nextMove({ ...base, judgement: pass, now: 10_000 })).toEqual({
      kind: 'wait',
      until: 15_000,
      reason: pass.summary,
    });
    expect(nextMove({ ...base, judgement: pass, now: 60_000 })).toEqual({ kind: 'pass' });
  });

  it('rolls a failing canary back at once, mid-step', () => {
    expect(nextMove({ ...base, judgement: fail, now: 5_000 }).kind).toBe('fail');
  });

  it('gives up on a canary it cannot judge after the longest wait', () => {
    expect(nextMove({ ...base, judgement: early, now: 90_000 }).kind).toBe('wait');
    const m = nextMove({ ...base, judgement: early, now: 180_000 });
    expect(m).toMatchObject({ kind: 'fail', reason: expect.stringMatching(/^not judged within 180 s/) });
  });
});

describe('quantile', () => {
  it('is the nearest rank', () => {
    expect(quantile([5, 1, 4, 2, 3], 0.95)).toBe(5);
    expect(quantile([5, 1, 4, 2, 3], 0.5)).toBe(3);
  });
});
