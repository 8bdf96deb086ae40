import { constants } from 'node:fs';
import { mkdir, open, realpath, rm } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { prepareSandboxRoot } from '../sandbox/index.js';
import { parseJUnit, testRunnerOptions, type TestCaseResult } from '../testing/index.js';
import type { StepRun } from './case.js';
import { runStep, type Recipe } from './execution.js';
import type { Side } from '../workspace/trees.js';

/** One run of the application's suite on one side: its step, its per-test results when the runner gives them. */
export interface SuiteRun {
  side: Side;
  step: StepRun;
  results: TestCaseResult[] | null;
  /** Relative to the run's folder. */
  coverageDir: string;
}

const MAX_REPORT = 16 << 20;

/**
 * Runs the suite with the catalogue's test command in one tree, in the sandbox, asking the runner for a JUnit report
 * (node:test through NODE_OPTIONS) and Node for raw V8 coverage of every process it starts. The report is read
 * bounded: the code under test could write anything there.
 */
export async function runSuite(p: {
  runDir: string;
  side: Side;
  attempt: number;
  recipe: Recipe;
  scripts: Record<string, string>;
  readOnly: string[];
}): Promise<SuiteRun> {
  const tree = join(p.runDir, p.side);
  const out = join(tree, '.validation');
  await mkdir(out, { recursive: true });
  // Made by us after the tree was handed over: handed over too, so the runner can write its report there.
  await prepareSandboxRoot(out);
  const report = join(out, `junit-${p.attempt}.xml`);
  const coverageDir = join(p.side, '.validation', `coverage-${p.attempt}`);
  await rm(join(p.runDir, coverageDir), { recursive: true, force: true });
  const runner = testRunnerOptions(p.recipe.test, report, p.scripts);
  const { step } = await runStep({
    step: `test ${p.side} #${p.attempt + 1}`,
    argv: [...p.recipe.test, ...(runner?.args ?? [])],
    root: p.runDir,
    cwd: tree,
    recipe: p.recipe,
    timeoutMs: p.recipe.limits.testTimeoutMs,
    env: { ...(runner?.env ?? {}), NODE_V8_COVERAGE: join(p.runDir, coverageDir) },
    readOnly: p.readOnly,
  });
  let results: TestCaseResult[] | null = null;
  if (runner) {
    const xml = await readBounded(report, p.runDir);
    results = xml === null ? null : parseJUnit(xml);
  }
  return { side: p.side, step, results, coverageDir };
}

/**
 * A file the sandboxed code wrote, read as root only if it is what it claims: a regular file (not a symlink) in a
 * folder that resolves inside the run's folder. Nothing of the sandbox runs any more when this is called (its pid
 * namespace is gone), so the check cannot be raced.
 */
export async function readBounded(path: string, runDir: string, max = MAX_REPORT): Promise<string | null> {
  if (!(await insideRun(dirname(path), runDir))) return null;
  const f = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => null);
  if (!f) return null;
  try {
    if (!(await f.stat()).isFile()) return null;
    const buf = Buffer.alloc(max);
    const { bytesRead } = await f.read(buf, 0, max, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await f.close();
  }
}

/** Whether a folder the sandbox could have replaced by a symlink still resolves inside the run's folder. */
export async function insideRun(dir: string, runDir: string): Promise<boolean> {
  try {
    const [real, root] = await Promise.all([realpath(dir), realpath(runDir)]);
    return real === root || real.startsWith(root + sep);
  } catch {
    return false;
  }
}
