import { arrayOf, enumeration, mapOf, optional, record } from './dsl.js';
import {
  CodeLocation,
  CoverageSummary,
  DocumentRef,
  EvidenceValue,
  FindingKind,
  Severity,
  TimeRange,
  Trigger,
  failedPayload,
  payload,
  rejectedPayload,
} from './common.js';

/** diagnosis.analyze: an incident's findings plus the codebase in, ranked fix recommendations out. Keyed by incident. */
export const NS = 'selfhealing.diagnosis';

export const Issue = record(NS, 'Issue', 'A probable cause, located in the code where possible.', [
  { name: 'id', type: 'string', doc: 'Deterministic (incident, kind, primary location).' },
  { name: 'kind', type: FindingKind },
  { name: 'title', type: 'string' },
  {
    name: 'hypothesis',
    type: 'string',
    doc: 'The proposed cause, in one or two sentences, with the evidence it rests on.',
  },
  { name: 'confidence', type: 'double', doc: 'In [0, 1].' },
  { name: 'findingIds', type: arrayOf('string'), doc: 'Findings this issue explains.' },
  { name: 'locations', type: arrayOf(CodeLocation), doc: 'Most likely first.' },
  {
    name: 'suspectCommits',
    type: arrayOf('string'),
    doc: 'Commits that touched the locations shortly before `since`.',
  },
  { name: 'evidence', type: mapOf(EvidenceValue) },
]);

const analysisFields = [
  { name: 'issues', type: arrayOf(Issue) },
  { name: 'findingsExamined', type: 'long' },
  { name: 'unexplainedFindingIds', type: arrayOf('string'), doc: 'Findings of this kind no issue explains.' },
] as const;

export const BlastRadius = enumeration(NS, 'BlastRadius', 'How far the problem reaches.', [
  'single_operation',
  'single_service',
  'multiple_services',
]);

export const FixStrategy = enumeration(NS, 'FixStrategy', 'Kind of remedy.', [
  'code_change',
  'config_change',
  'revert_commit',
  'add_test',
  'add_documentation',
  'dependency_change',
  'manual',
]);

export const Risk = enumeration(NS, 'Risk', 'Risk of applying a change.', ['low', 'medium', 'high']);

export const FixRecommendation = record(NS, 'FixRecommendation', 'One proposed remedy for one issue.', [
  { name: 'id', type: 'string', doc: 'Deterministic (issue, strategy, targets).' },
  { name: 'issueId', type: 'string' },
  { name: 'rank', type: 'int', doc: '1 is the best.' },
  { name: 'strategy', type: FixStrategy },
  { name: 'summary', type: 'string' },
  { name: 'rationale', type: 'string' },
  { name: 'targets', type: arrayOf(CodeLocation) },
  { name: 'confidence', type: 'double', doc: 'In [0, 1].' },
  { name: 'risk', type: Risk },
  { name: 'automatable', type: 'boolean', doc: 'fix.generate can produce it without a person.' },
]);

