import type { FileCoverage } from './types.js';

export interface CoverageSummary {
  /** Covered executable lines over executable lines, 0..1; 1 when there are none (nothing left unrun). */
  lines: number;
  /** Taken branches over branches, 0..1; null when there are none. */
  branches: number | null;
  executableLines: number;
  coveredLines: number;
  totalBranches: number;
  takenBranches: number;
  files: number;
}

/** The whole tree's figures (run once on the base tree's coverage and once on the patched tree's). */
export function summarize(files: readonly FileCoverage[]): CoverageSummary {
  let executableLines = 0;
  let coveredLines = 0;
  let totalBranches = 0;
  let takenBranches = 0;
  for (const f of files) {
    executableLines += f.lines.size;
    for (const count of f.lines.values()) if (count > 0) coveredLines++;
    for (const b of f.branches) {
      totalBranches += b.total;
      takenBranches += b.taken;
    }
  }
  return {
    lines: executableLines === 0 ? 1 : coveredLines / executableLines,
    branches: totalBranches === 0 ? null : takenBranches / totalBranches,
    executableLines,
    coveredLines,
    totalBranches,
    takenBranches,
    files: files.length,
  };
}

const SOURCE = /\.(?:[cm]?[jt]s|[jt]sx)$/;
const NOT_SOURCE_DIRS = new Set(['node_modules', 'dist', 'build', 'coverage', 'test', 'tests', '__tests__', '__mocks__']);

/**
 * The default `include`: the repository's own source files, not tests (by folder or by `.test.`/`.spec.` name),
 * not declarations, not dependencies or build output.
 */
export function isSourceFile(relPath: string): boolean {
  const parts = relPath.split('/');
  const name = parts.at(-1) ?? '';
  return (
    SOURCE.test(name) &&
    !name.endsWith('.d.ts') &&
    !/\.(?:test|spec)\.[^.]+$/.test(name) &&
    !parts.slice(0, -1).some((p) => NOT_SOURCE_DIRS.has(p))
  );
}
