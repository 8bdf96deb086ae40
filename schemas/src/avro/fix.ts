import { arrayOf, optional, record } from './dsl.js';
import { DocumentRef, FileChange, Trigger, failedPayload, payload, rejectedPayload } from './common.js';

/** fix.generate: a diagnosis in, a syntax-checked patch out. Keyed by incident. */
export const NS = 'selfhealing.fix';

export const GeneratorInfo = record(NS, 'GeneratorInfo', 'What produced a change.', [
  { name: 'name', type: 'string', doc: 'e.g. template:add-timeout, codemod:retry, llm.' },
  { name: 'version', type: 'string' },
  optional('model', 'string', 'Model id when a language model was used.'),
]);

export const ChangeSet = record(NS, 'ChangeSet', 'Changes made in the working tree by one generator.', [
  { name: 'recommendationId', type: 'string' },
  { name: 'generator', type: GeneratorInfo },
  { name: 'changes', type: arrayOf(FileChange), doc: 'Empty when nothing of this kind was needed.' },
  { name: 'rationale', type: 'string' },
  optional('skippedReason', 'string', 'Why nothing was generated, when `changes` is empty.'),
]);

export const Diagnostic = record(NS, 'Diagnostic', 'A compiler, parser or linter message.', [
  { name: 'file', type: 'string' },
  optional('line', 'int', 'One-based.'),
  optional('column', 'int', 'One-based.'),
  { name: 'message', type: 'string' },
]);

export const SyntaxCheck = record(NS, 'SyntaxCheck', 'One checker run over the changed files.', [
  { name: 'tool', type: 'string', doc: 'e.g. tsc --noEmit, node --check, prettier --check.' },
  { name: 'ok', type: 'boolean' },
  { name: 'files', type: 'int' },
  { name: 'diagnostics', type: arrayOf(Diagnostic), doc: 'At most 50.' },
]);

export const fixGeneratePayloads = {
  FixGenerationRequested: payload(NS, 'FixGenerationRequested', 'Fix generation was accepted.', [
    { name: 'incidentId', type: 'string' },
    { name: 'diagnosisId', type: 'string' },
    { name: 'recommendationIds', type: arrayOf('string') },
    { name: 'trigger', type: Trigger },
    { name: 'requestedBy', type: 'string' },
  ]),
  DiagnosisLoaded: payload(
    NS,
    'DiagnosisLoaded',
    'The diagnosis and the base commit were loaded; a working tree was prepared.',
    [
      { name: 'diagnosisId', type: 'string' },
      {
        name: 'recommendationIds',
        type: arrayOf('string'),
        doc: 'The recommendations that will be implemented.',
      },
      { name: 'repository', type: 'string' },
      { name: 'baseCommit', type: 'string' },
    ],
  ),
  CodeFixGenerated: payload(NS, 'CodeFixGenerated', 'Source changes were generated.', [
    { name: 'changeSet', type: ChangeSet },
  ]),
  TestFixGenerated: payload(
    NS,
    'TestFixGenerated',
    'Tests that reproduce the problem and guard the fix were generated.',
    [
      { name: 'changeSet', type: ChangeSet },
      { name: 'testNames', type: arrayOf('string') },
    ],
  ),
  DocumentationFixGenerated: payload(
    NS,
    'DocumentationFixGenerated',
    'Documentation and changelog updates were generated.',
    [{ name: 'changeSet', type: ChangeSet }],
  ),
  PatchCreated: payload(
    NS,
    'PatchCreated',
    'The changes were combined into one patch (unified diff) against the base commit.',
    [
      { name: 'patchId', type: 'string', doc: 'Deterministic: hash of base commit and diff.' },
      { name: 'baseCommit', type: 'string' },
      { name: 'title', type: 'string', doc: 'Commit subject line.' },
      { name: 'description', type: 'string', doc: 'Commit body / pull-request text.' },
      { name: 'files', type: arrayOf(FileChange) },
      { name: 'linesAdded', type: 'long' },
      { name: 'linesRemoved', type: 'long' },
      { name: 'diffBytes', type: 'long' },
      { name: 'diffSha256', type: 'string' },
    ],
  ),
  PatchSyntaxValidated: payload(
    NS,
    'PatchSyntaxValidated',
    'The patched files were parsed and type-checked.',
    [
      { name: 'valid', type: 'boolean' },
      { name: 'checks', type: arrayOf(SyntaxCheck) },
    ],
  ),
  PatchStored: payload(NS, 'PatchStored', 'The patch (with its diff) was written to MongoDB.', [
    { name: 'patchId', type: 'string' },
    { name: 'document', type: DocumentRef },
  ]),
  FixGenerationCompleted: payload(NS, 'FixGenerationCompleted', 'A patch is ready for validation.', [
    { name: 'patchId', type: 'string' },
    { name: 'diagnosisId', type: 'string' },
    { name: 'recommendationIds', type: arrayOf('string') },
    { name: 'baseCommit', type: 'string' },
    { name: 'title', type: 'string' },
    { name: 'filesChanged', type: 'int' },
    { name: 'linesAdded', type: 'long' },
    { name: 'linesRemoved', type: 'long' },
    { name: 'syntaxValid', type: 'boolean' },
    { name: 'document', type: DocumentRef },
  ]),
  FixGenerationRejected: rejectedPayload(NS, 'FixGenerationRejected', 'fix.generate'),
  FixGenerationFailed: failedPayload(NS, 'FixGenerationFailed', 'fix.generate'),
} as const;
