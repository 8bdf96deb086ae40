import { createHash } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Collection, Db } from 'mongodb';
import type { HandlerName } from '@self-healing/schemas';
import type { Beat } from '@self-healing/shared';
import type { Catalogue, ServiceEntry } from '@self-healing/shared/catalogue';
import { RepoCache, remoteFor, type ForgeAccess, type GitRepo } from '@self-healing/diagnosis';
import type { ValidationCase } from './case.js';

export interface ValidationSettings {
  catalogue: Catalogue | null;
  repoCacheDir: string;
  workDir: string;
  forge: ForgeAccess | null;
  testTimeoutMs: number;
  maxDiskMb: number;
  reruns: number;
  coverageThreshold: number;
  /**
   * Whether a patch that gives back the production code of the last good deployment may stand without a regression
   * test and with its lines under the coverage threshold (see workspace/restores.ts).
   */
  acceptRestoredCode: boolean;
  perfSamples: number;
  perfMaxSlowdown: number;
}

export type ValidationBeat<H extends HandlerName<'validation.run'>> = Beat<
  'validation.run',
  H,
  ValidationDeps
>;

/**
 * What the validation beats share: the case file (`validation_cases`, keyed by run, written insert-to-win by the
 * first beat and then by the run's one runner), the repository mirrors and the run's folder. Every beat records what
 * it measured in the case file before it emits, so a beat re-run after a crash repeats its event, not its work.
 */
export class ValidationDeps {
  readonly cases: Collection<ValidationCase>;
  readonly repos: RepoCache;

  constructor(
    readonly db: Db,
    readonly settings: ValidationSettings,
  ) {
    this.cases = db.collection<ValidationCase>('validation_cases');
    this.repos = new RepoCache(settings.repoCacheDir);
  }

  async caseOf(runId: string): Promise<ValidationCase> {
    const c = await this.cases.findOne({ _id: runId });
    if (!c) throw new Error(`no case file for validation run ${runId}`);
    return c;
  }

  /** Records one step's result unless an earlier attempt already did (the first write wins). */
  async record<K extends keyof ValidationCase>(
    runId: string,
    key: K,
    value: ValidationCase[K],
  ): Promise<ValidationCase> {
    await this.cases.updateOne(
      { _id: runId, [key]: { $exists: false } } as never,
      { $set: { [key]: value } } as never,
    );
    return this.caseOf(runId);
  }

  service(name: string | null): ServiceEntry | null {
    return name ? (this.settings.catalogue?.services[name] ?? null) : null;
  }

  async repo(c: ValidationCase): Promise<GitRepo> {
    if (!c.patch) throw new Error(`validation run ${c._id} has not loaded its patch`);
    return this.repos.open(remoteFor(c.patch.repository, this.settings.forge), c.patch.baseCommit);
  }

  /** The run's folder: its two worktrees and whatever the sandboxed code writes. */
  runDir(runId: string): string {
    return join(this.settings.workDir, 'runs', safeName(runId));
  }

  /**
   * The run's control folder: the replay driver and its configuration, written by the platform where the sandbox
   * cannot write (a file the sandbox could replace by a symlink would have root write through it).
   */
  controlDir(runId: string): string {
    return join(this.settings.workDir, 'control', safeName(runId));
  }

  depsDir(): string {
    return join(this.settings.workDir, 'deps');
  }

  npmCacheDir(): string {
    return join(this.settings.workDir, 'npm-cache');
  }

  /**
   * Removes the run's folder once the verdict is stored (a long-running service would otherwise keep two checkouts
   * and their builds per incident). Best effort: git's records of the worktrees go with the next prune.
   */
  async cleanUp(runId: string): Promise<void> {
    await rm(this.runDir(runId), { recursive: true, force: true });
    await rm(this.controlDir(runId), { recursive: true, force: true });
    const c = await this.cases.findOne({ _id: runId });
    if (c?.patch) await (await this.repo(c)).git(['worktree', 'prune']).catch(() => undefined);
  }
}

/**
 * Removes what runs that never reached their verdict left (a run that failed for good, or a crash between the
 * verdict and its clean-up): run and control folders untouched for `maxAgeMs`, and unfinished installs. Called
 * when a run starts; best effort.
 */
export async function sweep(workDir: string, maxAgeMs: number, now = Date.now()): Promise<string[]> {
  const removed: string[] = [];
  for (const [folder, isLeft] of [
    ['runs', () => true],
    ['control', () => true],
    ['deps', (name: string) => name.endsWith('.tmp')],
  ] as const) {
    const dir = join(workDir, folder);
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      if (!isLeft(name)) continue;
      const at = join(dir, name);
      const age =
        now -
        (await stat(at).then(
          (s) => s.mtimeMs,
          () => now,
        ));
      if (age < maxAgeMs) continue;
      await rm(at, { recursive: true, force: true }).catch(() => undefined);
      removed.push(`${folder}/${name}`);
    }
  }
  return removed;
}

/**
 * A run id as a folder name: readable, and unique by its hash (an id may be `..`, or two may share a prefix; the
 * folder is handed to the sandbox and removed whole, so it must be the run's own).
 */
export const safeName = (runId: string) =>
  `${runId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40)}-${createHash('sha256').update(runId).digest('hex').slice(0, 12)}`;
