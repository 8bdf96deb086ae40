import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCallGraph, reachableFrom, stepRegion, type CallGraph } from './callGraph.js';
import { loadSources } from './load.js';
import { indexLogCalls, type LogCallSite } from './logCalls.js';
import { matchTemplate, sitesForStep } from './match.js';
import type { SourceText } from './source.js';

// These tests read files (the sample application, a scratch directory) but start nothing: local and fast.
const SAMPLE_APP = join(dirname(fileURLToPath(import.meta.url)), '../../../sample-service/app');

describe('the sample application', () => {
  let files: SourceText[];
  let sites: LogCallSite[];
  let graph: CallGraph;
  let indexMs: number;

  beforeAll(async () => {
    files = (await loadSources(SAMPLE_APP)).files;
    // CPU time, not wall time: two cores shared by several agents stretch the wall clock, not the work
    const started = process.cpuUsage();
    sites = indexLogCalls(files);
    graph = buildCallGraph(files);
    const used = process.cpuUsage(started);
    indexMs = (used.user + used.system) / 1000;
  });

  it('reads its sources, not its dependencies or build output', () => {
    const paths = files.map((f) => f.path);
    expect(paths).toContain('src/checkout/flow.ts');
    expect(paths).toContain('src/http/server.ts');
    expect(
      paths.some((p) => p.startsWith('node_modules/') || p.startsWith('dist/') || p.startsWith('coverage/')),
    ).toBe(false);
  });

  it('indexes and builds the call graph quickly', () => {
    // about 1 s of CPU the first time in a process (loading and warming the compiler), 0.3-0.6 s afterwards
    expect(indexMs).toBeLessThan(3000);
    expect(graph.stats.functions).toBeGreaterThan(100);
  });

  it('maps a mined template to the log call in checkout/flow.ts', () => {
    const [best, second] = matchTemplate('reserved <*> items in warehouse <*> took <*> ms', sites);
    expect(best!.site).toMatchObject({ path: 'src/checkout/flow.ts', line: 93, level: 'info' });
    expect(best!.site.constants).toEqual({ step: 'reserveInventory' });
    expect(best!.score).toBe(1);
    // the rollback's "released ... items in warehouse" line is the runner-up, clearly behind
    expect(second!.site.line).toBe(161);
    expect(second!.score).toBeLessThan(0.8);
  });

  it('maps an error line whose variable part is a whole error message', () => {
    const [best, second] = matchTemplate(
      "unhandled error in createShipment: Cannot read properties of <*> (reading 'postalCode')",
      sites,
    );
    expect(best!.site).toMatchObject({
      path: 'src/http/server.ts',
      level: 'error',
      message: 'unhandled error in <*>: <*>',
    });
    expect(best!.score - second!.score).toBeGreaterThan(0.3);
  });

  it('maps the request completion line, logged at a computed level', () => {
    const [best] = matchTemplate('POST /checkout completed status=<*> took <*> ms', sites);
    expect(best!.site).toMatchObject({ path: 'src/http/server.ts', level: 'warn|info' });
    expect(best!.site.constants).toEqual({ step: 'respond' });
  });

  it("reaches the inventory's reserve from the step reserveInventory", () => {
    const site = sitesForStep('reserveInventory', sites).find((s) => s.keys.includes('durationMs'))!;
    expect(site.line).toBe(93);
    for (const metric of ['durationMs', undefined]) {
      const region = stepRegion(graph, site, metric);
      expect(region.fn?.name).toBe('checkout');
      const reached = reachableFrom(
        graph,
        region.callees.map((f) => f.id),
        3,
      ).map((r) => `${r.fn.path}#${r.fn.name}`);
      expect(reached).toContain('src/inventory/inventory.ts#Inventory.reserve');
    }
    const measured = { startLine: 82, endLine: 82, basis: 'measured' };
    expect(stepRegion(graph, site, 'durationMs')).toMatchObject(measured);
    // the detector names the metric `latency.p95`: the line's duration field
    expect(stepRegion(graph, site, 'latency.p95')).toMatchObject(measured);
    // without a measured statement: since the last log statement that always runs before it (not the loop's warning)
    expect(stepRegion(graph, site)).toMatchObject({ startLine: 81, endLine: 92, basis: 'between' });
  });

  it('traces the checkout route to the checkout flow', () => {
    const handler = [...graph.functions.values()].find(
      (f) => f.name === "buildRoutes > add('POST', '/checkout') callback",
    )!;
    const reached = reachableFrom(graph, handler.id, 2).map((r) => r.fn.name);
    expect(reached).toContain('checkout');
  });
});

describe('loadSources', () => {
  let root: string;
  let outside: string;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'code-index-'));
    outside = mkdtempSync(join(tmpdir(), 'code-outside-'));
    const write = (rel: string, text: string): void => {
      mkdirSync(dirname(join(root, rel)), { recursive: true });
      writeFileSync(join(root, rel), text);
    };
    write('src/a.ts', "log.info('a');");
    write('src/b.mjs', "log.info('b');");
    write('src/types.d.ts', 'export type X = 1;');
    write('src/readme.md', 'not code');
    write('test/a.spec.ts', "log.info('t');");
    write('node_modules/dep/index.js', "log.info('dep');");
    write('dist/a.js', "log.info('built');");
    write('coverage/x.js', '');
    write('.git/hooks/x.js', '');
    write('src/huge.js', 'x'.repeat(2048));
    writeFileSync(join(outside, 'secret.ts'), "log.info('secret');");
    symlinkSync(join(outside, 'secret.ts'), join(root, 'src/secret.ts'));
    symlinkSync(outside, join(root, 'src/elsewhere'));
    symlinkSync(join(root, 'src'), join(root, 'src/loop'));
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  it('reads sources and tests, skips dependencies, build output, declarations and large files', async () => {
    const { files, skipped } = await loadSources(root, { maxBytes: 1024 });
    expect(files.map((f) => f.path)).toEqual(['src/a.ts', 'src/b.mjs', 'test/a.spec.ts']);
    expect(skipped).toContainEqual({ path: 'src/huge.js', reason: 'too large or minified' });
  });

  it('refuses links that leave the repository and visits a linked directory once', async () => {
    const { files, skipped } = await loadSources(root);
    expect(files.some((f) => f.text.includes('secret'))).toBe(false);
    expect(skipped).toEqual(
      expect.arrayContaining([
        { path: 'src/elsewhere', reason: 'link outside the repository' },
        { path: 'src/secret.ts', reason: 'link outside the repository' },
      ]),
    );
    expect(files.filter((f) => f.path.endsWith('a.ts') && !f.path.startsWith('test/'))).toHaveLength(1);
  });

  it('stops at the file limit', async () => {
    const { files, skipped } = await loadSources(root, { maxFiles: 1 });
    expect(files).toHaveLength(1);
    expect(skipped.some((s) => s.reason === 'file limit')).toBe(true);
  });
});
