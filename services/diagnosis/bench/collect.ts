import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BugSpec } from './manifest.js';
import { nodeRuntime, runtimePath } from './runtime.js';
import { DEFAULT_PATH, runSandboxed } from './sandbox.js';
import type { TestRun } from '../src/locate/evidence.js';
import { changedLines, type ChangedLine } from '../src/locate/diff.js';

const PRELOAD = fileURLToPath(new URL('./coverage-preload.cjs', import.meta.url));

/**
 * Bumped when what a collection records changes, so a cached `data.json` of an older collector is collected again
 * (the installed checkout is kept). 2: a test passes at the fixed ref only if none of its reports failed, over two runs.
 */
export const COLLECTOR_VERSION = 2;

export interface BugData {
  readonly collector?: number;
  /** The manifest's `node` the suites ran on (absent: the machine's). */
  readonly node?: string;
  readonly id: string;
  readonly tests: TestRun[];
  readonly faultRevealing: string[];
  readonly truth: ChangedLine[];
  readonly checkout: string;
}

function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
}

export interface ReporterOutcome {
  readonly fullTitle: string;
  readonly state: 'passed' | 'failed';
}

/** mocha json-stream lines: ["pass"|"fail", {fullTitle, ...}]. */
export function parseJsonStream(stdout: string): ReporterOutcome[] {
  const outcomes: ReporterOutcome[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('[')) continue;
    try {
      const [event, body] = JSON.parse(line) as [string, { fullTitle?: string }];
      if ((event === 'pass' || event === 'fail') && typeof body?.fullTitle === 'string') {
        outcomes.push({ fullTitle: body.fullTitle, state: event === 'pass' ? 'passed' : 'failed' });
      }
    } catch {
      // a test printed something that looks like JSON: not a reporter line
    }
  }
  return outcomes;
}

interface CoverageRecord {
  fullTitle: string;
  state: string;
  error?: string;
  stack?: string;
  lines: Record<string, number[]>;
}

/**
 * The fault-revealing tests: failed in every run at the test ref and passed in every run at the fixed ref. A test
 * counts as failed in a run when any of its reports failed: mocha reports a test twice when an asynchronous error
 * (a write after the response ended) arrives after it passed, so "passed once" is not "passed". Several runs per side
 * leave out flaky tests (acceptance tests with timing) that pass or fail by chance.
 */
export function faultRevealingTests(
  buggyRuns: readonly (readonly ReporterOutcome[])[],
  fixedRuns: readonly (readonly ReporterOutcome[])[],
): string[] {
  const failedIn = (run: readonly ReporterOutcome[]) =>
    new Set(run.filter((o) => o.state === 'failed').map((o) => o.fullTitle));
  const passedIn = (run: readonly ReporterOutcome[]) => {
    const failed = failedIn(run);
    return new Set(
      run.filter((o) => o.state === 'passed' && !failed.has(o.fullTitle)).map((o) => o.fullTitle),
    );
  };
  const everyRun = (sets: Set<string>[]): Set<string> =>
    sets.length === 0 ? new Set() : new Set([...sets[0]!].filter((t) => sets.every((s) => s.has(t))));
  const failing = everyRun(buggyRuns.map(failedIn));
  const passing = everyRun(fixedRuns.map(passedIn));
  return [...failing].filter((t) => passing.has(t)).sort();
}

/** Runs per side when the fault-revealing tests are derived (see faultRevealingTests). */
const RUNS_PER_SIDE = 2;

