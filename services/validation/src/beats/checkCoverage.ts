import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ValidationBeat, ValidationDeps } from '../service/deps.js';
import type { CoverageRecord, ValidationCase } from '../service/case.js';
import { insideRun } from '../service/suites.js';
import {
  changedLineCoverage,
  changedLines,
  codeLines,
  coverageFromV8,
  summarize,
  type FileCoverage,
} from '../coverage/index.js';
import { Committed } from '../workspace/committed.js';
import { isProductionSource } from '../workspace/patch.js';

/**
 * Beat 5. Line and branch coverage from the V8 coverage Node wrote while the suites ran (mapped to the sources
 * through the build's source maps), for the whole tree before and after, and for the lines the patch added or
 * changed: the changed executable lines no test runs are named, and too few covered fails the check.
 */
export const checkCoverage: ValidationBeat<'checkCoverage'> = async ({ runId }, deps) => {
  let c = await deps.caseOf(runId);
  if (!c.coverage)
    c = await deps.record(
      runId,
      'coverage',
      await measure(deps, c, runId).catch((error: unknown) =>
        // Coverage files are the application's writing: one that breaks the reader ends the check, not the run.
        unmeasured(
          deps,
          `the coverage could not be read: ${String((error as Error).message ?? error).slice(0, 300)}`,
          'coverage-unreadable',
        ),
      ),
    );
  const k = c.coverage!;
  return {
    event: {
      type: 'CoverageChecked',
      payload: {
        before: k.before
          ? { lines: k.before.lines, branches: k.before.branches, commit: c.patch!.baseCommit }
          : null,
        after: {
          lines: k.after?.lines ?? 0,
          branches: k.after?.branches ?? null,
          commit: c.applied?.headCommit ?? null,
        },
        changedLines: k.changedLines,
        changedLinesCovered: k.changedLinesCovered,
        threshold: k.threshold,
        passed: k.verdict === 'passed',
      },
    },
  };
};

function unmeasured(deps: ValidationDeps, message: string, code: string): CoverageRecord {
  return {
    verdict: 'inconclusive',
    summary: message,
    reasons: [{ code, message, field: null }],
    before: null,
    after: null,
    changedLines: 0,
    changedLinesCovered: 0,
    changedBranches: null,
    uncovered: [],
    threshold: deps.settings.coverageThreshold,
  };
}

async function measure(deps: ValidationDeps, c: ValidationCase, runId: string): Promise<CoverageRecord> {
  const threshold = deps.settings.coverageThreshold;
  const none = (message: string, code: string) => unmeasured(deps, message, code);
  const dirs = c.tests?.coverageDirs;
  if (!dirs?.patched || !c.tests?.runs) return none('the tests did not run: no coverage', 'no-coverage');
  const runDir = deps.runDir(runId);
  const trees = join(runDir, c.tests.trees ?? '');
  const sides = { base: join(trees, 'base'), patched: join(trees, 'patched') };
  const outDir = deps.service(c.patch!.service)?.sourceMaps.outDir ?? 'dist';
  const read = async (dir: string | null, root: string) =>
    dir && (await insideRun(join(runDir, dir), runDir))
      ? coverageFromV8(join(runDir, dir), root, isProductionSource, {
          // Files no test loads count too (c8's --all), so "the whole tree" is the whole tree.
          allScripts: await builtScripts(join(root, outDir)),
        })
      : null;
  const [before, after] = await Promise.all([read(dirs.base, sides.base), read(dirs.patched, sides.patched)]);
  if (!after || after.length === 0)
    return none('the suite wrote no V8 coverage of the sources', 'no-coverage');

  const changed = new Map([...changedLines(c.patch!.diff)].filter(([file]) => isProductionSource(file)));
  // A changed file no test loaded: its code lines (from the validated commit) are uncovered, its comments are not.
  const at = new Committed(await deps.repo(c), c.applied!.headCommit!);
  const texts = new Map(
    await Promise.all([...changed.keys()].map(async (f) => [f, await at.read(f)] as const)),
  );
  const onChanged = changedLineCoverage(changed, after, {
    isSource: isProductionSource,
    executableLinesOf: (file) => {
      const text = texts.get(file);
      return text === undefined ? null : codeLines(text, file);
    },
  });
  const share = onChanged.changedLines === 0 ? 1 : onChanged.covered / onChanged.changedLines;
  // Lines production ran before the release, given back as they were: production's run stands for the tests'.
  const restores = c.applied?.restores ?? null;
  const passed = share >= threshold || restores !== null;
  const uncoveredText = onChanged.uncovered
    .slice(0, 5)
    .map((u) => `${u.file}:${u.lines.slice(0, 8).join(',')}`)
    .join('; ');
  const whole = (x: FileCoverage[] | null) => (x && x.length ? summarize(x) : null);
  const [was, now] = [whole(before), whole(after)];
  const tree = `; whole tree ${was ? pct(was.lines) : '?'} -> ${now ? pct(now.lines) : '?'} of lines`;
  const summary =
    (onChanged.changedLines === 0
      ? 'the patch changes no executable production line'
      : `${onChanged.covered}/${onChanged.changedLines} changed lines run by the tests (${pct(share)}, threshold ${pct(threshold)})${uncoveredText ? `; not run: ${uncoveredText}` : ''}`) +
    (restores && share < threshold
      ? `; accepted: the changed lines are the production code of ${restores.commit.slice(0, 12)}, given back as it was`
      : '') +
    tree;
  return {
    verdict: passed ? 'passed' : 'failed',
    summary,
    reasons: passed ? [] : [{ code: 'changed-lines-uncovered', message: summary, field: null }],
    before: was,
    after: now,
    changedLines: onChanged.changedLines,
    changedLinesCovered: onChanged.covered,
    changedBranches: onChanged.branches ?? null,
    uncovered: onChanged.uncovered.slice(0, 50),
    threshold,
  };
}

const pct = (x: number) => `${Math.round(x * 1000) / 10} %`;

const MAX_SCRIPTS = 5000;

/**
 * The build's JavaScript files, relative to nothing (absolute): walked without following links (the sandbox wrote
 * this folder), bounded; the coverage reader confines each to the tree again.
 */
async function builtScripts(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (at: string, depth: number): Promise<void> => {
    if (depth > 20 || out.length >= MAX_SCRIPTS) return;
    for (const e of await readdir(at, { withFileTypes: true }).catch(() => [])) {
      if (out.length >= MAX_SCRIPTS) return;
      const path = join(at, e.name);
      if (e.isDirectory() && e.name !== 'node_modules') await walk(path, depth + 1);
      else if (e.isFile() && /\.[cm]?js$/.test(e.name)) out.push(path);
    }
  };
  await walk(dir, 0);
  return out;
}
