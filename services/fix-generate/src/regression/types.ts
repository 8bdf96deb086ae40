import type { CandidateChange, IssueView, RepoView } from '../strategies/types.js';

/**
 * The regression test of a candidate fix: in the application's own test framework and style, built from the
 * incident's evidence, meant to fail on the base (faulty) commit and pass with the candidate. Validation runs it
 * both ways; generation only writes it.
 */
export interface RegressionInput {
  /** The repository at the base commit (the faulty code). */
  repo: RepoView;
  issue: IssueView;
  candidate: CandidateChange;
  incidentId: string;
}

export interface RegressionTest {
  /** New or changed test files: path -> full text. */
  files: Map<string, string>;
  /** The names of the tests added, as the framework reports them. */
  testNames: string[];
  /** e.g. node:test, vitest, jest, mocha. */
  framework: string;
  /** What the test does and which evidence it comes from, one or two sentences. */
  rationale: string;
}

export type RegressionOutcome = RegressionTest | { skippedReason: string };
