/**
 * Automated repair on real bugs: per bug of a bench:localize manifest, the localization (the localize bench's
 * collected test runs, ranked by the diagnosis' product configuration), the issue and remedies the diagnosis would
 * derive from it (its best `--lines` lines as evidence, never the fix's), every fix strategy through the stage's own
 * ranking (services/fix-generate/src/service/candidates.ts), then the best `--candidates` candidates, in rank order,
 * through the project's suite in validation's sandbox until one is plausible.
 *
 *   npm run bench:repair -- --bugs <manifest.json> [--only id,id] [--candidates 10] [--budget 300] [--lines 10]
 *       [--localize dir] [--scratch dir] [--oracle] [--json]
 *
 * Plausible: validation's checks (bench/judge.ts): the fault-revealing tests fail on the buggy tree and pass on the
 * candidate, no test that passed on the buggy tree fails. Correct: the first plausible candidate has the human fix's
 * syntax tree (comments and layout aside, bench/sameTree.ts); "behaviourally equal on the human fix's tests" is
 * plausible itself here, so it is not counted again. Dependencies are installed once per bug through validation's
 * shared install and linked for every later run; the report says what that saved. Progress on stderr, the JSON
 * report on stdout. --oracle first runs the human fix through the same checks (humanFixPlausible): a bug whose fix
 * is not plausible in this harness says more about the harness than about the strategies. --candidates 0 tests none.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createTwoFilesPatch } from 'diff';
import { GitRepo } from '../../diagnosis/src/repository/repoCache.js';
import { PRODUCT_OPTIONS } from '../../diagnosis/src/locate/defaults.js';
import { rankFeatures } from '../../diagnosis/src/locate/localize.js';
import { isProgramFile } from '../../diagnosis/src/locate/tests-filter.js';
import { collectBug, type BugData } from '../../diagnosis/bench/collect.js';
import { readManifest, type BugSpec } from '../../diagnosis/bench/manifest.js';
import { nodeRuntime } from '../../diagnosis/bench/runtime.js';
import { bugFeatures, incidentTests, rankBug } from '../../diagnosis/bench/score.js';
import type { TestCaseResult } from '../../validation/src/testing/index.js';
import { generateCandidates } from '../src/service/candidates.js';
import type { FixCase } from '../src/service/deps.js';
import { DEFAULT_LIMITS } from '../src/patch/policy.js';
import { repoView, WorkTree } from '../src/workspace/scratch.js';
import { issueFromLocalization } from './issue.js';
import { judgePlausible } from './judge.js';
import { totals, type BugRow } from './report.js';
import { sameAsHumanFix } from './sameTree.js';
import { install, makeTestTree, recipeOf, runTests, writeFiles, type Caches } from './suite.js';

const log = (m: string) => process.stderr.write(`${m}\n`);

function git(cwd: string, args: string[]): string {
  return execFileSync('git', ['-C', cwd, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

/** A bare mirror of the bug's repository under scratch, made once: worktrees are added to it, never to the source. */
function mirrorOf(repo: string, scratch: string): string {
  const mirror = join(
    scratch,
    'mirrors',
    createHash('sha256').update(resolve(repo)).digest('hex').slice(0, 16) + '.git',
  );
  if (!existsSync(mirror)) execFileSync('git', ['clone', '-q', '--mirror', resolve(repo), mirror]);
  return mirror;
}

/** The program files the human fix changes (tests and docs aside), with their fixed texts. */
function humanFix(mirror: string, bug: BugSpec): Map<string, string | null> {
  const out = new Map<string, string | null>();
  const names = git(mirror, ['diff', '--name-only', '--no-renames', bug.buggyRef, bug.fixedRef]).split('\n');
  for (const path of names.filter((p) => p && /\.(js|mjs|cjs|ts)$/.test(p) && isProgramFile(p))) {
    let text: string | null = null;
    try {
      text = git(mirror, ['show', `${bug.fixedRef}:${path}`]);
    } catch {
      text = null; // deleted by the fix
    }
    out.set(path, text);
  }
  return out;
}

interface Options {
  candidates: number;
  budgetMs: number;
  lines: number;
  oracle: boolean;
  scratch: string;
  caches: Caches;
}

