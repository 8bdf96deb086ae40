import { createHash } from 'node:crypto';
import { confined } from '@self-healing/fix-generate';

export { confined, patchIdOf } from '@self-healing/fix-generate';

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export interface PatchPaths {
  /** Every path the diff names, old and new side, as written. */
  paths: string[];
  /** Those that leave the repository or reach into `.git`. */
  outside: string[];
}

/**
 * The paths a unified git diff touches, read from its `diff --git`, `---` and `+++` headers and its rename/copy
 * lines. `git apply` refuses most escapes by itself; this check makes the refusal ours, with a reason, and covers
 * what git would accept inside a worktree but a validation must not (`.git/hooks/...`).
 */
export function patchPaths(diff: string): PatchPaths {
  const paths = new Set<string>();
  for (const line of diff.split('\n')) {
    let m: RegExpMatchArray | null;
    if ((m = line.match(/^diff --git a\/(.+) b\/(.+)$/))) {
      paths.add(m[1]!);
      paths.add(m[2]!);
    } else if ((m = line.match(/^(?:---|\+\+\+) (?:[ab]\/)?(.+?)\t?$/))) {
      if (m[1] !== '/dev/null') paths.add(m[1]!);
    } else if ((m = line.match(/^(?:rename|copy) (?:from|to) (.+)$/))) {
      paths.add(m[1]!);
    }
  }
  const all = [...paths];
  return { paths: all, outside: all.filter((p) => confined(unquote(p)) === null) };
}

/** git quotes unusual paths ("a/b\tc"); a quoted path is judged by its unquoted text. */
function unquote(p: string): string {
  return p.startsWith('"') && p.endsWith('"') ? p.slice(1, -1).replace(/^[ab]\//, '') : p;
}

/** Whether a path is a test file by the conventions of JavaScript and TypeScript projects. */
export function isTestPath(path: string): boolean {
  return /(^|\/)(test|tests|__tests__|spec)\//.test(path) || /\.(test|spec)\.[cm]?[jt]sx?$/.test(path);
}

/** Production code of the repository: what coverage is about (tests, builds and dependencies are not). */
export const isProductionSource = (path: string): boolean =>
  /\.[cm]?[jt]sx?$/.test(path) &&
  !isTestPath(path) &&
  !/(^|\/)(node_modules|dist|build|coverage|bench|\.validation)\//.test(path) &&
  !/\.d\.[cm]?ts$/.test(path);

/** Files the diff makes symlinks or submodules (modes 120000, 160000): a validation refuses them. */
export function specialFiles(diff: string): string[] {
  const out: string[] = [];
  let current: string | null = null;
  for (const line of diff.split('\n')) {
    const header = line.match(/^diff --git a\/(.+) b\/(.+)$/);
    if (header) current = header[2]!;
    else if (
      current &&
      /^(?:new file mode|new mode|index [0-9a-f]+\.\.[0-9a-f]+) (?:120000|160000)$/.test(line)
    )
      out.push(current);
  }
  return [...new Set(out)];
}

/**
 * Test files that existed before the patch and lose or change lines in it. A fix that only adds tests leaves the
 * old ones judging it; one that rewrites an old assertion could make a regression look like a fix, since the base
 * tree runs the patch's version of the test too.
 */
export function rewrittenTests(diff: string): string[] {
  const out = new Set<string>();
  let current: string | null = null;
  let isNew = false;
  let inHunk = false;
  for (const line of diff.split('\n')) {
    const header = line.match(/^diff --git a\/(.+) b\/(.+)$/);
    if (header) {
      current = header[1]!;
      isNew = false;
      inHunk = false;
      continue;
    }
    if (!current) continue;
    if (!inHunk && line.startsWith('new file mode')) isNew = true;
    if (line.startsWith('@@')) inHunk = true;
    else if (inHunk && line.startsWith('-') && !isNew && isTestPath(current)) out.add(current);
  }
  return [...out];
}
