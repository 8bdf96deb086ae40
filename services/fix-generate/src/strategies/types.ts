/**
 * The contract every fix strategy implements. A strategy turns one remedy of a diagnosis into zero or more candidate
 * changes of the repository at the base commit; the stage ranks the candidates, adds a regression test and docs to
 * each, and checks them (services/fix-generate/src/beats). Strategies never run the repository's code.
 */

/** One evidence line of a diagnosis (services/diagnosis: ScoredLine), best first. */
export interface EvidenceLine {
  path: string;
  line: number;
  score: number;
  why: string;
  symbol?: string;
}

export interface SuspectCommit {
  sha: string;
  score: number;
  subject: string;
}

/** The issue a remedy is for, as the `diagnoses` document stores it. */
export interface IssueView {
  id: string;
  kind: 'error' | 'performance' | 'behavioral' | 'coverage';
  title: string;
  hypothesis: string;
  confidence: number;
  lines: EvidenceLine[];
  suspects: SuspectCommit[];
  /** Diagnosis evidence; for errors `errorTemplate` is the mined error message (untrusted text). */
  evidence: Record<string, string | number | boolean | null>;
  /** The innermost in-repository stack frame, for errors with a stack. */
  innermostFrame?: { path: string; line: number };
  /** True when the suspects come from the commits between the last good and the first bad deployment. */
  bounded: boolean;
}

/** Remedy kinds the diagnosis proposes: defined by the diagnosis, which ranks them. */
export type { RemedyKind } from '@self-healing/diagnosis';
import type { RemedyKind } from '@self-healing/diagnosis';

export interface RemedyView {
  id: string;
  kind: RemedyKind;
  summary: string;
  confidence: number;
  targets: Array<{ file: string; line: number | null; symbol: string | null }>;
}

/**
 * A throw-away git worktree of the repository at the base commit, for strategies that let git do the work (a
 * revert, a three-way re-application of hunks). Paths are repository-relative; `read` refuses anything outside.
 */
export interface Scratch {
  readonly dir: string;
  readonly baseCommit: string;
  /** Runs git in the worktree (arguments as a list, never through a shell). */
  git(args: string[]): Promise<string>;
  read(path: string): Promise<string | undefined>;
  /** Files that differ from the base commit now: path -> new text (null: deleted). */
  changes(): Promise<Map<string, string | null>>;
  /** Back to the base commit, nothing staged, no untracked files. */
  reset(): Promise<void>;
}

/** The repository at the base commit, read-only. */
export interface RepoView {
  readonly baseCommit: string;
  readonly files: ReadonlySet<string>;
  read(path: string): Promise<string | undefined>;
  /** `git show -U0` of one commit against its first parent (whitespace ignored). */
  commitDiff(sha: string): Promise<string>;
  /** Commits reachable from the base commit whose subject or body matches (for mining past fixes), newest first. */
  log(limit: number): Promise<Array<{ sha: string; subject: string; time: number }>>;
}

export interface FixInput {
  repo: RepoView;
  issue: IssueView;
  remedy: RemedyView;
  /** A fresh worktree at the base commit (reset before each use). */
  scratch: () => Promise<Scratch>;
}

/** One candidate change: new full texts per file (null deletes the file). */
export interface CandidateChange {
  strategy: string;
  strategyVersion: string;
  remedyId: string;
  /** path -> new text */
  files: Map<string, string | null>;
  /** One or two sentences for the pull request: what the change does and why, from the evidence. */
  rationale: string;
  /**
   * How plausible the strategy finds its own candidate, in (0, 1]: e.g. a guard placed exactly at the failing
   * access scores higher than one at a line of the same function. The stage multiplies it with the diagnosis'
   * confidence, the remedy's success rate and a size penalty.
   */
  fit: number;
}

export interface FixStrategy {
  readonly name: string;
  readonly version: string;
  /** The remedy kinds this strategy implements. */
  readonly remedies: readonly RemedyKind[];
  generate(input: FixInput): Promise<CandidateChange[]>;
}
