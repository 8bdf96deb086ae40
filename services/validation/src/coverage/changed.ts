import type { FileCoverage } from './types.js';

export interface UncoveredLines {
  file: string;
  lines: number[];
}

export interface UncoveredBranch {
  file: string;
  line: number;
  taken: number;
  total: number;
}

export interface ChangedLineCoverage {
  /** Changed lines that are executable (code); changed comments and blank lines are not counted anywhere. */
  changedLines: number;
  covered: number;
  /** Changed executable lines no test ran, per file: the "changed lines that no test runs are named". */
  uncovered: UncoveredLines[];
  /** covered / changedLines; null when the patch changes no executable line. */
  ratio: number | null;
  branches: {
    total: number;
    /** Branches that ran. */
    covered: number;
    ratio: number | null;
    /** Changed lines with a branch that never ran. */
    untaken: UncoveredBranch[];
  };
  /** Changed files that no test loaded at all (their executable lines are counted from `sources` when given). */
  unloadedFiles: string[];
  /** Changed files that are not source files of the coverage (tests, docs, configuration): not counted. */
  notMeasured: string[];
}

export interface ChangedLineOptions {
  /**
   * For a changed source file no test loaded: its executable lines (e.g. `codeLines(text, file)` on the patched
   * file), so that its changed code counts as uncovered and its comments do not. Without it, such a file's changed
   * lines are all counted as uncovered executable lines.
   */
  executableLinesOf?: (file: string) => readonly number[] | null;
  /** Which changed files are source files (the `include` given to coverageFromV8); others are not measured. */
  isSource?: (file: string) => boolean;
}

/**
 * Coverage of a patch's changed lines (changedLines' output) under the patched tree's coverage. Only executable
 * lines count: a changed comment or blank line is neither covered nor uncovered. Branches are those starting on a
 * changed line.
 */
export function changedLineCoverage(
  changed: ReadonlyMap<string, readonly number[]>,
  coverage: readonly FileCoverage[],
  options: ChangedLineOptions = {},
): ChangedLineCoverage {
  const byFile = new Map(coverage.map((f) => [f.file, f]));
  const out: ChangedLineCoverage = {
    changedLines: 0,
    covered: 0,
    uncovered: [],
    ratio: null,
    branches: { total: 0, covered: 0, ratio: null, untaken: [] },
    unloadedFiles: [],
    notMeasured: [],
  };
  for (const [file, lines] of [...changed].sort((a, b) => a[0].localeCompare(b[0]))) {
    const fc = byFile.get(file);
    if (!fc) {
      if (options.isSource && !options.isSource(file)) {
        out.notMeasured.push(file);
        continue;
      }
      const executable = options.executableLinesOf?.(file);
      const counted = executable ? lines.filter((l) => executable.includes(l)) : [...lines];
      out.unloadedFiles.push(file);
      out.changedLines += counted.length;
      if (counted.length > 0) out.uncovered.push({ file, lines: counted });
      continue;
    }
    const missed: number[] = [];
    for (const line of lines) {
      const count = fc.lines.get(line);
      if (count === undefined) continue;
      out.changedLines++;
      if (count > 0) out.covered++;
      else missed.push(line);
    }
    if (missed.length > 0) out.uncovered.push({ file, lines: missed });
    const changedSet = new Set(lines);
    for (const b of fc.branches) {
      if (!changedSet.has(b.line)) continue;
      out.branches.total += b.total;
      out.branches.covered += b.taken;
      if (b.taken < b.total) out.branches.untaken.push({ file, line: b.line, taken: b.taken, total: b.total });
    }
  }
  out.ratio = out.changedLines === 0 ? null : out.covered / out.changedLines;
  out.branches.ratio = out.branches.total === 0 ? null : out.branches.covered / out.branches.total;
  return out;
}
