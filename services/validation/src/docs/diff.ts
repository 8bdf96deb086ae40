/**
 * The files a unified diff (git format) changes, with what each adds and removes on which lines: enough to find the
 * changed Markdown, the changelog entry, and the lines whose problems belong to the patch.
 */

export interface ChangedFile {
  /** Path before the change; null for a new file. */
  oldPath: string | null;
  /** Path after the change; null for a deleted file. */
  newPath: string | null;
  /** Added lines: 1-based line numbers of the new file with their text. */
  added: Array<{ line: number; text: string }>;
  /** Texts of removed lines. */
  removed: string[];
}

const HUNK = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

export function changedFiles(diff: string): ChangedFile[] {
  const files: ChangedFile[] = [];
  let file: ChangedFile | undefined;
  let newLine = 0;
  let inHunk = false;
  for (const line of diff.split('\n')) {
    if (line.startsWith('diff --git ')) {
      file = { oldPath: null, newPath: null, added: [], removed: [] };
      // Paths from the header, for diffs without ---/+++ lines (renames, mode changes); the lines below win.
      const m = /^diff --git ("?a\/.+?"?) ("?b\/.+"?)$/.exec(line);
      if (m) {
        file.oldPath = gitPath(m[1]!);
        file.newPath = gitPath(m[2]!);
      }
      files.push(file);
      inHunk = false;
      continue;
    }
    if (!file) continue;
    const hunk = HUNK.exec(line);
    if (hunk) {
      newLine = Number(hunk[1]);
      inHunk = true;
      continue;
    }
    if (!inHunk) {
      if (line.startsWith('--- ')) file.oldPath = gitPath(line.slice(4));
      else if (line.startsWith('+++ ')) file.newPath = gitPath(line.slice(4));
      else if (line.startsWith('rename from ')) file.oldPath = unquote(line.slice('rename from '.length));
      else if (line.startsWith('rename to ')) file.newPath = unquote(line.slice('rename to '.length));
      else if (line.startsWith('new file mode')) file.oldPath = null;
      else if (line.startsWith('deleted file mode')) file.newPath = null;
      continue;
    }
    if (line.startsWith('+')) file.added.push({ line: newLine++, text: line.slice(1) });
    else if (line.startsWith('-')) file.removed.push(line.slice(1));
    else if (line.startsWith(' ')) newLine++;
    else if (!line.startsWith('\\')) inHunk = false;
  }
  return files;
}

/** A path as git prints it after `--- `/`+++ `: `/dev/null`, or `a/`/`b/` prefixed, possibly C-quoted. */
function gitPath(side: string): string | null {
  const p = unquote(side.replace(/\t.*$/, ''));
  if (p === '/dev/null') return null;
  return p.replace(/^[ab]\//, '');
}

/** Git quotes paths with unusual characters C-style: "a/x\tb.md", octal escapes for bytes of UTF-8. */
function unquote(text: string): string {
  if (!(text.startsWith('"') && text.endsWith('"') && text.length >= 2)) return text;
  const bytes: number[] = [];
  const body = text.slice(1, -1);
  const simple: Record<string, number> = { n: 10, t: 9, r: 13, '"': 34, '\\': 92, a: 7, b: 8, f: 12, v: 11 };
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      bytes.push(...Buffer.from(c, 'utf8'));
      continue;
    }
    const next = body[i + 1] ?? '';
    const octal = /^[0-7]{3}/.exec(body.slice(i + 1));
    if (octal) {
      bytes.push(parseInt(octal[0], 8));
      i += 3;
    } else {
      bytes.push(simple[next] ?? next.charCodeAt(0));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}
