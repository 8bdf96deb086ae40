import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogue, type ServiceEntry } from '@self-healing/shared/catalogue';
import {
  Deployer,
  DeployError,
  materializeAppRepo,
  type AppRepo,
  type DeploymentRecord,
} from '@self-healing/target';
import { waitFor } from './src/endpoints.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const appDir = join(root, 'services', 'sample-service', 'app');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Requests through the load balancer until stopped: every status and the slot that answered. */
function keepRequesting(url: string, concurrency = 4) {
  const results: Array<{ status: number; server: string }> = [];
  let running = true;
  const loops = Array.from({ length: concurrency }, async () => {
    while (running) {
      try {
        const res = await fetch(`${url}/products?limit=2`);
        await res.arrayBuffer();
        results.push({ status: res.status, server: res.headers.get('x-target-server') ?? '' });
      } catch (error) {
        results.push({ status: 0, server: String(error) });
      }
    }
  });
  return {
    results,
    async stop() {
      running = false;
      await Promise.all(loops);
      return results;
    },
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function served(url: string, n: number): Promise<Array<{ status: number; server: string }>> {
  const out = [];
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${url}/products?limit=1`);
    await res.arrayBuffer();
    out.push({ status: res.status, server: res.headers.get('x-target-server') ?? '' });
  }
  return out;
}

// Each test builds the sample service (npm ci, tsc) on a shared 2-core machine: a generous budget.
describe('deployer: the sample service as real processes behind HAProxy', { timeout: 300_000 }, () => {
  let work: string;
  let repo: AppRepo;
  let entry: ServiceEntry;
  let deployer: Deployer;
  const records: DeploymentRecord[] = [];
  const options = () => ({
    service: 'checkout',
    entry,
    stateDir: join(work, 'target'),
    cacheDir: join(work, 'cache'),
    recorder: { record: async (r: DeploymentRecord) => void records.push(r) },
  });

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'target-int-'));
    repo = materializeAppRepo(appDir, join(work, 'repo'));
    const example = loadCatalogue(join(root, 'services', 'target', 'catalogue', 'sample.yaml')).services
      .checkout!;
    entry = {
      ...example,
      repository: { ...example.repository, url: repo.url },
      deployer: { ...example.deployer, frontendPort: await freePort(), healthTimeoutMs: 8000 },
    };
    deployer = await Deployer.open(options());
  });

  afterAll(async () => {
    await deployer?.down();
    rmSync(work, { recursive: true, force: true });
  });

  it('deploys version A: two instances serve through the load balancer', async () => {
    const a = await deployer.deploy(repo.commits.a);
    expect(a.commit).toBe(repo.commits.a);
    const answers = await served(deployer.frontendUrl, 20);
    expect(answers.every((r) => r.status === 200)).toBe(true);
    expect(new Set(answers.map((r) => r.server))).toEqual(new Set(['a1', 'a2']));
    expect(records.at(-1)).toMatchObject({ action: 'deploy', outcome: 'succeeded', commit: repo.commits.a });
  });

  it('shifts 10 % to version B, then rolls back to A without a failed request', async () => {
    await deployer.deploy(repo.commits.b, { canaryPercent: 10 });
    const answers = await served(deployer.frontendUrl, 200);
    expect(answers.every((r) => r.status === 200)).toBe(true);
    const toB = answers.filter((r) => r.server.startsWith('b')).length;
    // Round robin by weight: 10 % of 200 exactly, give or take the servers' turn order.
    expect(toB).toBeGreaterThanOrEqual(16);
    expect(toB).toBeLessThanOrEqual(24);

    const load = keepRequesting(deployer.frontendUrl);
    await waitFor(() => load.results.length > 50);
    await deployer.rollback();
    const during = load.results.length;
    await waitFor(() => load.results.length > during + 50);
    const results = await load.stop();
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    expect(results.slice(during + 10).every((r) => r.server.startsWith('a'))).toBe(true);
    expect(deployer.current().canary).toBeNull();
    expect(records.at(-1)).toMatchObject({
      action: 'rollback',
      commit: repo.commits.a,
      previousCommit: repo.commits.b,
    });
  });

  it('promotes B under load without a failed request, and stops A', async () => {
    await deployer.deploy(repo.commits.b, { canaryPercent: 10 });
    const load = keepRequesting(deployer.frontendUrl);
    await waitFor(() => load.results.length > 50);
    await deployer.promote();
    const during = load.results.length;
    await waitFor(() => load.results.length > during + 50);
    const results = await load.stop();
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    expect(results.slice(during + 10).every((r) => r.server.startsWith('b'))).toBe(true);
    const state = deployer.current();
    expect(state.stable?.commit).toBe(repo.commits.b);
    expect(state.canary).toBeNull();
    expect(records.at(-1)).toMatchObject({ action: 'promote', commit: repo.commits.b, trafficPercent: 100 });
  });

  it('restarts a crashed instance', async () => {
    const before = deployer.current().stable!.instances[0]!;
    process.kill(before.pid!, 'SIGKILL');
    const after = await waitFor(
      () => {
        const inst = deployer.current().stable!.instances[0]!;
        return inst.pid !== null && inst.pid !== before.pid ? inst : null;
      },
      { timeoutMs: 15_000 },
    );
    expect(after.restarts).toBeGreaterThanOrEqual(1);
    await waitFor(
      async () => {
        const stat = (await deployer.status()).servers.find((s) => s.server === before.slot);
        return stat?.status === 'UP';
      },
      { timeoutMs: 15_000 },
    );
  });

  it('refuses a commit that does not build; B keeps serving', async () => {
    const error = await deployer.deploy(repo.commits.brokenBuild).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeployError);
    expect((error as DeployError).stage).toBe('build');
    expect((error as DeployError).message).toMatch(/not assignable|TS\d+/);
    const answers = await served(deployer.frontendUrl, 20);
    expect(answers.every((r) => r.status === 200 && r.server.startsWith('b'))).toBe(true);
    expect(records.at(-1)).toMatchObject({ outcome: 'failed', commit: repo.commits.brokenBuild });
  });

  it('refuses a commit that never becomes healthy; B keeps serving, nothing half-switched', async () => {
    const error = await deployer.deploy(repo.commits.neverHealthy).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeployError);
    expect((error as DeployError).stage).toBe('health');
    const answers = await served(deployer.frontendUrl, 20);
    expect(answers.every((r) => r.status === 200 && r.server.startsWith('b'))).toBe(true);
    const { servers, state } = await deployer.status();
    expect(state.canary).toBeNull();
    expect(servers.filter((s) => s.server.startsWith('a')).every((s) => s.status === 'MAINT')).toBe(true);
  });

  it('starts a baseline with the canary: the old code afresh, as much traffic, adopted on restart, stopped with it', async () => {
    await deployer.deploy(repo.commits.a, { canaryPercent: 20, baseline: true });
    const state = deployer.current();
    expect(state.baseline?.commit).toBe(repo.commits.b);
    expect(state.baseline?.dir).toBe(state.stable?.dir);
    expect(state.baseline?.instances.map((i) => i.slot)).toEqual(['c1', 'c2']);
    const answers = await served(deployer.frontendUrl, 200);
    expect(answers.every((r) => r.status === 200)).toBe(true);
    const share = (group: string) => answers.filter((r) => r.server.startsWith(group)).length;
    // Round robin by weight: canary and baseline 20 % each, the warm stable processes the rest.
    for (const group of ['a', 'c']) {
      expect(share(group)).toBeGreaterThanOrEqual(32);
      expect(share(group)).toBeLessThanOrEqual(48);
    }

    deployer.close();
    deployer = await Deployer.open(options());
    const pids = state.baseline!.instances.map((i) => i.pid!);
    expect(deployer.current().baseline?.instances.map((i) => i.pid)).toEqual(pids);

    await deployer.rollback();
    expect(deployer.current().baseline).toBeNull();
    await waitFor(() => pids.every((pid) => !alive(pid)), { timeoutMs: 15_000 });
    const after = await served(deployer.frontendUrl, 20);
    expect(after.every((r) => r.status === 200 && r.server.startsWith('b'))).toBe(true);
    const { servers } = await deployer.status();
    expect(servers.filter((s) => s.server.startsWith('c')).every((s) => s.status === 'MAINT')).toBe(true);
  });

  it('a restarted deployer finds HAProxy and its instances and keeps them', async () => {
    const before = deployer.current();
    deployer.close();
    deployer = await Deployer.open(options());
    const after = deployer.current();
    expect(after.haproxyPid).toBe(before.haproxyPid);
    expect(after.stable?.instances.map((i) => i.pid)).toEqual(before.stable?.instances.map((i) => i.pid));
    const answers = await served(deployer.frontendUrl, 10);
    expect(answers.every((r) => r.status === 200)).toBe(true);
  });

  it('names a repository URL that does not answer', async () => {
    const other = await Deployer.open({
      ...options(),
      entry: {
        ...entry,
        repository: { ...entry.repository, url: 'http://127.0.0.1:9/nobody/nothing.git' },
        deployer: { ...entry.deployer, frontendPort: await freePort() },
      },
      stateDir: join(work, 'other'),
    });
    try {
      const error = await other.deploy('main').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DeployError);
      expect((error as DeployError).stage).toBe('fetch');
      expect((error as Error).message).toContain('http://127.0.0.1:9/nobody/nothing.git did not answer');
    } finally {
      await other.down();
    }
  });
});
