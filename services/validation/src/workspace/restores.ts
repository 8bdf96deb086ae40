import { isProductionSource } from './patch.js';
import { treeGit } from './trees.js';

/**
 * Whether a patched tree gives back the production code that served before the faulty release: every production
 * source file the patch changes is byte for byte what it was at `good` (the commit that served all traffic before
 * the release the incident began with), or, given the release's commit `base`, differs from `good` only by hunks the
 * release made, each exactly as the release made it (the patch took some of the release's hunks out and left the rest,
 * a decoy's change in the same file say, untouched); and `good` is an ancestor of the tree. Returns those files, or
 * null when any differs otherwise, when the patch changes no production source, or when `good` is not in the history.
 *
 * Such a patch is a revert to code that production has already run without the symptom, which is evidence a
 * generated regression test would only restate; a reordered step or a dropped retry often has no test the fix stage
 * can derive, and its restored lines may be ones the suite never ran. The release's other changes are not restored,
 * so the suite, the type check and the canary still judge the combination.
 */
export async function restoredProductionFiles(
  dir: string,
  good: string,
  patchedFiles: readonly string[],
  base?: string,
): Promise<string[] | null> {
  const files = [...new Set(patchedFiles.filter(isProductionSource))].sort();
  const isCommit = (c: string) => /^[0-9a-f]{7,64}$/.test(c);
  if (files.length === 0 || !isCommit(good)) return null;
  try {
    await treeGit(dir, ['merge-base', '--is-ancestor', good, 'HEAD']);
  } catch {
    return null;
  }
  for (const file of files) {
    if (await sameAt(dir, good, 'HEAD', file)) continue;
    if (base === undefined || !isCommit(base)) return null;
    const kept = await hunks(dir, good, 'HEAD', file);
    const released = new Set(await hunks(dir, good, base, file));
    // Every difference left is one the release made; fewer than the release made: some were taken out.
    if (!kept.every((h) => released.has(h)) || kept.length >= released.size) return null;
  }
  return files;
}

async function sameAt(dir: string, a: string, b: string, file: string): Promise<boolean> {
  try {
    // Literal pathspecs: a file name from the patch is never read as pathspec magic.
    await treeGit(dir, ['--literal-pathspecs', 'diff', '--quiet', a, b, '--', file]);
    return true;
  } catch {
    return false;
  }
}

/**
 * The hunks between two commits of one file, without context, each as the range it replaces in `a` and its lines:
 * the same change gives the same text whatever else the other side changed.
 */
async function hunks(dir: string, a: string, b: string, file: string): Promise<string[]> {
  const diff = await treeGit(dir, [
    '--literal-pathspecs',
    'diff',
    '--no-color',
    '--no-ext-diff',
    '-U0',
    a,
    b,
    '--',
    file,
  ]);
  const out: string[] = [];
  let current: string[] | null = null;
  for (const line of diff.split('\n')) {
    const header = /^@@ -(\d+(?:,\d+)?) \+\d+(?:,\d+)? @@/.exec(line);
    if (header) {
      if (current) out.push(current.join('\n'));
      current = [header[1]!];
    } else if (current && /^[-+\\]/.test(line)) current.push(line);
  }
  if (current) out.push(current.join('\n'));
  return out;
}
