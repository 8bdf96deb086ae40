import type { PayloadOf } from '@self-healing/schemas';

export type Check = 'tests' | 'coverage' | 'performance' | 'documentation';
export type Verdict = 'passed' | 'failed' | 'inconclusive';
export type Reason = { code: string; message: string; field: string | null };
export type CheckOutcome = { check: Check; verdict: Verdict; summary: string };

/** One command run in the sandbox, as the case file keeps it: enough to explain a verdict, never the full output. */
export interface StepRun {
  step: string;
  argv: string[];
  exitCode: number | null;
  killedFor: string | null;
  durationMs: number;
  /** The last lines of its output (at most 4 KiB). */
  tail: string;
  /** What the sandbox enforced on this machine, e.g. `user nobody, own pid+net namespaces, memory cgroup, ...`. */
  sandbox?: string;
}

export interface TestFailureRecord {
  name: string;
  file: string | null;
  message: string;
}

/** What one check concluded, with the evidence people read in `healctl incidents show`. */
export interface CheckRecord {
  verdict: Verdict;
  summary: string;
  reasons: Reason[];
}

export interface TestsRecord extends CheckRecord {
  steps: StepRun[];
  command: string;
  exitCode: number;
  durationMs: number;
  /** On the patched tree (last run). */
  passed: number;
  failed: number;
  skipped: number;
  failures: TestFailureRecord[];
  regression: { verdict: Verdict | 'rejected'; reason: string; tests: string[] };
  broken: string[];
  fixed: string[];
  flaky: string[];
  newTests: string[];
  runs: number;
  /** Per-test results known (a node:test suite); false: only exit codes counted. */
  perTest: boolean;
  /** Folders (relative to the run's folder) holding the V8 coverage of the last run on each side. */
  coverageDirs: { base: string | null; patched: string | null };
  /**
   * The folder (relative to the run's folder) holding the two trees the tests ran in, which later beats measure:
   * each attempt of the beat builds its own, so a stalled attempt still running elsewhere (a consumer that lost its
   * partition mid-beat) cannot replace the trees under the attempt that records the result. Absent: the run's folder.
   */
  trees?: string;
}

export interface CoverageRecord extends CheckRecord {
  before: { lines: number; branches: number | null } | null;
  after: { lines: number; branches: number | null } | null;
  changedLines: number;
  changedLinesCovered: number;
  changedBranches: { covered: number; total: number } | null;
  uncovered: Array<{ file: string; lines: number[] }>;
  threshold: number;
}

export interface PerformanceRecord extends CheckRecord {
  method: 'replay' | 'benchmark' | 'not_applicable';
  comparisons: PayloadOf<'PerformanceVerified'>['comparisons'];
  details: Array<Record<string, unknown>>;
  regressions: number;
}

export interface DocsRecord extends CheckRecord {
  filesChecked: number;
  problems: Array<{ file: string; line: number | null; rule: string; message: string }>;
}

/**
 * The case file of one validation run (`validation_cases`, keyed by run). Written once by the first beat
 * (insert-to-win), then completed beat by beat by the run's one runner; every measurement is kept, so a beat re-run
 * after a crash emits the same event without running the application again.
 */
export interface ValidationCase {
  _id: string;
  incidentId: string;
  patchId: string;
  validationId: string;
  checks: Check[];
  patch?: {
    repository: string;
    baseCommit: string;
    diff: string;
    diffSha256: string;
    diagnosisId: string | null;
    service: string | null;
    files: string[];
    testFiles: string[];
    testNames: string[];
    /** Existing test files whose lines the patch removes or changes (see workspace/patch.ts rewrittenTests). */
    rewrittenTests: string[];
    /** Why the patch cannot be validated (hash mismatch, paths outside the repository...); null when it can. */
    problem: Reason | null;
    /** The commit that served production before the release the incident began with (the diagnosis' good one). */
    goodCommit?: string | null;
  };
  applied?: {
    clean: boolean;
    conflicts: string[];
    /** The patched tree's commit: the one validated. */
    headCommit: string | null;
    /** The base tree's commit (the base commit, plus the patch's tests when it has any). */
    baseHead: string | null;
    problem: Reason | null;
    /**
     * When the patch's production files, patched, are exactly what they were at the good commit: that commit and
     * those files (see workspace/restores.ts). Null otherwise, or when the policy does not count it.
     */
    restores?: { commit: string; files: string[] } | null;
  };
  tests?: TestsRecord;
  coverage?: CoverageRecord;
  performance?: PerformanceRecord;
  docs?: DocsRecord;
  verdict?: { verdict: Verdict; checks: CheckOutcome[]; reasons: Reason[] };
}

/** The stored validation (`validations`, keyed by validation id): what `healctl incidents show` and other teams read. */
export interface ValidationDocument {
  validationId: string;
  incidentId: string;
  patchId: string;
  runId: string;
  repository: string | null;
  baseCommit: string | null;
  headCommit: string | null;
  service: string | null;
  verdict: Verdict;
  checks: CheckOutcome[];
  reasons: Reason[];
  applied: ValidationCase['applied'] | null;
  tests: TestsRecord | null;
  coverage: CoverageRecord | null;
  performance: PerformanceRecord | null;
  documentation: DocsRecord | null;
}
