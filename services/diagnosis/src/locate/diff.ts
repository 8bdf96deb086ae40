/** A line of the old side of a diff that the change touches. */
export interface ChangedLine {
  readonly path: string;
  readonly line: number;
}

/**
 * Lines of the old version a unified diff (`git diff -U0`) changes: removed or replaced lines; for a pure insertion,
 * the lines on either side of the insertion point (where a localizer should point for a missing statement).
 */
export function changedLines(diff: string): ChangedLine[] {
  const out: ChangedLine[] = [];
  let path: string | null = null;
  for (const line of diff.split('\n')) {
    if (line.startsWith('--- ')) {
      const name = line.slice(4).trim();
      path = name === '/dev/null' ? null : name.replace(/^a\//, '');
      continue;
    }
    const hunk = /^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@/.exec(line);
    if (!hunk || path === null) continue;
    const start = Number(hunk[1]);
    const count = hunk[2] === undefined ? 1 : Number(hunk[2]);
    if (count > 0) {
      for (let l = start; l < start + count; l++) out.push({ path, line: l });
    } else {
      if (start > 0) out.push({ path, line: start });
      out.push({ path, line: start + 1 });
    }
  }
  return out;
}
