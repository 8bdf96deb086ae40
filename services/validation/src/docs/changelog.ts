/**
 * The changelog rule: a fix is announced where the project announces changes. fix.generate writes the entry under
 * "Unreleased" of CHANGELOG.md (or whichever of the usual names the repository has); here the patch must change such
 * a file and add at least one line that is an entry, not only a heading or a blank line.
 */
import { posix } from 'node:path';
import type { ChangedFile } from './diff.js';

export const CHANGELOG_FILE = /^(changelog|changes|history)(\.(md|markdown|txt|rst))?$/i;

/** Names looked for at the root, in order, to name the file in a "missing" report. */
const USUAL_NAMES = ['CHANGELOG.md', 'Changelog.md', 'changelog.md', 'CHANGES.md', 'HISTORY.md'];

export function isChangelog(path: string): boolean {
  return CHANGELOG_FILE.test(posix.basename(path));
}

/** An added line that says something: not blank, not a heading, a rule or a bare link definition. */
export function isEntryLine(text: string): boolean {
  const t = text.trim();
  if (t === '') return false;
  if (/^#{1,6}(\s|$)/.test(t)) return false;
  if (/^(-{3,}|={3,}|\*{3,}|_{3,})$/.test(t)) return false;
  if (/^\[[^\]]+\]:\s*\S+$/.test(t)) return false;
  return /[\p{L}\p{N}]/u.test(t);
}

export type ChangelogFinding =
  { ok: true; file: string; line: number } | { ok: false; file: string; message: string };

export async function checkChangelog(
  files: readonly ChangedFile[],
  exists: (path: string) => Promise<boolean>,
): Promise<ChangelogFinding> {
  const changed = files.filter((f) => f.newPath !== null && isChangelog(f.newPath));
  for (const f of changed) {
    const entry = f.added.find((a) => isEntryLine(a.text));
    if (entry) return { ok: true, file: f.newPath!, line: entry.line };
  }
  if (changed.length > 0)
    return {
      ok: false,
      file: changed[0]!.newPath!,
      message: `${changed[0]!.newPath} changes but adds no entry (only headings, rules or blank lines)`,
    };
  let existing: string | null = null;
  for (const name of USUAL_NAMES)
    if (await exists(name)) {
      existing = name;
      break;
    }
  return {
    ok: false,
    file: existing ?? 'CHANGELOG.md',
    message: existing
      ? `the patch adds no entry to ${existing}`
      : 'the repository has no changelog (CHANGELOG.md, CHANGES.md or HISTORY.md) and the patch adds none',
  };
}
