/**
 * What one commit changed, on the side of the tree it produced: the lines it added or rewrote, and for a pure
 * deletion the two lines around the place where code disappeared (a removed guard leaves nothing to blame, but
 * its neighbours are where a reader must look).
 */
export interface FileTouch {
  /** New-side lines (1-based) the commit added or rewrote. */
  lines: Set<number>;
  /** New-side lines bordering a deletion. */
  deletionAnchors: Set<number>;
}

export type CommitTouches = Map<string, FileTouch>;

/** Parses `git show -U0` (or `git diff -U0`) output into the new-side lines each file's hunks touch. */
export function touchesOf(diff: string): CommitTouches {
  const out: CommitTouches = new Map();
  let current: FileTouch | null = null;
  for (const line of diff.split('\n')) {
    if (line.startsWith('+++ ')) {
      const name = line.slice(4).trim();
      if (name === '/dev/null') {
        current = null;
      } else {
        const path = name.replace(/^b\//, '');
        current = out.get(path) ?? { lines: new Set(), deletionAnchors: new Set() };
        out.set(path, current);
      }
      continue;
    }
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/.exec(line);
    if (!hunk || !current) continue;
    const start = Number(hunk[1]);
    const count = hunk[2] === undefined ? 1 : Number(hunk[2]);
    if (count > 0) {
      for (let l = start; l < start + count; l++) current.lines.add(l);
    } else {
      // "+N,0": the deletion sits after new line N.
      if (start > 0) current.deletionAnchors.add(start);
      current.deletionAnchors.add(start + 1);
    }
  }
  return out;
}

/** True when the commit touched the line or deleted code right next to it. */
export function touches(t: CommitTouches | undefined, path: string, line: number): 'line' | 'beside' | null {
  const f = t?.get(path);
  if (!f) return null;
  if (f.lines.has(line)) return 'line';
  if (f.deletionAnchors.has(line)) return 'beside';
  return null;
}
