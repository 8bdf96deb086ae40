import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKOUT_SERVICE_PROFILE } from './profiles.js';
import {
  driverConfig,
  driverScriptPath,
  judgeReplay,
  readReplayResult,
  type ReplayResult,
} from './replay.js';
import { replayPlan, type ReplayPlan } from './replayPlan.js';

const run = promisify(execFile);
const APP = resolve(fileURLToPath(import.meta.url), '../../../../sample-service/app');

/**
 * Given two builds of the sample checkout service, one whose product route waits 20 ms more, when the driver replays
 * the incident's routes against both (plain `node`, no sandbox), then the judge finds the slowed route regressed, the
 * untouched ones unchanged, and the reverse pairing improved.
 */
describe('replay driver on two builds of the sample service', () => {
  let dir: string;
  let fast: string;
  let slow: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'replay-'));
    fast = join(dir, 'fast');
    slow = join(dir, 'slow');
    for (const tree of [fast, slow]) {
      await cp(APP, tree, {
        recursive: true,
        filter: (src) => !/[/\\](dist|node_modules|coverage)$/.test(src),
      });
    }
    // One install (a fresh clone has no node_modules in the sample application), shared by both copies.
    await run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], {
      cwd: fast,
    });
    await symlink(join(fast, 'node_modules'), join(slow, 'node_modules'), 'dir');
    const routes = join(slow, 'src/http/routes.ts');
    const source = await readFile(routes, 'utf8');
    const anchor = 'const product = await deps.catalog.get(params.sku!);';
    expect(source).toContain(anchor);
    await writeFile(
      routes,
      source.replace(anchor, `await new Promise((r) => setTimeout(r, 20));\n      ${anchor}`),
    );
    await Promise.all(
      [fast, slow].map((tree) =>
        run(join(tree, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], { cwd: tree }),
      ),
    );
  }, 180_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const plan: ReplayPlan = replayPlan(
    {
      routes: [
        { method: 'GET', path: '/products/SKU-2001', share: 0.4 },
        { method: 'GET', path: '/products', share: 0.3 },
        { method: 'POST', path: '/checkout', share: 0.3 },
      ],
    },
    CHECKOUT_SERVICE_PROFILE,
  );

  async function replay(base: string, patched: string, name: string): Promise<ReplayResult> {
    const [p1, p2] = await freePorts(2);
    const out = join(dir, `${name}.json`);
    const config = driverConfig(plan, {
      sides: {
        base: { cwd: base, command: [process.execPath, 'dist/src/main.js'], port: p1! },
        patched: { cwd: patched, command: [process.execPath, 'dist/src/main.js'], port: p2! },
      },
      samplesPerRoute: 120,
      warmupPerRoute: 10,
      timeBudgetMs: 90_000,
      seed: 7,
      out,
    });
    const configFile = join(dir, `${name}.config.json`);
    await writeFile(configFile, JSON.stringify(config));
    await run(process.execPath, [driverScriptPath(), configFile], { cwd: dir, timeout: 120_000 });
    const read = readReplayResult(await readFile(out, 'utf8'), plan);
    if (!read.ok) throw new Error(read.reason);
    return read.result;
  }

  it('finds the slowed route regressed and the others unchanged', async () => {
    expect(plan.source).toBe('evidence');
    const result = await replay(fast, slow, 'regression');
    expect(result).toMatchObject({ truncated: false, aborted: null });
    const byRoute = Object.fromEntries(result.routes.map((r) => [r.name, r]));
    // Shares scale the 120 minimum up: 0.4 x 120 x 3 routes = 144 pairs for the product route.
    expect(byRoute['GET /products/:sku']!.base.latenciesMs).toHaveLength(144);
    // Every checkout got its own cart from the setup, and went through on both sides.
    expect(byRoute['POST /checkout']!.patched).toMatchObject({ requests: 120, errors: 0, setupFailures: 0 });

    const judged = judgeReplay(result, { latencyIncident: false, errorIncident: false });
    const verdicts = Object.fromEntries(judged.routes.map((r) => [r.route, r.latency.verdict]));
    expect(verdicts).toEqual({
      'GET /products/:sku': 'regressed',
      'GET /products': 'unchanged',
      'POST /checkout': 'unchanged',
    });
    const slowed = judged.routes.find((r) => r.route === 'GET /products/:sku')!.latency;
    expect(slowed.effect.shiftMs).toBeGreaterThan(15);
    expect(judged).toMatchObject({ passed: false, regressions: 1 });
  }, 150_000);

  it('finds the same change an improvement when the slow build is the base', async () => {
    const result = await replay(slow, fast, 'improvement');
    const judged = judgeReplay(result, { latencyIncident: true, errorIncident: false });
    const verdicts = Object.fromEntries(judged.routes.map((r) => [r.route, r.latency.verdict]));
    expect(verdicts['GET /products/:sku']).toBe('improved');
    expect(verdicts['GET /products']).toBe('unchanged');
    expect(judged.passed).toBe(true);
  }, 150_000);
});

async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Server>((resolveServer) => {
          const s = createServer();
          s.listen(0, '127.0.0.1', () => resolveServer(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}
