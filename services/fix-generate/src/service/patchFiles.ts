import type { FixCase } from './deps.js';
import { chosenOf } from './chosen.js';

/** Every file the patch changes: the chosen fix, then its regression test and docs (a later one wins on a path). */
export function patchFiles(c: FixCase): Array<{ path: string; text: string | null }> {
  const { candidate } = chosenOf(c);
  const byPath = new Map<string, string | null>();
  for (const f of candidate.files) byPath.set(f.path, f.text);
  if (c.test && !('skippedReason' in c.test)) for (const f of c.test.files) byPath.set(f.path, f.text);
  for (const f of c.docs?.files ?? []) byPath.set(f.path, f.text);
  return [...byPath].map(([path, text]) => ({ path, text })).sort((a, b) => a.path.localeCompare(b.path));
}
