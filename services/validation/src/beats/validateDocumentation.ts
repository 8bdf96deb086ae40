import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ValidationBeat, ValidationDeps } from '../service/deps.js';
import type { DocsRecord, ValidationCase } from '../service/case.js';
import { insideRun, readBounded } from '../service/suites.js';
import { checkDocumentation } from '../docs/index.js';
import { confined } from '../workspace/patch.js';

/**
 * Beat 7. The documentation the patch changes: the changelog entry present, relative links resolving to files of
 * the repository, code blocks of changed Markdown parsing. Read from the patched tree, confined to it.
 */
export const validateDocumentation: ValidationBeat<'validateDocumentation'> = async ({ runId }, deps) => {
  let c = await deps.caseOf(runId);
  if (!c.docs) c = await deps.record(runId, 'docs', await checkDocs(deps, c, runId));
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

async function checkDocs(deps: ValidationDeps, c: ValidationCase, runId: string): Promise<DocsRecord> {
  if (!c.applied?.clean)
    return {
      verdict: 'failed',
      summary: 'the patch did not apply: no documentation to check',
      reasons: [{ code: 'patch-does-not-apply', message: 'the patch did not apply', field: null }],
      filesChecked: 0,
      problems: [],
    };
  const runDir = deps.runDir(runId);
  const tree = join(runDir, 'patched');
  const pathIn = async (path: string) => {
    const p = confined(path);
    if (!p) return null;
    const abs = join(tree, p);
    return (await insideRun(join(abs, '..'), runDir)) ? abs : null;
  };
  const result = await checkDocumentation({
    diff: c.patch!.diff,
    changelogRequired: true,
    read: async (path) => {
      const abs = await pathIn(path);
      return abs ? ((await readBounded(abs, runDir, 4 << 20)) ?? undefined) : undefined;
    },
    exists: async (path) => {
      const abs = await pathIn(path);
      if (!abs) return false;
      return lstat(abs).then(
        (s) => s.isFile() || s.isDirectory(),
        () => false,
      );
    },
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
