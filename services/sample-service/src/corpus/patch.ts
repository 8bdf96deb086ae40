/**
 * Reading `git format-patch` files: the mail header (author, date, subject) and, per file, the line numbers the
 * patch adds in the new version. Pure: the corpus checks and the truth validation use it without git.
 */

export interface PatchFile {
  path: string;
  /** The path before the change; differs from `path` for renames, `/dev/null` for new files. */
  oldPath: string;
  deleted: boolean;
  /** 1-based line numbers of added lines in the new version of the file. */
  addedLines: number[];
  /** Text of the added lines, in order. */
  addedText: string[];
  removedText: string[];
}

export interface PatchInfo {
  author: { name: string; email: string };
  /** As written in the `Date:` header (RFC 2822). */
  date: string;
  subject: string;
  files: PatchFile[];
}

export function parsePatch(text: string, source = 'patch'): PatchInfo {
  const headerEnd = text.indexOf('\n\n');
  if (!text.startsWith('From ') || headerEnd < 0) throw new Error(`${source}: not a git format-patch mail`);
  const header = unfold(text.slice(0, headerEnd));
  const field = (name: string): string => {
    const line = header.find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}: `));
    if (!line) throw new Error(`${source}: no ${name} header`);
    return decodeWords(line.slice(name.length + 2).trim());
  };
  const from = /^(.*?)\s*<([^>]+)>$/.exec(field('From'));
  if (!from) throw new Error(`${source}: From header is not "Name <email>"`);
  const subject = field('Subject').replace(/^\[PATCH[^\]]*\]\s*/, '');
  return {
    author: { name: from[1]!.replace(/^"|"$/g, ''), email: from[2]! },
    date: field('Date'),
    subject,
    files: parseDiff(text.slice(headerEnd + 2)),
  };
}

function unfold(header: string): string[] {
  const lines: string[] = [];
  for (const line of header.split('\n')) {
    if (/^\s/.test(line) && lines.length > 0) lines[lines.length - 1] += ` ${line.trim()}`;
    else lines.push(line);
  }
  return lines;
}

/** RFC 2047 encoded words (`=?UTF-8?q?Tom=C3=A1s?=`), as git writes non-ASCII names and subjects. */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(
      /=\?([^?]+)\?([qQbB])\?([^?]*)\?=/g,
      (_all, _charset: string, encoding: string, data: string) => {
        const bytes =
          encoding.toLowerCase() === 'b'
            ? Buffer.from(data, 'base64')
            : Buffer.from(
                data
                  .replace(/_/g, ' ')
                  .replace(/=([\dA-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
                'latin1',
              );
        return bytes.toString('utf8');
      },
    );
}

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/** The files of a unified git diff with the new-side numbers of added lines. */
export function parseDiff(diff: string): PatchFile[] {
  const files: PatchFile[] = [];
  let current: PatchFile | null = null;
  let newLine = 0;
  let inHunk = false;
  for (const line of diff.split('\n')) {
    if (line.startsWith('diff --git ')) {
      const paths = /^diff --git a\/(.+) b\/(.+)$/.exec(line);
      if (!paths) throw new Error(`unreadable diff header: ${line}`);
      current = {
        path: paths[2]!,
        oldPath: paths[1]!,
        deleted: false,
        addedLines: [],
        addedText: [],
        removedText: [],
      };
      files.push(current);
      inHunk = false;
      continue;
    }
    if (!current) continue;
    if (!inHunk) {
      if (line.startsWith('deleted file mode')) current.deleted = true;
      if (line === '--- /dev/null') current.oldPath = '/dev/null';
    }
    const hunk = HUNK.exec(line);
    if (hunk) {
      newLine = Number(hunk[3]);
      inHunk = true;
      continue;
    }
    if (!inHunk) continue;
    if (line.startsWith('+')) {
      current.addedLines.push(newLine);
      current.addedText.push(line.slice(1));
      newLine++;
    } else if (line.startsWith('-')) {
      current.removedText.push(line.slice(1));
    } else if (line.startsWith(' ')) {
      newLine++;
    } else if (line === '-- ' || line.startsWith('--\n')) {
      inHunk = false;
    }
  }
  return files;
}
