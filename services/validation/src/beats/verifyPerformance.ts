import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ValidationBeat, ValidationDeps } from '../service/deps.js';
import type { PerformanceRecord, ValidationCase } from '../service/case.js';
import { readBounded } from '../service/suites.js';
import { packageNameOf, recipeOf, runStep, scriptsOf } from '../service/execution.js';
import { prepareSandboxRoot } from '../sandbox/index.js';
import { Committed } from '../workspace/committed.js';
import {
  driverConfig,
  driverScriptPath,
  judgeReplay,
  profileFor,
  readReplayResult,
  replayPlan,
  type ReplayEvidence,
} from '../performance/index.js';

/** Ports inside the run's own network namespace: nothing else listens there. */
const PORTS = { base: 18_101, patched: 18_102 };
const ROUTE_IN_TEXT = /\b(GET|HEAD|POST|PUT|PATCH|DELETE) (\/[A-Za-z0-9._~:/-]*)/g;

interface DiagnosisView {
  issues?: Array<{ kind?: string; title?: string; hypothesis?: string; evidence?: Record<string, unknown> }>;
}

/**
 * Beat 6. Both builds started side by side in one sandbox (its own loopback), and the incident's routes (named in
 * its diagnosis: titles, hypotheses, evidence; else the application's benchmark mix) replayed against them,
 * interleaved, by our driver; every route's latencies compared with a Mann-Whitney test and an effect size, its
 * errors with Fisher's test (performance/replay.ts). A latency incident must get faster; any other must not get
 * slower or fail more.
 */
export const verifyPerformance: ValidationBeat<'verifyPerformance'> = async ({ runId }, deps) => {
  let c = await deps.caseOf(runId);
  if (!c.performance) c = await deps.record(runId, 'performance', await replay(deps, c, runId));
  const p = c.performance!;
  return {
    event: {
      type: 'PerformanceVerified',
      payload: {
        method: p.method,
        comparisons: p.comparisons,
        regressions: p.regressions,
        passed: p.verdict === 'passed',
      },
    },
  };
};

