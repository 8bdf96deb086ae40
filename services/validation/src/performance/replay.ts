/**
 * The replay as the validation stage sees it: the driver's config written from a plan, the driver's result file
 * read back (it is written inside the sandbox next to the application under test, so it is untrusted: checked and
 * bounded here), and every route judged on latency and on errors.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { ErrorCounts } from './fisher.js';
import {
  DEFAULT_LATENCY_TOLERANCE,
  judgeErrorRate,
  judgeLatency,
  type ErrorRateJudgement,
  type LatencyJudgement,
} from './judge.js';
import type { ReplayPlan, ReplayRoute } from './replayPlan.js';

/**
 * Path of driver.mjs. tsc does not copy .mjs files to dist/, so a build of this package finds it in src/ beside it.
 */
export function driverScriptPath(): string {
  const here = fileURLToPath(new URL('./driver.mjs', import.meta.url));
  if (existsSync(here)) return here;
  return fileURLToPath(new URL('../../src/performance/driver.mjs', import.meta.url));
}

export interface ReplaySide {
  /** Working directory of the build (inside the sandbox). */
  cwd: string;
  /** argv of the start command, run without a shell, e.g. ['node', 'dist/src/main.js']. */
  command: string[];
  port: number;
}

export interface DriverConfig {
  sides: { base: ReplaySide; patched: ReplaySide };
  env?: Record<string, string>;
  host?: string;
  readyPath?: string;
  startTimeoutMs?: number;
  routes: ReplayRoute[];
  samplesPerRoute?: number;
  warmupPerRoute?: number;
  timeBudgetMs?: number;
  requestTimeoutMs?: number;
  seed?: number;
  out: string;
  logDir?: string;
}

export const DEFAULT_SAMPLES_PER_ROUTE = 200;

export function driverConfig(plan: ReplayPlan, options: Omit<DriverConfig, 'routes'>): DriverConfig {
  return { samplesPerRoute: DEFAULT_SAMPLES_PER_ROUTE, warmupPerRoute: 20, ...options, routes: plan.routes };
}

const MAX_ROUTES = 100;
const MAX_SAMPLES = 200_000;
const side = z.object({
  requests: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  setupFailures: z.number().int().nonnegative(),
  /** Answers by status code ("failed": no answer); keys are the driver's, bounded in number. */
  statuses: z
    .record(z.number().int().nonnegative())
    .refine((s) => Object.keys(s).length <= 100 && Object.keys(s).every((k) => /^(\d{3}|failed)$/.test(k))),
  latenciesMs: z.array(z.number().finite().nonnegative()).max(MAX_SAMPLES),
});
const resultSchema = z.object({
  version: z.literal(1),
  truncated: z.boolean(),
  aborted: z.string().max(2000).nullable(),
  durationMs: z.number().nonnegative(),
  routes: z.array(z.object({ name: z.string().max(300), base: side, patched: side })).max(MAX_ROUTES),
  processes: z
    .record(
      z.object({ exitCode: z.union([z.number(), z.string().max(100), z.null()]), stderrTail: z.string() }),
    )
    .optional(),
});

export type ReplaySideResult = z.infer<typeof side>;
export type ReplayResult = z.infer<typeof resultSchema>;

/** The driver's result file, or the reason it cannot be used. Only routes of the plan are kept. */
export function readReplayResult(
  text: string,
  plan: ReplayPlan,
): { ok: true; result: ReplayResult } | { ok: false; reason: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'the replay result is not JSON' };
  }
  const parsed = resultSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: 'the replay result does not have the expected shape' };
  const names = new Set(plan.routes.map((r) => r.name));
  const routes = parsed.data.routes.filter((r) => names.has(r.name));
  return { ok: true, result: { ...parsed.data, routes } };
}

export interface RouteComparison {
  route: string;
  latency: LatencyJudgement;
  errors: ErrorRateJudgement;
  passed: boolean;
}

export interface ReplayJudgement {
  routes: RouteComparison[];
  regressions: number;
  passed: boolean;
  reasons: string[];
}

export interface ReplayJudgeOptions {
  /** The incident is about latency: at least one of its routes must improve, and none regress. */
  latencyIncident: boolean;
  /** The incident is about errors: the error rate over the replay must go down. */
  errorIncident: boolean;
  alpha?: number;
  minEffect?: number;
  minShiftMs?: number;
}

/**
 * Judges every route. The significance level is split over the routes (Bonferroni), so a plan of five routes does
 * not get five chances at a false regression. For a latency incident the patch must improve some route; for any
 * other, no route may regress. Errors (5xx, failed requests, failed setups) of all routes together must not rise,
 * and must fall for an error incident.
 */
export function judgeReplay(result: ReplayResult, options: ReplayJudgeOptions): ReplayJudgement {
  const reasons: string[] = [];
  if (result.aborted) reasons.push(`the replay was aborted: ${result.aborted}`);
  if (result.routes.length === 0) reasons.push('the replay measured no route');
  const alpha = (options.alpha ?? DEFAULT_LATENCY_TOLERANCE.alpha) / Math.max(1, result.routes.length);
  const routes = result.routes.map((r): RouteComparison => {
    const latency = judgeLatency(r.base.latenciesMs, r.patched.latenciesMs, {
      expectImprovement: false,
      alpha,
      minEffect: options.minEffect ?? DEFAULT_LATENCY_TOLERANCE.minEffect,
      minShiftMs: options.minShiftMs ?? DEFAULT_LATENCY_TOLERANCE.minShiftMs,
    });
    const errors = judgeErrorRate(counts(r.base), counts(r.patched), { expectReduction: false, alpha });
    return { route: r.name, latency, errors, passed: latency.passed && errors.passed };
  });
  for (const r of routes) {
    if (r.latency.verdict === 'regressed') reasons.push(`${r.route} latency ${r.latency.reason}`);
    if (r.errors.verdict === 'raised') reasons.push(`${r.route} errors ${r.errors.reason}`);
    if (!r.latency.sufficient) reasons.push(`${r.route}: ${r.latency.reason}`);
  }
  if (options.latencyIncident && !routes.some((r) => r.latency.verdict === 'improved'))
    reasons.push('a latency incident, but no replayed route got significantly faster');
  const total = routes.reduce(
    (acc, r) => {
      const b = counts(result.routes.find((x) => x.name === r.route)!.base);
      const p = counts(result.routes.find((x) => x.name === r.route)!.patched);
      return {
        base: { errors: acc.base.errors + b.errors, requests: acc.base.requests + b.requests },
        patched: { errors: acc.patched.errors + p.errors, requests: acc.patched.requests + p.requests },
      };
    },
    { base: { errors: 0, requests: 0 }, patched: { errors: 0, requests: 0 } },
  );
  if (options.errorIncident) {
    const overall = judgeErrorRate(total.base, total.patched, {
      expectReduction: true,
      alpha: options.alpha ?? DEFAULT_LATENCY_TOLERANCE.alpha,
    });
    if (!overall.passed) reasons.push(`an error incident: ${overall.reason}`);
  }
  const regressions = routes.filter(
    (r) => r.latency.verdict === 'regressed' || r.errors.verdict === 'raised',
  ).length;
  return { routes, regressions, passed: reasons.length === 0, reasons };
}

/** Requests that were attempted, counting failed setups, which never reached the measured request. */
function counts(s: ReplaySideResult): ErrorCounts {
  return { errors: Math.min(s.errors, s.requests + s.setupFailures), requests: s.requests + s.setupFailures };
}
