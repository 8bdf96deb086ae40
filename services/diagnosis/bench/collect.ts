import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BugSpec } from './manifest.js';
import { runSandboxed } from './sandbox.js';
import type { TestRun } from '../src/locate/evidence.js';
import { changedLines, type ChangedLine } from '../src/locate/diff.js';

const PRELOAD = fileURLToPath(new URL('./coverage-preload.cjs', import.meta.url));

export interface BugData {
  readonly id: string;
  readonly tests: TestRun[];
  readonly faultRevealing: string[];
  readonly truth: ChangedLine[];
  readonly checkout: string;
}

function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
}

interface ReporterOutcome {
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

async function runSuite(bug: BugSpec, checkout: string, home: string, coverageOut?: string) {
  const env: Record<string, string> = { ...bug.env };
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
  if (existsSync(cached)) return JSON.parse(readFileSync(cached, 'utf8')) as BugData;
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
  let faultRevealing = bug.faultRevealingTests ? [...bug.faultRevealingTests] : undefined;
  if (!faultRevealing) {
    git(checkout, ['checkout', '-q', '-f', bug.fullRef]);
    log(`${bug.id}: running the suite at ${bug.fullRef}`);
    const fixed = await runSuite(bug, checkout, home);
    const passingWhenFixed = new Set(fixed.filter((o) => o.state === 'passed').map((o) => o.fullTitle));
    git(checkout, ['checkout', '-q', '-f', bug.testRef]);
    log(`${bug.id}: running the suite with coverage at ${bug.testRef}`);
    faultRevealing = [];
    const covFile = join(dir, 'coverage.jsonl');
    const outcomes = await runSuite(bug, checkout, home, covFile);
    for (const o of outcomes) {
      if (o.state === 'failed' && passingWhenFixed.has(o.fullTitle)) faultRevealing.push(o.fullTitle);
    }
  } else {
    git(checkout, ['checkout', '-q', '-f', bug.testRef]);
    await runSuite(bug, checkout, home, join(dir, 'coverage.jsonl'));
  }
  const tests = readCoverage(join(dir, 'coverage.jsonl'));
  if (!tests.some((t) => Object.keys(t.coverage).length > 0))
    throw new Error(`${bug.id}: no coverage recorded`);
  const truth = changedLines(git(checkout, ['diff', '-U0', '--no-color', bug.buggyRef, bug.fixedRef]));
  const data: BugData = {
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
