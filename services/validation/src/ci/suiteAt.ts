import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import type { ServiceEntry } from '@self-healing/shared/catalogue';
import type { GitRepo } from '@self-healing/diagnosis';
import { prepareSandboxRoot } from '../sandbox/index.js';
import type { StepRun } from '../service/case.js';
import { installDependencies, recipeOf, runStep, scriptsOf, stepOk } from '../service/execution.js';
import { runSuite } from '../service/suites.js';
import { Committed } from '../workspace/committed.js';
import { freshWorktree } from '../workspace/trees.js';

/** The outcome of the application's whole suite at one commit, as a CI status reports it. */
export interface SuiteAtCommit {
  conclusion: 'success' | 'failure' | 'timed_out';
  passed: number;
  failed: number;
  skipped: number;
  /** The failing tests' names (at most 20). */
  failures: string[];
  steps: StepRun[];
  durationMs: number;
  /** One line for a commit status: what ran and how it ended. */
  summary: string;
}

/**
 * The project's CI runner: one commit of the service, in a clean checkout of its mirror, installed from its lockfile,
 * built and tested in the same sandbox and under the same limits as a validation (the code is not ours), the whole
 * suite once. The checkout is removed afterwards; installs are shared per lockfile under `workDir/deps`.
 */
export async function runSuiteAt(p: {
  repo: GitRepo;
  commit: string;
  entry: ServiceEntry | null;
  /** Holds the checkout (removed afterwards), the shared installs and npm's cache. */
  workDir: string;
  /** A name for the checkout's folder, unique per CI run. */
  runName: string;
  testTimeoutMs: number;
  maxDiskMb: number;
}): Promise<SuiteAtCommit> {
  const started = Date.now();
  const tree = join(p.workDir, 'ci', p.runName, 'tree');
  const depsRoot = join(p.workDir, 'deps');
  const steps: StepRun[] = [];
  const ended = (
    conclusion: SuiteAtCommit['conclusion'],
    summary: string,
    counts = { passed: 0, failed: 0, skipped: 0 },
    failures: string[] = [],
  ) => ({
    conclusion,
    ...counts,
    failures,
    steps,
    durationMs: Date.now() - started,
    summary,
  });
  try {
    await freshWorktree(p.repo, p.commit, tree);
    const at = new Committed(p.repo, p.commit);
    const manifest = await at.read('package.json');
    const lock = await at.read('package-lock.json');
    const scripts = scriptsOf(manifest);
    const recipe = recipeOf(p.entry, scripts, { testTimeoutMs: p.testTimeoutMs, maxDiskMb: p.maxDiskMb });
    const { step: install } = await installDependencies({
      tree,
      manifest,
      lock,
      depsRoot,
      npmCache: join(p.workDir, 'npm-cache'),
      recipe,
    });
    steps.push(install);
    if (!stepOk(install))
      return ended(
        install.killedFor ? 'timed_out' : 'failure',
        `install failed (${install.killedFor ?? `exit ${install.exitCode}`})`,
      );
    await prepareSandboxRoot(tree);
    if (recipe.build) {
      const { step } = await runStep({
        step: 'build',
        argv: recipe.build,
        root: tree,
        cwd: tree,
        recipe,
        timeoutMs: recipe.limits.buildTimeoutMs,
        readOnly: [depsRoot],
      });
      steps.push(step);
      if (!stepOk(step))
        return ended(
          step.killedFor ? 'timed_out' : 'failure',
          `build failed (${step.killedFor ?? `exit ${step.exitCode}`})`,
        );
    }
    const suite = await runSuite({
      tree,
      side: 'patched',
      attempt: 0,
      recipe,
      scripts,
      readOnly: [depsRoot],
    });
    steps.push(suite.step);
    const results = suite.results ?? [];
    const counts = {
      passed: results.filter((r) => r.status === 'passed').length,
      failed: results.filter((r) => r.status === 'failed').length,
      skipped: results.filter((r) => r.status === 'skipped').length,
    };
    const failures = results
      .filter((r) => r.status === 'failed')
      .map((r) => r.name)
      .slice(0, 20);
    if (suite.step.killedFor)
      return ended('timed_out', `tests stopped: ${suite.step.killedFor}`, counts, failures);
    const ok = stepOk(suite.step) && counts.failed === 0;
    const summary = `${recipe.test.join(' ')}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped${ok ? '' : ` (exit ${suite.step.exitCode})`}`;
    return ended(ok ? 'success' : 'failure', summary, counts, failures);
  } finally {
    await rm(join(p.workDir, 'ci', p.runName), { recursive: true, force: true }).catch(() => undefined);
    await p.repo.git(['worktree', 'prune']).catch(() => undefined);
  }
}
