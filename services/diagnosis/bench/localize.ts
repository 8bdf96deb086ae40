/**
 * Fault localization on real bugs: per bug, runs the project's suite once with per-test V8 coverage (cached in a
 * scratch folder), finds the fault-revealing tests, localizes, and ranks the lines the developers' fix changed.
 *
 *   npm run bench:localize -- --bugs <manifest.json> [--scratch /tmp/self-healing-localize] [--only id,id] [--json]
 *
 * Prints per bug the rank of the fixed file and of the best fixed line (ties averaged) for the product
 * configuration and for plain Ochiai (the baseline), then
 * {"bugs", "fileTop1", "lineTop1", "lineTop5", "lineTop10"} for both. A manifest for the BugsJS Express bundle comes
 * from bench/bugsjs-manifest.ts.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readManifest } from './manifest.js';
import { collectBug, type BugData } from './collect.js';
import { localize, type LocalizeOptions } from '../src/locate/localize.js';
import { bestRank } from '../src/locate/rank.js';
import type { TestRun } from '../src/locate/evidence.js';
import { PRODUCT_OPTIONS } from '../src/locate/defaults.js';

interface Ranks {
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
  return data.tests
    .filter((t) => !t.failed || revealing.has(t.id))
    .map((t) => ({ ...t, failed: revealing.has(t.id) }));
}

export function rankBug(data: BugData, options: Omit<LocalizeOptions, 'repoRoot'>): Ranks {
  const result = localize(incidentTests(data), { ...options, repoRoot: data.checkout });
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

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      bugs: { type: 'string' },
      scratch: { type: 'string', default: '/tmp/self-healing-localize' },
      only: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (!values.bugs) throw new Error('usage: --bugs <manifest.json> [--scratch dir] [--only ids] [--json]');
  const manifest = readManifest(values.bugs);
  const scratch = resolve(values.scratch!);
  if (scratch.startsWith(resolve(process.cwd()) + '/'))
    throw new Error('--scratch must be outside the repository');
  mkdirSync(scratch, { recursive: true });
  const only = values.only ? new Set(values.only.split(',')) : null;
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const perBug: Record<string, unknown>[] = [];
  const product: Ranks[] = [];
  const baseline: Ranks[] = [];
  const failed: { id: string; error: string }[] = [];
  for (const bug of manifest.bugs) {
    if (only && !only.has(bug.id)) continue;
    let data: BugData;
    try {
      data = await collectBug(bug, scratch, log);
    } catch (e) {
      failed.push({ id: bug.id, error: (e as Error).message.slice(0, 500) });
      log(`${bug.id}: ${(e as Error).message.slice(0, 500)}`);
      continue;
    }
    if (data.faultRevealing.length === 0) {
      failed.push({ id: bug.id, error: 'no fault-revealing test' });
      continue;
    }
    const p = rankBug(data, PRODUCT_OPTIONS);
    const b = rankBug(data, { formula: 'ochiai' });
    product.push(p);
    baseline.push(b);
    const row = {
      id: bug.id,
      failing: data.faultRevealing.length,
      tests: data.tests.length,
      product: p,
      ochiai: b,
    };
    perBug.push(row);
    if (!values.json) log(JSON.stringify(row));
  }
  const report = {
    perBug,
    unusable: failed,
    product: totals(product),
    ochiai: totals(baseline),
    options: PRODUCT_OPTIONS,
  };
  process.stdout.write(JSON.stringify(report, null, values.json ? 0 : 2) + '\n');
}

await main();
