import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '@self-healing/cli';
import { exampleCatalogue, materializeAppRepo, type AppRepo, type TargetStatus } from '@self-healing/target';
import { testEndpoints, uniqueName } from './src/endpoints.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** `healctl <args>` in this process, as an operator runs it: exit code and what it printed. */
async function healctl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const stdout = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  const stderr = vi
    .spyOn(process.stderr, 'write')
    .mockImplementation((chunk: string | Uint8Array) => ((err += String(chunk)), true));
  try {
    return { code: await main(['node', 'healctl', ...args]), out, err };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

// Each test builds the sample service (npm ci, tsc) on a shared 2-core machine: a generous budget.
describe('healctl target: the whole target on one machine', { timeout: 300_000 }, () => {
  let work: string;
  let repo: AppRepo;
  let catalogue: string;
  const opts = () => ['--catalogue', catalogue, '--state-dir', join(work, 'state')];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'target-cli-'));
    repo = materializeAppRepo(join(root, 'services', 'sample-service', 'app'), join(work, 'repo'));
    catalogue = join(work, 'catalogue.yaml');
    writeFileSync(
      catalogue,
      readFileSync(exampleCatalogue(), 'utf8')
        .replace('http://127.0.0.1:13000/forge-admin/checkout.git', repo.url)
        .replace('frontendPort: 18480', `frontendPort: ${await freePort()}`),
    );
    const e = testEndpoints();
    process.env.TARGET_HOME = join(work, 'home');
    process.env.TOPIC_PREFIX = `${uniqueName('target_cli')}.`;
    process.env.KAFKA_BROKERS = e.kafkaBrokers.join(',');
    process.env.SCHEMA_REGISTRY_URL = e.schemaRegistryUrl;
  });

  afterAll(async () => {
    await healctl('target', 'down', ...opts());
    rmSync(work, { recursive: true, force: true });
  });

  it('refuses a bad catalogue at start-up, naming every bad field, and starts nothing', async () => {
    const bad = join(work, 'bad.yaml');
    writeFileSync(
      bad,
      readFileSync(catalogue, 'utf8')
        .replace('      build: [npm, run, build]\n', '')
        .replace('    language: typescript\n', '    language: typescript\n    colour: blue\n'),
    );
    const r = await healctl('target', 'up', '--catalogue', bad, '--state-dir', join(work, 'never'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('services.checkout.commands.build: missing');
    expect(r.err).toContain('services.checkout.colour: unknown field');
  });

  it('up deploys the default branch; deploy --canary, status, traffic, rollback; a bad deploy changes nothing', async () => {
    const up = await healctl('target', 'up', ...opts(), '--json');
    expect(up.code, up.err).toBe(0);
    expect(JSON.parse(up.out).deployed.commit).toBe(repo.commits.b);

    const canary = await healctl('target', 'deploy', repo.commits.a, '--canary', '10', ...opts());
    expect(canary.code, canary.err).toBe(0);
    const status = JSON.parse(
      (await healctl('target', 'status', ...opts(), '--json')).out,
    ) as TargetStatus & {
      shipped: Record<string, number> | null;
    };
    expect(status.state.stable?.commit).toBe(repo.commits.b);
    expect(status.state.canary?.commit).toBe(repo.commits.a);
    expect(status.state.canaryShare).toBe(10);
    expect(status.shipped).not.toBeNull();

    const traffic = await healctl(
      'target',
      'traffic',
      '--rate',
      '40',
      '--scenarios',
      '80',
      '--seed',
      '3',
      ...opts(),
      '--json',
    );
    expect(traffic.code, traffic.err).toBe(0);
    const report = JSON.parse(traffic.out) as { unexpected: number; failed: number; scenarios: number };
    expect(report).toMatchObject({ unexpected: 0, failed: 0, scenarios: 80 });

    expect((await healctl('target', 'shift', '50', ...opts())).code).toBe(0);
    const shifted = JSON.parse((await healctl('target', 'status', ...opts(), '--json')).out) as TargetStatus;
    expect(shifted.state.canaryShare).toBe(50);
    const weights = Object.fromEntries(shifted.servers.map((s) => [s.server, s.weight]));
    expect(weights).toMatchObject({ a1: 50, a2: 50, b1: 50, b2: 50 });

    expect((await healctl('target', 'rollback', ...opts())).code).toBe(0);
    const broken = await healctl('target', 'deploy', 'broken', ...opts());
    expect(broken.code).toBe(1);
    expect(broken.err).toContain('deploy failed at build');
    expect(broken.err).toContain('the version that served before still serves');
    const after = JSON.parse((await healctl('target', 'status', ...opts(), '--json')).out) as TargetStatus;
    expect(after.state.stable?.commit).toBe(repo.commits.b);
    expect(after.state.canary).toBeNull();
    expect(after.servers.filter((s) => s.server.startsWith('a')).every((s) => s.status === 'UP')).toBe(true);
  });
});
