import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BugData } from './collect.js';
import { confinePath } from '../src/locate/paths.js';
import { lineFeatures, rankFeatures, type Features, type LocalizeWeights } from '../src/locate/localize.js';
import { isProgramFile } from '../src/locate/tests-filter.js';
import { bestRank } from '../src/locate/rank.js';
import { mergeRuns, type TestRun } from '../src/locate/evidence.js';

export interface Ranks {
  file: number;
  line: number;
}

/**
 * The incident a CI gives: the suite's run with the fault-revealing tests failing. Tests that also fail on the fixed
 * version fail for reasons unrelated to this bug (the environment); they are left out, as a CI that knows the
 * previous run's failures would.
 */
export function incidentTests(data: BugData): TestRun[] {
  const revealing = new Set(data.faultRevealing);
  return mergeRuns(data.tests)
    .filter((t) => !t.failed || revealing.has(t.id))
    .map((t) => ({ ...t, failed: revealing.has(t.id) }));
}

/** Reads the program's files from the bug's checkout (at its test ref: the buggy code), confined to it. */
export function checkoutSource(checkout: string): (path: string) => string | undefined {
  return (path) => {
    const rel = confinePath(path, checkout);
    if (rel === null) return undefined;
    try {
      return readFileSync(join(checkout, rel), 'utf8');
    } catch {
      return undefined;
    }
  };
}

/** The evidence of a bug, computed once: every configuration only weighs it differently. */
const prepared = new WeakMap<BugData, Features>();

/**
 * How recent the commit that last touched each covered program line is: (1 - 0.1)^depth, depth 0 being the checkout's
 * newest commit (Fonte's discount), from `git blame` of the checkout.
 */
function blameRecency(data: BugData, tests: readonly TestRun[]): Map<string, number> {
  const git = (args: string[]) =>
    execFileSync('git', ['-C', data.checkout, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const depth = new Map(
    git(['log', '--format=%H', 'HEAD'])
      .trim()
      .split('\n')
      .map((sha, i) => [sha, i] as const),
  );
  const files = new Set<string>();
  for (const t of tests) for (const path of Object.keys(t.coverage)) if (isProgramFile(path)) files.add(path);
  const recency = new Map<string, number>();
  for (const path of files) {
    const rel = confinePath(path, data.checkout);
    if (rel === null) continue;
    let out: string;
    try {
      out = git(['blame', '--porcelain', 'HEAD', '--', rel]);
    } catch {
      continue; // not tracked
    }
    for (const row of out.split('\n')) {
      const m = /^([0-9a-f]{40}) \d+ (\d+)/.exec(row);
      if (m) recency.set(`${rel}:${m[2]}`, Math.pow(0.9, depth.get(m[1]!) ?? Infinity));
    }
  }
  return recency;
}

export function bugFeatures(data: BugData): Features {
  let features = prepared.get(data);
  if (!features) {
    const tests = incidentTests(data);
    const texts = new Map<string, string | undefined>();
    const read = checkoutSource(data.checkout);
    const source = (path: string) => {
      if (!texts.has(path)) texts.set(path, read(path));
      return texts.get(path);
    };
    const recency = blameRecency(data, tests);
    features = lineFeatures(tests, {
      repoRoot: data.checkout,
      source,
      recency: (path, line) => recency.get(`${path}:${line}`),
    });
    prepared.set(data, features);
  }
  return features;
}

export function rankBug(data: BugData, weights: LocalizeWeights): Ranks {
  const result = rankFeatures(bugFeatures(data), weights);
  const lineScore = new Map(result.lines.map((l) => [`${l.path}:${l.line}`, l.score]));
  const fileScore = new Map(result.files.map((f) => [f.path, f.score]));
  const allLines = result.lines.map((l) => l.score);
  const allFiles = result.files.map((f) => f.score);
  const truthFiles = [...new Set(data.truth.map((t) => t.path))];
  return {
    file: bestRank(truthFiles, (p) => fileScore.get(p), allFiles),
    line: bestRank(data.truth, (t) => lineScore.get(`${t.path}:${t.line}`), allLines),
  };
}

export function totals(ranks: readonly Ranks[]) {
  const count = (pred: (r: Ranks) => boolean) => ranks.filter(pred).length;
  return {
    bugs: ranks.length,
    fileTop1: count((r) => r.file <= 1),
    lineTop1: count((r) => r.line <= 1),
    lineTop5: count((r) => r.line <= 5),
    lineTop10: count((r) => r.line <= 10),
  };
}
