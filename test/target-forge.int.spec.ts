import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GiteaForge, pushToForge, type RepoRef } from '@self-healing/shared/forge';
import { loadCatalogue } from '@self-healing/shared/catalogue';
import { Deployer, materializeAppRepo, type AppRepo } from '@self-healing/target';
import { testForge, uniqueName } from './src/endpoints.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function served(url: string, n: number) {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${url}/healthz`);
    await res.arrayBuffer();
    out.push(res.status);
  }
  return out;
}

// Each test builds the sample service (npm ci, tsc) on a shared 2-core machine: a generous budget.
describe(
  'deployer against the real forge (Gitea): push, deploy, push again, deploy the branch',
  { timeout: 300_000 },
  () => {
    let work: string;
    let repo: AppRepo;
    let forge: GiteaForge;
    let ref: RepoRef;
    let deployer: Deployer;

    beforeAll(async () => {
      const { url, token } = testForge();
      forge = new GiteaForge({ url, token });
      work = mkdtempSync(join(tmpdir(), 'target-forge-'));
      repo = materializeAppRepo(join(root, 'services', 'sample-service', 'app'), join(work, 'repo'));
      ref = { owner: (await forge.currentUser()).login, name: uniqueName('checkout').replace(/_/g, '-') };
      // Public, as the deployer clones without credentials.
      await forge.ensureRepo(ref, { private: false, description: 'sample checkout service (target test)' });
    });

    afterAll(async () => {
      await deployer?.down();
      rmSync(work, { recursive: true, force: true });
    });

    it('deploys what was pushed to the forge, then the next push of the branch', async () => {
      // The working clone of the materialized repository has A..B on main; push A first.
      const workDir = join(work, 'repo', 'work');
      execFileSync('git', ['branch', '--force', 'release', repo.commits.a], { cwd: workDir });
      const pushed = await pushToForge(forge, ref, { dir: workDir, refspecs: ['release:main'] });
      expect(pushed.branches[0]?.sha).toBe(repo.commits.a);
      const cloneUrl = (await forge.getRepo(ref))!.cloneUrl;

      const example = loadCatalogue(join(root, 'services', 'target', 'catalogue', 'sample.yaml')).services
        .checkout!;
      deployer = await Deployer.open({
        service: 'checkout',
        entry: {
          ...example,
          repository: { url: cloneUrl, defaultBranch: 'main' },
          deployer: { ...example.deployer, frontendPort: await freePort(), healthTimeoutMs: 8000 },
        },
        stateDir: join(work, 'target'),
        cacheDir: join(work, 'cache'),
      });
      expect((await deployer.deploy('main')).commit).toBe(repo.commits.a);
      expect((await served(deployer.frontendUrl, 10)).every((s) => s === 200)).toBe(true);

      execFileSync('git', ['branch', '--force', 'release', repo.commits.b], { cwd: workDir });
      await pushToForge(forge, ref, { dir: workDir, refspecs: ['release:main'] });
      expect((await deployer.deploy('main')).commit).toBe(repo.commits.b);
      expect((await served(deployer.frontendUrl, 10)).every((s) => s === 200)).toBe(true);
      expect(deployer.current().stable?.commit).toBe(repo.commits.b);
    });
  },
);
