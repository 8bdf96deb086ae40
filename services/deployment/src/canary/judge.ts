/**
 * The canary judge: one step of a rollout, the canary's requests against the stable version's over the same
 * minutes, as the load balancer saw them. In the manner of Kayenta's judge, a metric fails the canary only when the
 * difference is both significant (Fisher's exact test on the error counts, Mann-Whitney on the latencies, one-sided
 * at `alpha`) and beyond the policy's tolerance (an absolute error-rate increase; a ratio of the p95 latencies):
 * with the few hundred requests of a canary step, two processes of the same build differ a little by chance, and
 * that must not roll a good fix back, while a canary that fails one request in three must be caught in seconds.
 */
import { fisherExact, mannWhitney } from '@self-healing/validation';

/** One request as HAProxy logged it, reduced to what is judged. */
export interface JudgedRequest {
  status: number;
  totalMs: number;
}

export interface JudgeThresholds {
  /** Fewest requests per version before a step is judged. */
  minRequests: number;
  /** Canary error rate may exceed the stable one by at most this (absolute, 0..1). */
  maxErrorRateIncrease: number;
  /** Canary p95 latency may be at most this multiple of the stable one ... */
  maxP95Ratio: number;
  /** ... and is never a regression when higher by less than this (ms). Default 10. */
  minP95IncreaseMs?: number;
  /** Significance level of the one-sided tests. Default 0.01. */
  alpha?: number;
  /**
   * Judge latency too (default). Off for the looks inside a step: errors fail a canary at once, but a version that
   * just started is slower for a while (cold JIT and caches), so latency is judged on the whole step, after warm-up.
   */
  latency?: boolean;
}

export interface HealthCheck {
  name: string;
  passed: boolean;
  observed: number | null;
  threshold: number | null;
  detail: string;
}

export type StepVerdict =
  /** Judged, and nothing failed. */
  | 'pass'
  /** A metric is significantly beyond its tolerance: roll back. */
  | 'fail'
  /** Not enough requests yet, or a difference beyond tolerance that is not significant yet: look again later. */
  | 'inconclusive';

export interface StepJudgement {
  verdict: StepVerdict;
  checks: HealthCheck[];
  requests: { stable: number; canary: number };
  summary: string;
}

/** A failed request from the user's side: a server error, or no answer at all (HAProxy logs -1 or 0). */
export const isError = (r: JudgedRequest) => r.status >= 500 || r.status < 100;

/** `stable`: the requests the canary is compared with, served by `against` (the stable version, or a baseline). */
export function judgeStep(
  stable: readonly JudgedRequest[],
  canary: readonly JudgedRequest[],
  t: JudgeThresholds,
  against = 'the stable version',
): StepJudgement {
  const alpha = t.alpha ?? 0.01;
  const requests = { stable: stable.length, canary: canary.length };
  const enough = stable.length >= t.minRequests && canary.length >= t.minRequests;
  const volume: HealthCheck = {
    name: 'requests',
    passed: enough,
    observed: Math.min(stable.length, canary.length),
    threshold: t.minRequests,
    detail: `${canary.length} requests on the canary, ${stable.length} on ${against}; at least ${t.minRequests} each are judged`,
  };
  const errors = errorCheck(stable, canary, t.maxErrorRateIncrease, alpha, against);
  // A canary failing far beyond tolerance is rolled back before the volume is reached: waiting for more
  // requests would only fail more users.
  if (!enough && errors.state !== 'fail')
    return { verdict: 'inconclusive', checks: [volume, errors.check], requests, summary: volume.detail };
  const latency =
    t.latency === false
      ? null
      : latencyCheck(stable, canary, t.maxP95Ratio, t.minP95IncreaseMs ?? 10, alpha, against);
  const checks = [volume, errors.check, ...(latency ? [latency.check] : [])];
  const states = [errors.state, enough && latency ? latency.state : 'pass'];
  const verdict: StepVerdict = states.includes('fail')
    ? 'fail'
    : states.includes('inconclusive') || !enough
      ? 'inconclusive'
      : 'pass';
  const failing = checks.filter((c) => !c.passed && c.name !== 'requests');
  const summary =
    verdict === 'pass'
      ? `canary healthy: ${errors.check.detail}${latency ? `; ${latency.check.detail}` : ''}`
      : verdict === 'fail'
        ? `canary unhealthy: ${failing.map((c) => c.detail).join('; ')}`
        : `not judged yet: ${[...failing, ...(enough ? [] : [volume])].map((c) => c.detail).join('; ')}`;
  return { verdict, checks, requests, summary };
}

