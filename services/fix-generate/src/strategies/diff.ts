/**
 * Unified diffs as data: the hunks of one commit, filtered and written back out so that git can re-apply a part of
 * a commit, and line maps between two versions of a file (from `-U0` hunks) so that a line of an old commit can be
 * found in the code as it is now.
 */

export interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** The `@@ ... @@` line as git wrote it. */
  header: string;
  /** Body lines with their prefix (' ', '-', '+', '\'). */
  body: string[];
}

export interface FileDiff {
  oldPath: string | null;
  newPath: string | null;
  /** Lines before the first hunk (`diff --git`, `index`, `---`, `+++`, modes). */
  head: string[];
  hunks: Hunk[];
}

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

const pathOf = (side: string): string | null => {
  const p = side.replace(/\t.*$/, '');
  if (p === '/dev/null') return null;
  return p.replace(/^[ab]\//, '');
};

/** Parses `git diff` / `git show` output (any context size); text outside file sections is ignored. */
export function parseUnifiedDiff(text: string): FileDiff[] {
  const files: FileDiff[] = [];
  let file: FileDiff | undefined;
  let hunk: Hunk | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('diff --git ')) {
      file = { oldPath: null, newPath: null, head: [line], hunks: [] };
      hunk = undefined;
      files.push(file);
      continue;
    }
    if (!file) continue;
    const m = HUNK.exec(line);
    if (m) {
      hunk = {
        oldStart: Number(m[1]),
        oldLines: m[2] === undefined ? 1 : Number(m[2]),
        newStart: Number(m[3]),
        newLines: m[4] === undefined ? 1 : Number(m[4]),
        header: line,
        body: [],
      };
      file.hunks.push(hunk);
      continue;
    }
    if (!hunk) {
      if (line.startsWith('--- ')) file.oldPath = pathOf(line.slice(4));
      else if (line.startsWith('+++ ')) file.newPath = pathOf(line.slice(4));
      file.head.push(line);
      continue;
    }
    if (line.startsWith(' ') || line.startsWith('-') || line.startsWith('+') || line.startsWith('\\'))
      hunk.body.push(line);
    // Anything else (the empty string after the last newline, `git show` commit text) ends nothing: the next
    // `diff --git` or hunk header starts the next section.
  }
  return files;
}

/** Writes files and hunks back as a patch `git apply` accepts. */
export function formatUnifiedDiff(files: readonly FileDiff[]): string {
  const out: string[] = [];
  for (const f of files) {
    if (f.hunks.length === 0) continue;
    out.push(...f.head);
    for (const h of f.hunks) out.push(h.header, ...h.body);
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

/** The lines of the new side a hunk adds (1-based), and where it removed lines without adding any. */
export function addedLines(h: Hunk): number[] {
  const out: number[] = [];
  let n = h.newStart;
  for (const l of h.body) {
    if (l.startsWith('+')) out.push(n++);
    else if (l.startsWith(' ')) n++;
  }
  return out;
}

/** The new-side span a hunk changes: its added lines, or for a pure deletion the lines either side of the cut. */
export function changedSpan(h: Hunk): { from: number; to: number } {
  const added = addedLines(h);
  if (added.length > 0) return { from: added[0]!, to: added.at(-1)! };
  // Count the new side up to the first removed line: the cut lies between that line and the next.
  let n = h.newStart;
  for (const l of h.body) {
    if (l.startsWith('-')) break;
    if (l.startsWith(' ')) n++;
  }
  return { from: Math.max(1, n - 1), to: n };
}

/** Removed and added line texts of a diff, per file, whitespace collapsed: what a commit took out and put in. */
export function changedTexts(
  files: readonly FileDiff[],
): Map<string, { removed: string[]; added: string[] }> {
  const out = new Map<string, { removed: string[]; added: string[] }>();
  for (const f of files) {
    const path = f.newPath ?? f.oldPath;
    if (!path) continue;
    const entry = out.get(path) ?? { removed: [], added: [] };
    for (const h of f.hunks)
      for (const l of h.body) {
        if (l.startsWith('-')) entry.removed.push(normalizeCode(l.slice(1)));
        else if (l.startsWith('+')) entry.added.push(normalizeCode(l.slice(1)));
      }
    out.set(path, entry);
  }
  return out;
}

/** Code compared without its layout: whitespace runs collapsed, trimmed, trailing comma/semicolon dropped. */
export function normalizeCode(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .replace(/\s*([()[\]{},;.?:!<>=+\-*/&|])\s*/g, '$1')
    .replace(/[;,]$/, '')
    .trim();
}

/**
 * Maps line numbers of the old side of a `-U0` diff to the new side: unchanged lines move by the lines the hunks
 * above them added or removed; a line inside a changed hunk maps to the start of its replacement (null when the
 * hunk only removed it and nothing stands there now is not distinguished: the caller wants "near").
 */
export function lineMap(files: readonly FileDiff[], path: string): (oldLine: number) => number {
  const f = files.find((x) => x.oldPath === path || x.newPath === path);
  const hunks = f ? [...f.hunks].sort((a, b) => a.oldStart - b.oldStart) : [];
  return (line) => {
    let delta = 0;
    for (const h of hunks) {
      // With -U0 a pure insertion has oldLines 0 and sits after oldStart.
      const oldEnd = h.oldLines === 0 ? h.oldStart : h.oldStart + h.oldLines - 1;
      if (line > oldEnd) {
        delta += h.newLines - h.oldLines;
        continue;
      }
      if (h.oldLines > 0 && line >= h.oldStart) return Math.max(1, h.newStart);
      break;
    }
    return line + delta;
  };
}