async function repairBug(bug: BugSpec, data: BugData, o: Options): Promise<BugRow> {
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  const mirror = mirrorOf(bug.repo, o.scratch);
  const gitRepo = new GitRepo(mirror);
  const base = (await gitRepo.git(['rev-parse', '--verify', `${bug.testRef}^{commit}`])).trim();
  const localization = rankFeatures(bugFeatures(data), PRODUCT_OPTIONS);
  const { issue, remedies } = issueFromLocalization({
    id: bug.id,
    lines: localization.lines,
    failing: incidentTests(data).filter((t) => t.failed),
    repoRoot: data.checkout,
    top: o.lines,
  });

  // Candidates, exactly as the stage ranks them (the case holds only what generateCandidates reads).
  const view = repoView(
    gitRepo,
    base,
    new Set((await gitRepo.git(['ls-tree', '-r', '--name-only', base])).split('\n').filter(Boolean)),
  );
  let tree: WorkTree | null = null;
  const scratch = async () => {
    tree ??= await WorkTree.create(gitRepo, base, join(o.scratch, bug.id, 'strategies'));
    await tree.reset();
    return tree;
  };
  const fixCase = {
    loaded: {
      remedies,
      issues: { [issue.id]: issue },
      issueOf: Object.fromEntries(remedies.map((r) => [r.id, issue.id])),
    },
  } as unknown as FixCase;
  const { candidates: all } = await generateCandidates(fixCase, view, scratch, DEFAULT_LIMITS);
  const candidates = all.filter((c) => c.dropped === null);
  log(`${bug.id}: ${candidates.length} candidate(s) from ${remedies.map((r) => r.kind).join(', ')}`);

  const human = humanFix(mirror, bug);
  const baseTexts = new Map<string, string | null>();
  for (const c of candidates)
    for (const f of c.files)
      if (!baseTexts.has(f.path)) baseTexts.set(f.path, (await view.read(f.path)) ?? null);
  for (const path of human.keys())
    if (!baseTexts.has(path)) baseTexts.set(path, (await view.read(path)) ?? null);
  const same = candidates.map((c) =>
    sameAsHumanFix(new Map(c.files.map((f) => [f.path, f.text])), human, (p) => baseTexts.get(p) ?? null),
  );
  const sameIndex = same.indexOf(true);

  const row: BugRow = {
    id: bug.id,
    generated: candidates.length,
    tried: 0,
    firstPlausibleRank: null,
    correct: false,
    sameTreeRank: sameIndex >= 0 ? sameIndex + 1 : null,
    localizationRank: rankBug(data, PRODUCT_OPTIONS).line,
    strategy: null,
    seconds: 0,
    install: { uncachedMs: null, cachedMs: [] },
    stop: 'candidates',
  };
  const finish = (stop: string) => {
    row.stop = stop;
    row.seconds = Math.round(elapsed() / 100) / 10;
    return row;
  };
  if (candidates.length === 0 && !o.oracle) return finish('candidates');

  const recipe = recipeOf(bug);
  const caches: Caches = {
    ...o.caches,
    runtimeBin: bug.node ? await nodeRuntime(bug.node, o.scratch, log) : null,
  };
  const root = join(o.scratch, bug.id, 'run');
  const testTree = await makeTestTree(mirror, base, root);
  const installed = async () => {
    const r = await install(testTree, { mirror, commit: base }, recipe, caches);
    if (!r.ok) throw new Error(`install failed: ${r.tail}`);
    if (r.cached) row.install.cachedMs.push(r.ms);
    else row.install.uncachedMs = r.ms;
    log(`${bug.id}: install ${r.cached ? 'cached' : 'uncached'} ${(r.ms / 1000).toFixed(1)} s`);
  };
  await installed();
  const baseRuns: TestCaseResult[][] = [];
  const baseMs: number[] = [];
  for (let i = 0; i < 2; i++) {
    const r = await runTests(bug, root, testTree, recipe, caches);
    baseRuns.push(r.results);
    baseMs.push(r.ms);
  }
  // A candidate that loops (a mutated loop bound) would hold the suite to the manifest's limit: ten times the
  // buggy tree's run is plenty for a candidate that terminates.
  const candidateRecipe = {
    ...recipe,
    limits: {
      ...recipe.limits,
      testTimeoutMs: Math.min(recipe.limits.testTimeoutMs, Math.max(30_000, 10 * Math.max(...baseMs))),
    },
  };
  const stillFailing = data.faultRevealing.filter((t) =>
    baseRuns.every((run) => run.some((r) => r.id === t && r.status === 'failed')),
  );
  log(
    `${bug.id}: buggy tree ${baseRuns[0]!.length} tests, ${stillFailing.length}/${data.faultRevealing.length} fault-revealing fail here`,
  );

  /** The candidate's files in the tree, the suite until the verdict stands (validation's reruns), the tree back. */
  const check = async (files: ReadonlyMap<string, string | null>) => {
    await installed(); // as every validation run does: the shared install finds the dependencies in place
    await writeFiles(testTree, files);
    const patched: TestCaseResult[][] = [];
    try {
      for (;;) {
        const r = await runTests(bug, root, testTree, candidateRecipe, caches);
        patched.push(r.results);
        const verdict = judgePlausible(baseRuns, patched, data.faultRevealing);
        // A suite stopped at a limit is not plausible, and would be stopped again.
        if (r.killedFor)
          return { ...verdict, plausible: false, reason: `the suite was stopped for ${r.killedFor}` };
        if (!verdict.rerun) return verdict;
      }
    } finally {
      await writeFiles(testTree, new Map([...files.keys()].map((p) => [p, baseTexts.get(p) ?? null])));
    }
  };

  if (o.oracle) {
    // The harness' own check: the human fix must be plausible here, or the bug cannot count against the strategies.
    const v = await check(human);
    row.humanFixPlausible = v.plausible;
    log(
      `${bug.id}: the human fix is ${v.plausible ? 'plausible here' : `NOT plausible here: ${v.reason?.slice(0, 300)}`}`,
    );
  }

  for (const [i, c] of candidates.slice(0, o.candidates).entries()) {
    if (elapsed() > o.budgetMs) return finish('budget');
    const verdict = await check(new Map(c.files.map((f) => [f.path, f.text])));
    row.tried = i + 1;
    log(
      `${bug.id}: #${i + 1} ${c.strategy} ${verdict.plausible ? 'PLAUSIBLE' : `no: ${verdict.reason?.slice(0, 160)}`}${same[i] ? ' (human fix)' : ''}`,
    );
    if (verdict.plausible) {
      row.firstPlausibleRank = i + 1;
      row.correct = same[i]!;
      row.strategy = c.strategy;
      row.patch = c.files
        .map((f) =>
          createTwoFilesPatch(f.path, f.path, baseTexts.get(f.path) ?? '', f.text ?? '', '', '', {
            context: 1,
          }),
        )
        .join('')
        .slice(0, 4000);
      return finish('plausible');
    }
  }
  return finish('candidates');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      bugs: { type: 'string' },
      only: { type: 'string' },
      candidates: { type: 'string', default: '10' },
      budget: { type: 'string', default: '300' },
      lines: { type: 'string', default: '10' },
      localize: { type: 'string', default: join(homedir(), '.cache', 'self-healing', 'localize') },
      scratch: { type: 'string', default: join(homedir(), '.cache', 'self-healing', 'repair') },
      json: { type: 'boolean', default: false },
      oracle: { type: 'boolean', default: false },
    },
  });
  if (!values.bugs)
    throw new Error(
      'usage: --bugs <manifest.json> [--only ids] [--candidates n] [--budget s] [--lines n] [--json]',
    );
  const manifest = readManifest(values.bugs);
  const here = resolve(process.cwd()) + '/';
  const scratch = resolve(values.scratch!);
  const localizeDir = resolve(values.localize!);
  if (scratch.startsWith(here) || localizeDir.startsWith(here))
    throw new Error('--scratch and --localize must be outside the repository');
  const positive = (v: string | undefined, name: string, min = 1) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name}: expected an integer >= ${min}`);
    return n;
  };
  const options: Options = {
    candidates: positive(values.candidates, 'candidates', 0),
    budgetMs: positive(values.budget, 'budget') * 1000,
    lines: positive(values.lines, 'lines'),
    oracle: values.oracle!,
    scratch,
    caches: { depsRoot: join(scratch, 'deps'), npmCache: join(scratch, 'npm-cache') },
  };
  mkdirSync(scratch, { recursive: true });
  const only = values.only ? new Set(values.only.split(',')) : null;
  const rows: BugRow[] = [];
  const unusable: { id: string; error: string }[] = [];
  for (const bug of manifest.bugs) {
    if (only && !only.has(bug.id)) continue;
    try {
      const data = await collectBug(bug, localizeDir, log);
      if (data.faultRevealing.length === 0) {
        unusable.push({ id: bug.id, error: 'no fault-revealing test' });
        continue;
      }
      const row = await repairBug(bug, data, options);
      rows.push(row);
      log(JSON.stringify(row));
    } catch (e) {
      unusable.push({ id: bug.id, error: (e as Error).message.slice(0, 500) });
      log(`${bug.id}: ${(e as Error).message.slice(0, 500)}`);
    }
  }
  const report = {
    perBug: rows,
    unusable,
    totals: totals(rows),
    settings: {
      candidates: options.candidates,
      budgetSeconds: options.budgetMs / 1000,
      lines: options.lines,
    },
  };
  process.stdout.write(JSON.stringify(report, null, values.json ? 0 : 2) + '\n');
}

await main();
