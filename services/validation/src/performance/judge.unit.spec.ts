import { describe, expect, it } from 'vitest';
import { judgeErrorRate, judgeLatency } from './judge.js';
import { judgeReplay, readReplayResult, type ReplayResult } from './replay.js';
import { replayPlan } from './replayPlan.js';
import { CHECKOUT_SERVICE_PROFILE } from './profiles.js';

/** Latency-like samples: a log-normal body with a long tail, deterministic. */
function latencies(n: number, medianMs: number, seed: number): number[] {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) + 0.5) / 2 ** 31;
  return Array.from({ length: n }, () => {
    // Box-Muller from two uniforms.
    const z = Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next());
    return Number((medianMs * Math.exp(0.3 * z)).toFixed(3));
  });
}

const strict = { alpha: 0.01, minEffect: 0.1 };

describe('judgeLatency', () => {
  it('calls a 20 ms slowdown of a 3 ms route a regression, and fails it unless an improvement was expected', () => {
    const base = latencies(200, 3, 1);
    const patched = latencies(200, 23, 2);
    const j = judgeLatency(base, patched, { ...strict, expectImprovement: false });
    expect(j).toMatchObject({ verdict: 'regressed', passed: false, sufficient: true });
    expect(j.effect.shiftMs).toBeGreaterThan(15);
    expect(j.effect.cliffsDelta).toBeGreaterThan(0.9);
    expect(j.p).toBeLessThan(1e-10);
    expect(j.change).toBeGreaterThan(5);
    expect(j.reason).toMatch(/^regressed: median 3\.\d\d -> 2\d\.\d\d ms/);
  });

  it('passes a latency incident only on a significant improvement', () => {
    const slow = latencies(200, 40, 3);
    const fast = latencies(200, 12, 4);
    expect(judgeLatency(slow, fast, { ...strict, expectImprovement: true })).toMatchObject({
      verdict: 'improved',
      passed: true,
    });
    const same = judgeLatency(slow, latencies(200, 40, 5), { ...strict, expectImprovement: true });
    expect(same).toMatchObject({ verdict: 'unchanged', passed: false });
    expect(same.reason).toContain('a latency incident needs a significant improvement');
  });

  it('does not fail a patch on a significant but small shift (noise between two processes)', () => {
    // 4 % slower, with enough samples to be very significant.
    const base = latencies(2000, 10, 6);
    const patched = base.map((v) => v * 1.04);
    const j = judgeLatency(base, patched, { ...strict, expectImprovement: false });
    expect(j.p).toBeLessThan(0.01);
    expect(j).toMatchObject({ verdict: 'unchanged', passed: true });
  });

  it('ignores relative shifts below the absolute tolerance on sub-millisecond routes', () => {
    const base = latencies(300, 0.3, 7);
    const patched = base.map((v) => v + 0.2);
    expect(judgeLatency(base, patched, { ...strict, expectImprovement: false }).verdict).toBe('unchanged');
    expect(
      judgeLatency(base, patched, { ...strict, expectImprovement: false, minShiftMs: 0.05 }).verdict,
    ).toBe('regressed');
  });

  it('proves nothing with too few samples: not passed, not a regression', () => {
    const j = judgeLatency([1, 2, 3], [30, 31, 32], { ...strict, expectImprovement: false });
    expect(j).toMatchObject({ verdict: 'unchanged', sufficient: false, passed: false });
    expect(j.reason).toContain('too few samples');
  });
});

describe('judgeErrorRate', () => {
  it('a patch that raises errors fails; one that lowers them passes an error incident', () => {
    expect(
      judgeErrorRate(
        { errors: 0, requests: 200 },
        { errors: 12, requests: 200 },
        { expectReduction: false, alpha: 0.01 },
      ),
    ).toMatchObject({ verdict: 'raised', passed: false });
    expect(
      judgeErrorRate(
        { errors: 30, requests: 200 },
        { errors: 0, requests: 200 },
        { expectReduction: true, alpha: 0.01 },
      ),
    ).toMatchObject({ verdict: 'lowered', passed: true });
  });

  it('a difference of chance is unchanged: fine for other incidents, not enough for an error incident', () => {
    const few = judgeErrorRate(
      { errors: 1, requests: 200 },
      { errors: 2, requests: 200 },
      { expectReduction: false, alpha: 0.01 },
    );
    expect(few).toMatchObject({ verdict: 'unchanged', passed: true });
    const hoped = judgeErrorRate(
      { errors: 2, requests: 200 },
      { errors: 0, requests: 200 },
      { expectReduction: true, alpha: 0.01 },
    );
    expect(hoped).toMatchObject({ verdict: 'unchanged', passed: false });
    expect(hoped.reason).toContain('an error incident needs a significant reduction');
  });
});

describe('replay results', () => {
  const plan = replayPlan(null, CHECKOUT_SERVICE_PROFILE);
  const side = (latenciesMs: number[], errors = 0) => ({
    requests: latenciesMs.length + errors,
    errors,
    setupFailures: 0,
    statuses: { '200': latenciesMs.length },
    latenciesMs,
  });
  const result = (routes: ReplayResult['routes']): string =>
    JSON.stringify({ version: 1, truncated: false, aborted: null, durationMs: 1000, routes, processes: {} });

  it('reads only the routes of the plan and refuses files of another shape', () => {
    const text = result([
      { name: 'GET /products', base: side([1, 2]), patched: side([1, 2]) },
      { name: 'GET /secret', base: side([1]), patched: side([1]) },
    ]);
    const read = readReplayResult(text, plan);
    expect(read.ok && read.result.routes.map((r) => r.name)).toEqual(['GET /products']);
    expect(readReplayResult('{"version":1,"routes":"x"}', plan)).toMatchObject({ ok: false });
    expect(readReplayResult('not json', plan)).toMatchObject({ ok: false });
    const negative = result([{ name: 'GET /products', base: side([-1]), patched: side([1]) }]);
    expect(readReplayResult(negative, plan)).toMatchObject({ ok: false });
  });

  it('judges each route, counting failed setups as errors of the patched build', () => {
    const read = readReplayResult(
      result([
        { name: 'GET /products', base: side(latencies(200, 3, 8)), patched: side(latencies(200, 3, 9)) },
        {
          name: 'POST /checkout',
          base: side(latencies(200, 30, 10)),
          patched: { requests: 0, errors: 200, setupFailures: 200, statuses: {}, latenciesMs: [] },
        },
      ]),
      plan,
    );
    if (!read.ok) throw new Error(read.reason);
    const judged = judgeReplay(read.result, { latencyIncident: false, errorIncident: false });
    expect(judged.routes.map((r) => [r.route, r.latency.verdict, r.errors.verdict])).toEqual([
      ['GET /products', 'unchanged', 'unchanged'],
      ['POST /checkout', 'unchanged', 'raised'],
    ]);
    expect(judged.passed).toBe(false);
    expect(judged.reasons.join('\n')).toMatch(/POST \/checkout errors raised: errors 0\/200 -> 200\/200/);
    expect(judged.reasons.join('\n')).toMatch(/POST \/checkout: too few samples/);
  });
});
