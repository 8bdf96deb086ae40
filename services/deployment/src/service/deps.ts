import type { Collection, Db } from 'mongodb';
import type { HandlerName } from '@self-healing/schemas';
import type { Beat } from '@self-healing/shared';
import type { Catalogue, ServiceEntry } from '@self-healing/shared/catalogue';
import { GiteaForge, type Forge, type RepoRef } from '@self-healing/shared/forge';
import { RepoCache, remoteFor, type ForgeAccess, type GitRepo } from '@self-healing/diagnosis';
import type { DeploymentCase, StepRecord } from './case.js';
import { TargetClient } from '../rollout/target.js';

export interface DeploymentSettings {
  catalogue: Catalogue | null;
  repoCacheDir: string;
  workDir: string;
  targetHome: string;
  forge: ForgeAccess | null;
  environment: string;
  approvalTimeoutMs: number;
  ciTimeoutMs: number;
  ciPollMs: number;
  reviewPollMs: number;
  testTimeoutMs: number;
  maxDiskMb: number;
  canaryMaxWaitFactor: number;
  /** The clock the policy's hours and the canary's windows are read from (tests move it). */
  now?: () => number;
}

export type DeploymentBeat<H extends HandlerName<'deployment.deploy'>> = Beat<
  'deployment.deploy',
  H,
  DeploymentDeps
>;

/** The status context the platform's CI posts, and the branch protection requires. */
export const CI_CONTEXT = 'ci/validation';

/**
 * What the deployment beats share: the case file (`deployment_cases`, one per run, each field written once), the
 * canary steps (`deployment_steps`, one document per step, insert-to-win), the repository mirrors, the forge and the
 * service's target (its deployer agent).
 */
export class DeploymentDeps {
  readonly cases: Collection<DeploymentCase>;
  readonly steps: Collection<StepRecord>;
  readonly repos: RepoCache;

  constructor(
    readonly db: Db,
    readonly settings: DeploymentSettings,
  ) {
    this.cases = db.collection<DeploymentCase>('deployment_cases');
    this.steps = db.collection<StepRecord>('deployment_steps');
    this.repos = new RepoCache(settings.repoCacheDir);
  }

  now(): number {
    return (this.settings.now ?? Date.now)();
  }

  async caseOf(runId: string): Promise<DeploymentCase> {
    const c = await this.cases.findOne({ _id: runId });
    if (!c) throw new Error(`no case file for deployment run ${runId}`);
    return c;
  }

  /** Records one step's result unless an earlier attempt already did (the first write wins). */
  async record<K extends keyof DeploymentCase>(
    runId: string,
    key: K,
    value: DeploymentCase[K],
  ): Promise<DeploymentCase> {
    await this.cases.updateOne(
      { _id: runId, [key]: { $exists: false } } as never,
      { $set: { [key]: value } } as never,
    );
    return this.caseOf(runId);
  }

  /** `record` for a field inside one (`rebases.2`, `rebases.2.ci`): the first write wins there too. */
  async recordAt(runId: string, path: string, value: unknown): Promise<DeploymentCase> {
    await this.cases.updateOne(
      { _id: runId, [path]: { $exists: false } } as never,
      { $set: { [path]: value } } as never,
    );
    return this.caseOf(runId);
  }

  service(name: string): ServiceEntry | null {
    return this.settings.catalogue?.services[name] ?? null;
  }

  /** The forge the service's repository lives on; the platform holds a token only for its own forge. */
  forge(): Forge {
    const f = this.settings.forge;
    if (!f) throw new Error('no forge configured (FORGE_URL, FORGE_TOKEN): a fix cannot be proposed');
    return new GiteaForge({ url: f.url, token: f.token });
  }

  /** owner/name of a repository URL on the configured forge; null for a repository elsewhere. */
  repoRef(url: string): RepoRef | null {
    const f = this.settings.forge;
    if (!f) return null;
    const base = f.url.replace(/\/+$/, '') + '/';
    if (!url.startsWith(base)) return null;
    const m = /^([A-Za-z0-9._-]+)\/([A-Za-z0-9._-]+?)(\.git)?\/?$/.exec(url.slice(base.length));
    return m ? { owner: m[1]!, name: m[2]! } : null;
  }

  async mirror(c: DeploymentCase, commit?: string): Promise<GitRepo> {
    if (!c.loaded) throw new Error(`deployment run ${c._id} has not loaded its fix`);
    return this.repos.open(remoteFor(c.loaded.repository, this.settings.forge), commit);
  }

  target(service: string): TargetClient {
    return new TargetClient(this.settings.targetHome, service);
  }
}
