import { randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Collection, Db } from 'mongodb';
import type { HandlerName } from '@self-healing/schemas';
import type { Beat } from '@self-healing/shared';
import {
  RepoCache,
  remoteFor,
  type ForgeAccess,
  type GitRepo,
  type RemoteAccess,
} from '@self-healing/diagnosis';
import type { IssueView, RemedyView } from '../strategies/types.js';
import type { PatchLimits } from '../patch/policy.js';
import type { SyntaxCheck } from '../patch/typecheck.js';
import { WorkTree } from '../workspace/scratch.js';

export interface FixSettings {
  repoCacheDir: string;
  workDir: string;
  forge: ForgeAccess | null;
  maxRemedies: number;
  /** Rounds (candidate fixes) per incident; see MAX_ATTEMPTS. */
  maxAttempts: number;
  limits: PatchLimits;
  typecheck: boolean;
}

export interface StoredCandidate {
  strategy: string;
  strategyVersion: string;
  remedyId: string;
  remedyKind: string;
  fit: number;
  score: number;
  rationale: string;
  files: Array<{ path: string; text: string | null }>;
  linesAdded: number;
  linesRemoved: number;
  /** Why it was not chosen (policy, syntax), when it was dropped. */
  dropped: string | null;
}

export interface StoredFiles {
  files: Array<{ path: string; text: string }>;
  rationale: string;
}

/**
 * The case file of one fix-generation run (`fix_cases`, keyed by run): written once by the first beat
 * (insert-to-win) and completed beat by beat by the run's one runner. Later beats read what earlier ones decided, so
 * a re-run beat (after a crash) gives the same event.
 */
export interface FixCase {
  _id: string;
  incidentId: string;
  diagnosisId: string;
  requestedIds: string[];
  /** Which candidate of the incident this run proposes (its round); 1 when absent (before rounds existed). */
  attempt?: number;
  /** Why the previous candidate did not do, when this run is the next one. */
  after?: string | null;
  loaded?: {
    repository: string;
    baseCommit: string;
    remedies: RemedyView[];
    issues: Record<string, IssueView>;
    /** Remedy id -> issue id. */
    issueOf: Record<string, string>;
    rootCause: string;
  };
  candidates?: StoredCandidate[];
  chosen?: number | null;
  test?: (StoredFiles & { testNames: string[]; framework: string }) | { skippedReason: string };
  docs?: StoredFiles;
  patch?: {
    patchId: string;
    diff: string;
    title: string;
    description: string;
  };
  syntax?: SyntaxCheck[];
}

export type FixBeat<H extends HandlerName<'fix.generate'>> = Beat<'fix.generate', H, FixDeps>;

export class FixDeps {
  readonly cases: Collection<FixCase>;
  readonly repos: RepoCache;
  /** Names this process's worktrees apart from another instance's (see `tree`). */
  private readonly instance = randomBytes(4).toString('hex');

  constructor(
    readonly db: Db,
    readonly settings: FixSettings,
  ) {
    this.cases = db.collection<FixCase>('fix_cases');
    this.repos = new RepoCache(settings.repoCacheDir);
  }

  async caseOf(runId: string): Promise<FixCase> {
    const c = await this.cases.findOne({ _id: runId });
    if (!c) throw new Error(`no case file for fix run ${runId}`);
    return c;
  }

  remoteOf(url: string): RemoteAccess {
    return remoteFor(url, this.settings.forge);
  }

  async repo(c: FixCase): Promise<GitRepo> {
    if (!c.loaded) throw new Error(`fix run ${c._id} has not loaded its diagnosis`);
    return this.repos.open(this.remoteOf(c.loaded.repository), c.loaded.baseCommit);
  }

  /**
   * Removes the run's worktrees (and git's records of them) once its last beat that reads them has committed: a
   * long-running service would otherwise keep three checkouts per incident. Best effort: a leftover is removed by
   * the next `git worktree prune` of the same mirror.
   */
  async cleanUp(runId: string): Promise<void> {
    const trees = join(this.settings.workDir, 'trees');
    const prefix = `${safeName(runId)}-`;
    for (const name of await readdir(trees).catch(() => [] as string[]))
      if (name.startsWith(prefix)) await rm(join(trees, name), { recursive: true, force: true });
    const c = await this.cases.findOne({ _id: runId });
    if (c?.loaded) await (await this.repo(c)).git(['worktree', 'prune']).catch(() => undefined);
  }

  /**
   * A worktree of the run for one purpose (`strategies`, `patch`), fresh at the base commit, in a folder of this
   * process's own: a beat that outlived its consumer's rebalance (a zombie) may still be writing in its folder
   * while the partition's new owner, another instance on the same machine, runs the same beat, and neither may
   * remove or change the other's files. Within one process, the folder of a purpose is made again at each call.
   */
  async tree(c: FixCase, purpose: string): Promise<WorkTree> {
    const repo = await this.repo(c);
    const safe = safeName(c._id);
    return WorkTree.create(
      repo,
      c.loaded!.baseCommit,
      join(this.settings.workDir, 'trees', `${safe}-${purpose}-${this.instance}`),
    );
  }
}

/** A run id as a folder name (the prefix of its worktrees). */
const safeName = (runId: string) => runId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80);