async function runSuite(
  bug: BugSpec,
  checkout: string,
  home: string,
  runtimeBin: string | null,
  coverageOut?: string,
) {
  const env: Record<string, string> = { ...bug.env };
  if (runtimeBin) env.PATH = runtimePath(runtimeBin, [DEFAULT_PATH]);
  if (coverageOut) {
    rmSync(coverageOut, { force: true });
    env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} --require ${PRELOAD}`.trim();
    env.SH_COVERAGE_OUT = coverageOut;
    env.SH_COVERAGE_ROOT = checkout;
  }
  const run = await runSandboxed(bug.test, {
    cwd: checkout,
    home,
    env,
    timeoutMs: (bug.timeoutSeconds ?? 600) * 1000,
  });
  if (run.timedOut) throw new Error(`${bug.id}: test run timed out`);
  const outcomes = parseJsonStream(run.stdout);
  if (outcomes.length === 0) throw new Error(`${bug.id}: no test outcomes; stderr: ${run.stderrTail}`);
  return outcomes;
}

/** Checkout, install, coverage run at testRef, outcome run at fullRef, ground truth; cached under scratch/<id>. */
export async function collectBug(bug: BugSpec, scratch: string, log: (m: string) => void): Promise<BugData> {
  const dir = join(scratch, bug.id);
  const checkout = join(dir, 'checkout');
  const home = join(dir, 'home');
  const cached = join(dir, 'data.json');
  if (existsSync(cached)) {
    const data = JSON.parse(readFileSync(cached, 'utf8')) as BugData;
    if (data.collector === COLLECTOR_VERSION && data.node === bug.node) return data;
    log(`${bug.id}: cached by an older collector or on another Node.js, collecting again`);
  }
  mkdirSync(home, { recursive: true });
  if (!existsSync(join(dir, 'install.done'))) {
    rmSync(checkout, { recursive: true, force: true });
    execFileSync('git', ['clone', '-q', '--no-checkout', resolve(bug.repo), checkout]);
    git(checkout, ['checkout', '-q', '-f', bug.testRef]);
    log(`${bug.id}: installing`);
    const install = await runSandboxed(bug.install, {
      cwd: checkout,
      home,
      env: bug.env,
      timeoutMs: 900_000,
    });
    if (install.code !== 0) throw new Error(`${bug.id}: install failed: ${install.stderrTail}`);
    writeFileSync(join(dir, 'install.done'), JSON.stringify(bug.install));
  }
  const runtimeBin = bug.node ? await nodeRuntime(bug.node, scratch, log) : null;
  const covFile = join(dir, 'coverage.jsonl');
  let faultRevealing = bug.faultRevealingTests ? [...bug.faultRevealingTests] : undefined;
  if (!faultRevealing) {
    git(checkout, ['checkout', '-q', '-f', bug.fullRef]);
    log(`${bug.id}: running the suite at ${bug.fullRef} (${RUNS_PER_SIDE} runs)`);
    const fixedRuns: ReporterOutcome[][] = [];
    for (let i = 0; i < RUNS_PER_SIDE; i++) fixedRuns.push(await runSuite(bug, checkout, home, runtimeBin));
    git(checkout, ['checkout', '-q', '-f', bug.testRef]);
    log(`${bug.id}: running the suite at ${bug.testRef} (with coverage, then ${RUNS_PER_SIDE - 1} without)`);
    const buggyRuns: ReporterOutcome[][] = [await runSuite(bug, checkout, home, runtimeBin, covFile)];
    for (let i = 1; i < RUNS_PER_SIDE; i++) buggyRuns.push(await runSuite(bug, checkout, home, runtimeBin));
    faultRevealing = faultRevealingTests(buggyRuns, fixedRuns);
  } else {
    git(checkout, ['checkout', '-q', '-f', bug.testRef]);
    await runSuite(bug, checkout, home, runtimeBin, covFile);
  }
  const tests = readCoverage(covFile);
  if (!tests.some((t) => Object.keys(t.coverage).length > 0))
    throw new Error(`${bug.id}: no coverage recorded`);
  const truth = changedLines(git(checkout, ['diff', '-U0', '--no-color', bug.buggyRef, bug.fixedRef]));
  const data: BugData = {
    collector: COLLECTOR_VERSION,
    ...(bug.node ? { node: bug.node } : {}),
    id: bug.id,
    tests,
    faultRevealing: [...new Set(faultRevealing)],
    truth,
    checkout: realpathSync(checkout),
  };
  writeFileSync(cached, JSON.stringify(data));
  return data;
}

function readCoverage(file: string): TestRun[] {
  const tests: TestRun[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const r = JSON.parse(line) as CoverageRecord;
    tests.push({
      id: r.fullTitle,
      failed: r.state === 'failed',
      ...(r.stack ? { stack: r.stack } : {}),
      ...(r.error ? { error: r.error } : {}),
      coverage: r.lines,
    });
  }
  return tests;
}