async function replay(deps: ValidationDeps, c: ValidationCase, runId: string): Promise<PerformanceRecord> {
  const skipped = (summary: string, code: string): PerformanceRecord => ({
    verdict: 'inconclusive',
    summary,
    reasons: [{ code, message: summary, field: null }],
    method: 'not_applicable',
    comparisons: [],
    details: [],
    regressions: 0,
  });
  if (!c.tests || c.tests.verdict === 'failed' || !c.tests.runs || !c.applied?.clean || !c.applied.headCommit)
    return skipped('not measured: the patch already failed its tests', 'performance-not-run');
  const runDir = deps.runDir(runId);
  const trees = join(runDir, c.tests.trees ?? '');
  const entry = deps.service(c.patch!.service);
  const repo = await deps.repo(c);
  const manifest = await new Committed(repo, c.applied.headCommit!).read('package.json');
  const scripts = scriptsOf(manifest);
  const recipe = recipeOf(entry, scripts, deps.settings);
  const start = entry?.commands.start ?? (scripts.start ? ['npm', 'start'] : null);
  if (!start) return skipped('not measured: the service has no start command', 'no-start-command');

  const diagnosis = c.patch!.diagnosisId
    ? await deps.db.collection<DiagnosisView>('diagnoses').findOne({ _id: c.patch!.diagnosisId as never })
    : null;
  const issues = diagnosis?.issues ?? [];
  const plan = replayPlan(evidenceOf(issues), profileFor(packageNameOf(manifest)));
  if (plan.routes.length === 0) return skipped('not measured: no route to replay', 'no-route');

  // The driver and its configuration where only the platform writes; the result where the sandbox writes. The
  // trees are read-only for the replay: the applications run, they do not change the code the other side runs.
  const control = deps.controlDir(runId);
  await rm(control, { recursive: true, force: true });
  await mkdir(control, { recursive: true });
  const driver = join(control, 'replay-driver.mjs');
  await copyFile(driverScriptPath(), driver);
  const replayRoot = join(runDir, 'replay');
  await rm(replayRoot, { recursive: true, force: true });
  await mkdir(replayRoot, { recursive: true });
  await prepareSandboxRoot(replayRoot);
  const out = join(replayRoot, 'result.json');
  const config = driverConfig(plan, {
    sides: {
      base: { cwd: join(trees, 'base'), command: start, port: PORTS.base },
      patched: { cwd: join(trees, 'patched'), command: start, port: PORTS.patched },
    },
    env: { ...(entry?.deployer.env ?? {}), NODE_ENV: 'production' },
    samplesPerRoute: deps.settings.perfSamples,
    timeBudgetMs: 240_000,
    out,
    logDir: replayRoot,
  });
  const configFile = join(control, 'replay-config.json');
  await writeFile(configFile, JSON.stringify(config));
  const { step } = await runStep({
    step: 'replay',
    argv: ['node', driver, configFile],
    root: replayRoot,
    cwd: replayRoot,
    recipe,
    timeoutMs: 300_000,
    readOnly: [deps.depsDir(), control, join(trees, 'base'), join(trees, 'patched')],
  });
  const text = await readBounded(out, replayRoot, 64 << 20);
  const read = text === null ? null : readReplayResult(text, plan);
  if (!read || !read.ok)
    return {
      ...skipped(
        `the replay gave no result (${step.killedFor ?? `exit ${step.exitCode}`}${read && !read.ok ? `: ${read.reason}` : ''}): ${step.tail.slice(-300)}`,
        'replay-failed',
      ),
      method: plan.source === 'evidence' ? 'replay' : 'benchmark',
    };
  const kinds = new Set(issues.map((i) => i.kind));
  const judged = judgeReplay(read.result, {
    latencyIncident: kinds.has('performance'),
    // The error must fall only if the replay reproduced it: the requests that trigger a bug are rarely in a
    // benchmark mix, and the regression test is what shows the bug fixed.
    errorIncident: kinds.has('error') && read.result.routes.some((r) => r.base.errors > 0),
    minEffect: deps.settings.perfMaxSlowdown,
  });
  const service = c.patch!.service ?? 'unknown';
  const comparisons = judged.routes.map((r) => ({
    service,
    subject: r.route,
    metric: 'latency.p50',
    unit: 'ms',
    baseline: r.latency.baselineMedian,
    observed: r.latency.observedMedian,
    change: Number.isFinite(r.latency.change) ? r.latency.change : null,
    verdict: r.latency.verdict,
  }));
  const summary = `${plan.source === 'evidence' ? 'incident routes' : 'benchmark mix'} replayed, ${judged.routes.length} route(s): ${judged.routes
    .map(
      (r) =>
        `${r.route} ${r.latency.baselineMedian.toFixed(1)} -> ${r.latency.observedMedian.toFixed(1)} ms (${r.latency.verdict}, p=${r.latency.p.toPrecision(2)})`,
    )
    .join('; ')}`;
  // A regression or an unmet latency goal fails; too few samples to judge is inconclusive.
  const insufficient = judged.routes.some((r) => !r.latency.sufficient);
  const verdict = judged.passed
    ? 'passed'
    : judged.regressions > 0 || !insufficient
      ? 'failed'
      : 'inconclusive';
  return {
    verdict,
    summary,
    reasons: judged.reasons.map((message) => ({
      code: judged.regressions > 0 ? 'performance-regressed' : 'performance-not-shown',
      message,
      field: null,
    })),
    method: plan.source === 'evidence' ? 'replay' : 'benchmark',
    comparisons,
    details: judged.routes.map((r) => ({
      route: r.route,
      latency: { ...r.latency },
      errors: { ...r.errors },
    })),
    regressions: judged.regressions,
  };
}

/**
 * Routes the diagnosis names ("unhandled error in POST /checkout: <*>", "POST /checkout completed ..."): only
 * candidates, as text, for replayPlan to accept by its strict grammar and the application's table.
 */
export function evidenceOf(issues: DiagnosisView['issues'] & object): ReplayEvidence | null {
  const counts = new Map<string, { method: string; path: string; n: number }>();
  for (const issue of issues) {
    const texts = [issue.title, issue.hypothesis, ...Object.values(issue.evidence ?? {})].filter(
      (t): t is string => typeof t === 'string',
    );
    for (const text of texts)
      for (const m of text.slice(0, 10_000).matchAll(ROUTE_IN_TEXT)) {
        const path = m[2]!.replace(/[:/]+$/, '');
        const key = `${m[1]} ${path}`;
        const hit = counts.get(key) ?? { method: m[1]!, path, n: 0 };
        hit.n++;
        counts.set(key, hit);
      }
  }
  if (counts.size === 0) return null;
  const total = [...counts.values()].reduce((a, h) => a + h.n, 0);
  return {
    routes: [...counts.values()].map((h) => ({ method: h.method, path: h.path, share: h.n / total })),
  };
}
