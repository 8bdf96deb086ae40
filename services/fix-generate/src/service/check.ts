import { join } from 'node:path';
import { linkDependencies, parseOnly, typeCheck, type SyntaxCheck } from '../patch/typecheck.js';
import type { FixCase, FixDeps } from './deps.js';

/**
 * Type-checks files as they would be with the patch: written into the run's `check` worktree at the base commit,
 * with the application's packages linked (installed once per lockfile, install scripts off), checked with its own
 * tsconfig. With TYPECHECK=off only the parser runs.
 */
export async function checkFiles(
  deps: FixDeps,
  c: FixCase,
  files: ReadonlyArray<{ path: string; text: string | null }>,
): Promise<SyntaxCheck> {
  const tree = await deps.tree(c, 'check');
  await tree.apply(new Map(files.map((f) => [f.path, f.text])));
  const changed = files.filter((f) => f.text !== null).map((f) => f.path);
  if (!deps.settings.typecheck) return parseOnly(tree.dir, changed);
  const missing = await linkDependencies(tree.dir, join(deps.settings.workDir, 'deps'));
  const check = typeCheck(tree.dir, changed);
  return missing ? { ...check, tool: `${check.tool}; ${missing}` } : check;
}