export const diagnosisAnalyzePayloads = {
  DiagnosisRequested: payload(NS, 'DiagnosisRequested', 'A diagnosis of the incident was accepted.', [
    { name: 'incidentId', type: 'string' },
    { name: 'diagnosisId', type: 'string', doc: 'Deterministic (incident, incident version).' },
    { name: 'incidentVersion', type: 'long', doc: 'Version of the incident the diagnosis is about.' },
    { name: 'trigger', type: Trigger },
    { name: 'requestedBy', type: 'string' },
  ]),
  AnomaliesLoaded: payload(NS, 'AnomaliesLoaded', "The incident's findings and history were loaded.", [
    { name: 'findingIds', type: arrayOf('string') },
    { name: 'findingsByKind', type: mapOf('long') },
    { name: 'services', type: arrayOf('string') },
    { name: 'timeRange', type: TimeRange },
    { name: 'severity', type: Severity },
    {
      name: 'relatedIncidentIds',
      type: arrayOf('string'),
      doc: 'Earlier incidents with the same fingerprint or subjects.',
    },
    { name: 'previousFixes', type: 'int', doc: 'Patches deployed for those incidents.' },
  ]),
  CodebaseInfoLoaded: payload(
    NS,
    'CodebaseInfoLoaded',
    'The repository at the deployed commit was indexed.',
    [
      { name: 'repository', type: 'string', doc: 'Clone URL or path.' },
      { name: 'branch', type: 'string' },
      { name: 'commit', type: 'string', doc: 'The commit running in production when the incident began.' },
      { name: 'filesIndexed', type: 'long' },
      { name: 'languages', type: mapOf('long'), doc: 'Files per language.' },
      { name: 'logCallSites', type: 'long', doc: 'Log statements found.' },
      { name: 'templatesMapped', type: 'long', doc: 'Incident templates traced to a log call site.' },
      { name: 'templatesUnmapped', type: 'long' },
      optional('coverage', CoverageSummary, 'Null when the repository has no coverage report.'),
      { name: 'index', type: DocumentRef, doc: 'The stored index (call sites, symbols, owners).' },
    ],
  ),
  PerformanceIssuesAnalyzed: payload(
    NS,
    'PerformanceIssuesAnalyzed',
    'Performance findings were traced to code.',
    analysisFields,
  ),
  BehavioralIssuesAnalyzed: payload(
    NS,
    'BehavioralIssuesAnalyzed',
    'Behavioural findings were traced to code.',
    analysisFields,
  ),
  CoverageIssuesAnalyzed: payload(
    NS,
    'CoverageIssuesAnalyzed',
    'Coverage findings were traced to code.',
    analysisFields,
  ),
  ErrorIssuesAnalyzed: payload(
    NS,
    'ErrorIssuesAnalyzed',
    'Error findings were traced to code.',
    analysisFields,
  ),
  ImpactAssessed: payload(NS, 'ImpactAssessed', 'Impact and priority were assessed.', [
    { name: 'severity', type: Severity },
    { name: 'priority', type: 'int', doc: '1 (act now) to 4 (backlog).' },
    { name: 'blastRadius', type: BlastRadius },
    { name: 'affectedServices', type: arrayOf('string') },
    optional('affectedRequestsPerMin', 'double', 'Requests per minute hitting the affected operations.'),
    optional('errorRateDelta', 'double', 'Error rate during the incident minus baseline.'),
    optional('latencyP95DeltaMs', 'double', 'p95 latency during the incident minus baseline.'),
    { name: 'userFacing', type: 'boolean' },
    { name: 'rationale', type: 'string' },
  ]),
  FixesRecommended: payload(NS, 'FixesRecommended', 'Remedies were proposed and ranked.', [
    { name: 'recommendations', type: arrayOf(FixRecommendation) },
  ]),
  DiagnosisStored: payload(NS, 'DiagnosisStored', 'The diagnosis was written to MongoDB.', [
    { name: 'diagnosisId', type: 'string' },
    { name: 'document', type: DocumentRef },
  ]),
  DiagnosisCompleted: payload(NS, 'DiagnosisCompleted', 'The diagnosis is complete.', [
    { name: 'diagnosisId', type: 'string' },
    { name: 'rootCause', type: 'string', doc: "The top issue's hypothesis." },
    { name: 'confidence', type: 'double' },
    { name: 'severity', type: Severity },
    { name: 'priority', type: 'int' },
    { name: 'issueIds', type: arrayOf('string') },
    { name: 'recommendations', type: arrayOf(FixRecommendation) },
    optional('recommendedId', 'string', 'Top automatable recommendation; null means a person must act.'),
    { name: 'document', type: DocumentRef },
  ]),
  DiagnosisRejected: rejectedPayload(NS, 'DiagnosisRejected', 'diagnosis.analyze'),
  DiagnosisFailed: failedPayload(NS, 'DiagnosisFailed', 'diagnosis.analyze'),
} as const;