type Judged = { state: 'pass' | 'fail' | 'inconclusive'; check: HealthCheck };

function errorCheck(
  stable: readonly JudgedRequest[],
  canary: readonly JudgedRequest[],
  tolerance: number,
  alpha: number,
  against: string,
): Judged {
  const s = { errors: stable.filter(isError).length, requests: stable.length };
  const c = { errors: canary.filter(isError).length, requests: canary.length };
  if (s.requests === 0 || c.requests === 0)
    return {
      state: 'inconclusive',
      check: {
        name: 'error.rate',
        passed: false,
        observed: null,
        threshold: tolerance,
        detail: `no requests on ${c.requests === 0 ? 'the canary' : against} yet`,
      },
    };
  const increase = c.errors / c.requests - s.errors / s.requests;
  const p = fisherExact(s, c).pGreater;
  const beyond = increase > tolerance;
  const state = beyond && p < alpha ? 'fail' : beyond ? 'inconclusive' : 'pass';
  return {
    state,
    check: {
      name: 'error.rate',
      passed: state === 'pass',
      observed: increase,
      threshold: tolerance,
      detail:
        `errors ${c.errors}/${c.requests} on the canary against ${s.errors}/${s.requests} on ${against} ` +
        `(${signedPct(increase)}, tolerance +${pct(tolerance)}, one-sided p ${p.toExponential(2)})`,
    },
  };
}

function latencyCheck(
  stable: readonly JudgedRequest[],
  canary: readonly JudgedRequest[],
  maxRatio: number,
  minIncreaseMs: number,
  alpha: number,
  against: string,
): Judged {
  // Latency of answered requests only: an error is judged by the error rate, and its time says nothing.
  const s = stable.filter((r) => !isError(r)).map((r) => r.totalMs);
  const c = canary.filter((r) => !isError(r)).map((r) => r.totalMs);
  if (s.length === 0 || c.length === 0)
    return {
      state: 'inconclusive',
      check: {
        name: 'latency.p95',
        passed: false,
        observed: null,
        threshold: maxRatio,
        detail: 'no answered requests to compare latencies',
      },
    };
  const sp = quantile(s, 0.95);
  const cp = quantile(c, 0.95);
  // HAProxy times are whole milliseconds: a p95 of 0 or 1 ms on both sides is no basis for a ratio.
  const ratio = cp / Math.max(sp, 1);
  const p = mannWhitney(c, s).pGreater;
  const beyond = ratio > maxRatio && cp - sp >= minIncreaseMs;
  const state = beyond && p < alpha ? 'fail' : beyond ? 'inconclusive' : 'pass';
  return {
    state,
    check: {
      name: 'latency.p95',
      passed: state === 'pass',
      observed: ratio,
      threshold: maxRatio,
      detail:
        `p95 ${cp} ms on the canary against ${sp} ms on ${against} (×${ratio.toFixed(2)}, ` +
        `tolerance ×${maxRatio} and +${minIncreaseMs} ms, Mann-Whitney one-sided p ${p.toExponential(2)})`,
    },
  };
}

/** The nearest-rank quantile. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const signedPct = (x: number) => `${x >= 0 ? '+' : ''}${pct(x)}`;
