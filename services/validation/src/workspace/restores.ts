import { isProductionSource } from './patch.js';
import { treeGit } from './trees.js';

/**
 * Whether a patched tree gives back, file for file, the production code that served before the faulty release: every
 * production source file the patch changes is byte for byte what it was at `good` (the commit that served all
 * traffic before the release the incident began with), and `good` is an ancestor of the tree. Returns those files,
 * or null when any differs, when the patch changes no production source, or when `good` is not in the history.
 *
 * Such a patch is a revert to code that production has already run without the symptom, which is evidence a
 * generated regression test would only restate; a reordered step or a dropped retry often has no test the fix stage
 * can derive, and its restored lines may be ones the suite never ran. Other files the release changed are not
 * restored, so the suite, the type check and the canary still judge the combination.
 */
export async function restoredProductionFiles(
  dir: string,
  good: string,
  patchedFiles: readonly string[],
): Promise<string[] | null> {
  const files = [...new Set(patchedFiles.filter(isProductionSource))].sort();
  if (files.length === 0 || !/^[0-9a-f]{7,64}$/.test(good)) return null;
  try {
    await treeGit(dir, ['merge-base', '--is-ancestor', good, 'HEAD']);
  } catch {
    return null;
  }
  try {
    // Literal pathspecs: a file name from the patch is never read as pathspec magic.
    await treeGit(dir, ['--literal-pathspecs', 'diff', '--quiet', good, 'HEAD', '--', ...files]);
    return files;
  } catch {
    return null;
  }
}
