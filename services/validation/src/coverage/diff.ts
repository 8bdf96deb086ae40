import path from 'node:path';

const HUNK = /^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/**
 * The lines a patch adds or changes, by new-side line number, per file of the new tree (a git unified diff, any
 * context). Deleted files, deletions-only files and binary files have none. A hunk's body is read by its line counts,
 * so a removed line that reads `--- x` or an added `+++ y` is content, not a header. A path that is absolute or climbs
 * out of the repository is skipped: the patch is input, and its paths are never trusted.
 */
export function changedLines(diff: string): Map<string, number[]> {
  const out = new Map<string, Set<number>>();
  let file: string | null = null;
  let oldLeft = 0;
  let newLeft = 0;
  let next = 0;
  for (const line of diff.split('\n')) {
    if (oldLeft > 0 || newLeft > 0) {
      const tag = line[0];
      if (tag === '+') {
        if (file !== null) out.get(file)!.add(next);
        next++;
        newLeft--;
        continue;
      }
      if (tag === '-') {
        oldLeft--;
        continue;
      }
      if (tag === ' ' || line === '') {
        // An empty line is a context line whose leading space an editor or mail client trimmed.
        next++;
        oldLeft--;
        newLeft--;
        continue;
      }
      if (tag === '\\') continue; // "\ No newline at end of file"
      oldLeft = newLeft = 0; // a hunk shorter than its header said: read on as headers
    }
    if (line.startsWith('\\')) continue;
    if (line.startsWith('diff --git ')) {
      file = null;
      continue;
    }
    if (line.startsWith('+++ ')) {
      file = safePath(pathOfHeader(line.slice(4)));
      if (file !== null && !out.has(file)) out.set(file, new Set());
      continue;
    }
    const hunk = HUNK.exec(line);
    if (hunk) {
      oldLeft = hunk[1] === undefined ? 1 : Number(hunk[1]);
      next = Number(hunk[2]);
      newLeft = hunk[3] === undefined ? 1 : Number(hunk[3]);
    }
  }
  const result = new Map<string, number[]>();
  for (const [f, lines] of out) if (lines.size > 0) result.set(f, [...lines].sort((a, b) => a - b));
  return result;
}

/** The path of a `+++ ` header: unquoted (git quotes unusual names), without the `b/` prefix or a trailing date. */
function pathOfHeader(raw: string): string | null {
  let p = raw.startsWith('"') ? unquote(raw) : raw.replace(/\t.*$/, '');
  if (p === null || p === '/dev/null') return null;
  if (p.startsWith('b/')) p = p.slice(2);
  return p;
}

/** git's C-style quoting: \\ \" \t \n and octal bytes (UTF-8 names are written as octal escapes). */
function unquote(quoted: string): string | null {
  const end = quoted.lastIndexOf('"');
  if (end <= 0) return null;
  const bytes: number[] = [];
  const body = quoted.slice(1, end);
  const simple: Record<string, string> = { n: '\n', t: '\t', '"': '"', '\\': '\\', a: '\x07', b: '\b', f: '\f', r: '\r', v: '\v' };
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== '\\') {
      bytes.push(...Buffer.from(ch, 'utf8'));
      continue;
    }
    const octal = /^[0-7]{3}/.exec(body.slice(i + 1, i + 4))?.[0];
    if (octal) {
      bytes.push(parseInt(octal, 8));
      i += 3;
    } else {
      const esc = simple[body[i + 1] ?? ''];
      if (esc === undefined) return null;
      bytes.push(...Buffer.from(esc, 'utf8'));
      i++;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function safePath(p: string | null): string | null {
  if (p === null || p === '' || p.includes('\0') || p.includes('\\') || path.posix.isAbsolute(p)) return null;
  const normal = path.posix.normalize(p);
  if (normal.split('/').includes('..') || normal === '.' || normal !== p) return null;
  return normal;
}
