import type { ValidationBeat, ValidationDeps } from '../service/deps.js';
import type { DocsRecord, ValidationCase } from '../service/case.js';
import { checkDocumentation } from '../docs/index.js';
import { Committed } from '../workspace/committed.js';

/**
 * Beat 7. The documentation the patch changes: the changelog entry present, relative links resolving to files of
 * the repository, code blocks of changed Markdown parsing. Read from the validated commit in the mirror.
 */
export const validateDocumentation: ValidationBeat<'validateDocumentation'> = async ({ runId }, deps) => {
  let c = await deps.caseOf(runId);
  if (!c.docs) c = await deps.record(runId, 'docs', await checkDocs(deps, c));
  const d = c.docs!;
  return {
    event: {
      type: 'DocumentationValidated',
      payload: {
        filesChecked: d.filesChecked,
        problems: d.problems
          .slice(0, 50)
          .map((p) => ({ file: p.file, line: p.line, rule: p.rule, message: p.message })),
        passed: d.verdict === 'passed',
      },
    },
  };
};

async function checkDocs(deps: ValidationDeps, c: ValidationCase): Promise<DocsRecord> {
  if (!c.applied?.clean || !c.applied.headCommit)
    return {
      verdict: 'failed',
      summary: 'the patch did not apply: no documentation to check',
      reasons: [{ code: 'patch-does-not-apply', message: 'the patch did not apply', field: null }],
      filesChecked: 0,
      problems: [],
    };
  // From the validated commit, not the worktree: the tests ran there and could have written the changelog entry.
  const at = new Committed(await deps.repo(c), c.applied.headCommit!);
  const result = await checkDocumentation({
    diff: c.patch!.diff,
    changelogRequired: true,
    read: (path) => at.read(path),
    exists: (path) => at.exists(path),
  });
  const summary = result.passed
    ? `${result.filesChecked} documentation file(s) checked, no problem`
    : `${result.problems.length} documentation problem(s): ${result.problems
        .slice(0, 3)
        .map((p) => `${p.file}${p.line ? `:${p.line}` : ''} ${p.rule}`)
        .join('; ')}`;
  return {
    verdict: result.passed ? 'passed' : 'failed',
    summary,
    reasons: result.passed ? [] : [{ code: 'documentation-problems', message: summary, field: null }],
    filesChecked: result.filesChecked,
    problems: result.problems.slice(0, 50),
  };
}
