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
  tree: string;
  side: Side;
  attempt: number;
  recipe: Recipe;
  scripts: Record<string, string>;
  readOnly: string[];
}): Promise<SuiteRun> {
  const tree = p.tree;
  const out = join(tree, '.validation');
  await mkdir(out, { recursive: true });
  // Made by us after the tree was handed over: handed over too, so the runner can write its report there.
  await prepareSandboxRoot(out);
  const report = join(out, `junit-${p.attempt}.xml`);
  // Relative to the run's folder (the trees' parent), where checkCoverage looks.
  const coverageDir = join(p.side, '.validation', `coverage-${p.attempt}`);
  const coverageAbs = join(tree, '.validation', `coverage-${p.attempt}`);
  // A report left by an earlier attempt must not pass for this run's.
  await rm(coverageAbs, { recursive: true, force: true });
  await rm(report, { force: true });
  const runner = testRunnerOptions(p.recipe.test, report, p.scripts);
  const { step } = await runStep({
    step: `test ${p.side} #${p.attempt + 1}`,
    argv: [...p.recipe.test, ...(runner?.args ?? [])],
    root: tree,
    cwd: tree,
    recipe: p.recipe,
    timeoutMs: p.recipe.limits.testTimeoutMs,
    env: { ...(runner?.env ?? {}), NODE_V8_COVERAGE: coverageAbs },
    readOnly: p.readOnly,
  });
  let results: TestCaseResult[] | null = null;
  if (runner) {
    const xml = await readBounded(report, tree);
    // A report past the parser's limits is the application's doing: no per-test results, not a crash of the beat.
    try {
      results = xml === null ? null : parseJUnit(xml).map((t) => withoutTree(t, tree));
    } catch {
      results = null;
    }
  }
  return { side: p.side, step, results, coverageDir };
}

/**
 * A result as if the tree had no place on disk: runners name some tests by their file's absolute path (node:test
 * reports a file without tests so), and the base and the patched tree are two places, so the same test would get two
 * ids and look removed on one side and new on the other.
 */
function withoutTree(t: TestCaseResult, tree: string): TestCaseResult {
  const strip = (text: string) => text.split(`${tree}/`).join('').split(tree).join('.');
  return {
    ...t,
    id: strip(t.id),
    name: strip(t.name),
    file: t.file === null ? null : strip(t.file),
    message: t.message === null ? null : strip(t.message),
  };
}

/**
 * A file the sandboxed code wrote, read as root only if it is what it claims: a regular file (not a symlink) in a
 * folder that resolves inside the run's folder. Nothing of the sandbox runs any more when this is called (its pid
 * namespace is gone), so the check cannot be raced.
 */
export async function readBounded(path: string, runDir: string, max = MAX_REPORT): Promise<string | null> {
  if (!(await insideRun(dirname(path), runDir))) return null;
  // O_NONBLOCK: a FIFO in the file's place must not hang the beat (a regular file reads the same).
  const f = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(
    () => null,
  );
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
