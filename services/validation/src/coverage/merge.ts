import type { FileCoverage, LineBranches } from './types.js';

/** One entry per file: counts of the same line summed, branches of the same line added up (two scripts, one source). */
export function mergeFileCoverage(files: readonly FileCoverage[]): FileCoverage[] {
  const byFile = new Map<string, { lines: Map<number, number>; branches: Map<number, LineBranches> }>();
  for (const f of files) {
    let acc = byFile.get(f.file);
    if (!acc) {
      acc = { lines: new Map(), branches: new Map() };
      byFile.set(f.file, acc);
    }
    for (const [line, count] of f.lines) acc.lines.set(line, (acc.lines.get(line) ?? 0) + count);
    for (const b of f.branches) {
      const known = acc.branches.get(b.line) ?? { line: b.line, taken: 0, total: 0 };
      acc.branches.set(b.line, { line: b.line, taken: known.taken + b.taken, total: known.total + b.total });
    }
  }
  return [...byFile]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([file, acc]) => ({
      file,
      lines: new Map([...acc.lines].sort((a, b) => a[0] - b[0])),
      branches: [...acc.branches.values()].sort((a, b) => a.line - b.line),
    }));
}
