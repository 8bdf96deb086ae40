/**
 * Fault localization on real bugs: per bug, collects the project's test runs (two at the fixed version, one with
 * per-test V8 coverage and one without at the buggy version plus its new tests; cached, by default under
 * ~/.cache/self-healing/localize: about 7 minutes for the 25 Express bugs the first time, 15 s from the cache), finds
 * the fault-revealing tests, localizes, and ranks the lines the developers' fix changed.
 *
 *   npm run bench:localize -- --bugs <manifest.json> [--scratch dir] [--only id,id] [--json] [--loo]
 *
 * Prints per bug the rank of the fixed file and of the best fixed line (ties averaged) for the product
 * configuration and for plain Ochiai (the baseline), then {"bugs", "fileTop1", "lineTop1", "lineTop5", "lineTop10"}
 * for both. The product configuration was chosen on these bugs, so its figures are fitted; --loo adds the honest
 * ones: each bug scored with the configuration that does best on the others (bench/loo.ts). A manifest for the
 * BugsJS Express bundle comes from bench/bugsjs-manifest.ts.
 */
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readManifest } from './manifest.js';
import { collectBug, type BugData } from './collect.js';
import { rankBug, totals, type Ranks } from './score.js';
import { configGrid, leaveOneOut, objective } from './loo.js';
import { PRODUCT_OPTIONS } from '../src/locate/defaults.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      bugs: { type: 'string' },
      scratch: { type: 'string', default: join(homedir(), '.cache', 'self-healing', 'localize') },
      only: { type: 'string' },
      json: { type: 'boolean', default: false },
      loo: { type: 'boolean', default: false },
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
  const collected: BugData[] = [];
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
    collected.push(data);
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
  let looReport: Record<string, unknown> | undefined;
  if (values.loo && collected.length > 1) {
    const grid = configGrid();
    const matrix = grid.map((config) => collected.map((data) => rankBug(data, config)));
    const { ranks, chosen } = leaveOneOut(matrix);
    let bestAll = 0;
    matrix.forEach((row, c) => {
      if (objective(row) > objective(matrix[bestAll]!)) bestAll = c;
    });
    looReport = {
      totals: totals(ranks),
      perBug: collected.map((d, i) => ({ id: d.id, ...ranks[i], config: grid[chosen[i]!] })),
      bestOnAll: { config: grid[bestAll], totals: totals(matrix[bestAll]!) },
      configs: grid.length,
    };
  }
  const report = {
    perBug,
    unusable: failed,
    /** Fitted: PRODUCT_OPTIONS were chosen on these bugs; leaveOneOut.totals is the figure to quote. */
    product: totals(product),
    ochiai: totals(baseline),
    options: PRODUCT_OPTIONS,
    ...(looReport ? { leaveOneOut: looReport } : {}),
  };
  process.stdout.write(JSON.stringify(report, null, values.json ? 0 : 2) + '\n');
}

await main();
