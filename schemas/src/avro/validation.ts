import { arrayOf, enumeration, optional, record } from './dsl.js';
import {
  CoverageSummary,
  DocumentRef,
  MetricComparison,
  Reason,
  Trigger,
  failedPayload,
  payload,
  rejectedPayload,
} from './common.js';

/** validation.run: a patch in, a verdict out (tests, coverage, performance, docs). Keyed by incident. */
export const NS = 'selfhealing.validation';

export const ValidationCheck = enumeration(NS, 'ValidationCheck', 'The checks a validation can run.', [
  'tests',
  'coverage',
  'performance',
  'documentation',
]);

export const Verdict = enumeration(NS, 'Verdict', 'Outcome of a validation.', [
  'passed',
  'failed',
  'inconclusive',
]);

export const TestFailure = record(NS, 'TestFailure', 'One failing test.', [
  { name: 'name', type: 'string', doc: 'Full test name (suite > test).' },
  optional('file', 'string', 'Test file.'),
  { name: 'message', type: 'string', doc: 'First lines of the assertion message, at most 2 KiB.' },
]);

export const DocProblem = record(NS, 'DocProblem', 'A documentation problem.', [
  { name: 'file', type: 'string' },
  optional('line', 'int', 'One-based.'),
  { name: 'rule', type: 'string', doc: 'e.g. broken-link, stale-example, missing-changelog.' },
  { name: 'message', type: 'string' },
]);

export const CheckOutcome = record(NS, 'CheckOutcome', 'The result of one check.', [
  { name: 'check', type: ValidationCheck },
  { name: 'verdict', type: Verdict },
  { name: 'summary', type: 'string' },
]);

export const PerformanceMethod = enumeration(NS, 'PerformanceMethod', 'How performance was verified.', [
  'replay',
  'benchmark',
  'not_applicable',
]);

export const validationRunPayloads = {
  ValidationRequested: payload(NS, 'ValidationRequested', 'Validation of a patch was accepted.', [
    { name: 'validationId', type: 'string', doc: 'Deterministic (patch, checks).' },
    { name: 'patchId', type: 'string' },
    { name: 'checks', type: arrayOf(ValidationCheck) },
    { name: 'trigger', type: Trigger },
    { name: 'requestedBy', type: 'string' },
  ]),
  PatchLoaded: payload(NS, 'PatchLoaded', 'The patch was loaded and its hash verified.', [
    { name: 'patchId', type: 'string' },
    { name: 'baseCommit', type: 'string' },
    { name: 'filesChanged', type: 'int' },
    { name: 'diffSha256', type: 'string' },
  ]),
  PatchApplied: payload(NS, 'PatchApplied', 'The patch was applied to a clean checkout of the base commit.', [
    { name: 'workspace', type: 'string', doc: "Working-tree id (not a path on someone's machine)." },
    { name: 'baseCommit', type: 'string' },
    { name: 'clean', type: 'boolean', doc: 'Applied without conflicts or fuzz.' },
    { name: 'conflicts', type: arrayOf('string'), doc: 'Files that did not apply.' },
    optional('headCommit', 'string', 'Local commit holding the applied patch; null when it did not apply.'),
  ]),
  TestsExecuted: payload(NS, 'TestsExecuted', "The project's test suite ran on the patched tree.", [
    { name: 'command', type: 'string' },
    { name: 'exitCode', type: 'int' },
    { name: 'passed', type: 'long' },
    { name: 'failed', type: 'long' },
    { name: 'skipped', type: 'long' },
    { name: 'durationMs', type: 'long' },
    { name: 'failures', type: arrayOf(TestFailure), doc: 'At most 50.' },
    optional('report', DocumentRef, 'Full report.'),
  ]),
  CoverageChecked: payload(
    NS,
    'CoverageChecked',
    'Coverage of the patched tree and of the changed lines was measured.',
    [
      optional('before', CoverageSummary, 'Coverage at the base commit, when known.'),
      { name: 'after', type: CoverageSummary },
      { name: 'changedLines', type: 'long' },
      { name: 'changedLinesCovered', type: 'long' },
      { name: 'threshold', type: 'double', doc: 'Minimum share of changed lines covered.' },
      { name: 'passed', type: 'boolean' },
    ],
  ),
  PerformanceVerified: payload(
    NS,
    'PerformanceVerified',
    "The incident's metrics were measured on the patched build.",
    [
      { name: 'method', type: PerformanceMethod },
      { name: 'comparisons', type: arrayOf(MetricComparison) },
      { name: 'regressions', type: 'int' },
      { name: 'passed', type: 'boolean' },
    ],
  ),
  DocumentationValidated: payload(NS, 'DocumentationValidated', 'Changed documentation was checked.', [
    { name: 'filesChecked', type: 'int' },
    { name: 'problems', type: arrayOf(DocProblem), doc: 'At most 50.' },
    { name: 'passed', type: 'boolean' },
  ]),
  ValidationResultsAggregated: payload(
    NS,
    'ValidationResultsAggregated',
    'Check results were combined into one verdict.',
    [
      { name: 'verdict', type: Verdict },
      { name: 'checks', type: arrayOf(CheckOutcome) },
      { name: 'reasons', type: arrayOf(Reason), doc: 'Why the verdict is not passed; empty when it is.' },
    ],
  ),
  ValidationResultsStored: payload(NS, 'ValidationResultsStored', 'The validation was written to MongoDB.', [
    { name: 'validationId', type: 'string' },
    { name: 'document', type: DocumentRef },
  ]),
  ValidationCompleted: payload(NS, 'ValidationCompleted', 'The validation is complete.', [
    { name: 'validationId', type: 'string' },
    { name: 'patchId', type: 'string' },
    { name: 'verdict', type: Verdict },
    { name: 'checks', type: arrayOf(CheckOutcome) },
    optional('headCommit', 'string', 'Commit that was validated.'),
    { name: 'document', type: DocumentRef },
  ]),
  ValidationRejected: rejectedPayload(NS, 'ValidationRejected', 'validation.run'),
  ValidationFailed: failedPayload(NS, 'ValidationFailed', 'validation.run'),
} as const;
