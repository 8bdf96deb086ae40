import lcovParser from '@friedemannsommer/lcov-parser/sync';
import libCoverage from 'istanbul-lib-coverage';
import type { CoverageMapData } from 'istanbul-lib-coverage';

/** Test coverage of one source file, whatever the report format. */
export interface FileCoverage {
  path: string;
  /** Line -> times the tests executed it. Lines absent here were not instrumented (blank, comment, type-only). */
  lines: Map<number, number>;
  functions: FunctionCoverage[];
  branches: Array<{ line: number; hits: number }>;
}

export interface FunctionCoverage {
  name: string;
  line: number;
  /** Last line of the function when the format says (Istanbul does, lcov does not). */
  endLine: number | null;
  hits: number;
}

/** lcov tracefile (`SF:`, `DA:`, `FN:`, `FNDA:`, `BRDA:`, `end_of_record`) via @friedemannsommer/lcov-parser. */
export function parseLcov(text: string): FileCoverage[] {
  const sections = lcovParser({ from: text });
  const byPath = new Map<string, FileCoverage>();
  for (const section of sections) {
    if (!section.path) continue;
    // One file can appear in several records (one per test name); counts add up.
    let file = byPath.get(section.path);
    if (!file) {
      file = { path: section.path, lines: new Map(), functions: [], branches: [] };
      byPath.set(section.path, file);
    }
    for (const l of section.lines.details) file.lines.set(l.line, (file.lines.get(l.line) ?? 0) + l.hit);
    for (const f of section.functions.details) {
      const existing = file.functions.find((x) => x.name === f.name && x.line === f.line);
      if (existing) existing.hits += f.hit;
      else file.functions.push({ name: f.name, line: f.line, endLine: null, hits: f.hit });
    }
    for (const b of section.branches.details) file.branches.push({ line: b.line, hits: b.hit });
  }
  return [...byPath.values()];
}

/** Istanbul `coverage-final.json` (statementMap/s, fnMap/f, branchMap/b) via istanbul-lib-coverage. */
export function parseIstanbul(json: string | CoverageMapData): FileCoverage[] {
  const data = typeof json === 'string' ? (JSON.parse(json) as CoverageMapData) : json;
  const map = libCoverage.createCoverageMap(data);
  return map.files().map((path) => {
    const fc = map.fileCoverageFor(path);
    const lines = new Map<number, number>();
    for (const [line, hits] of Object.entries(fc.getLineCoverage())) lines.set(Number(line), hits);
    const functions: FunctionCoverage[] = Object.entries(fc.fnMap).map(([id, fn]) => ({
      name: fn.name,
      line: fn.decl?.start.line ?? fn.loc.start.line,
      endLine: fn.loc.end.line,
      hits: fc.f[id] ?? 0,
    }));
    const branches = Object.entries(fc.branchMap).flatMap(([id, branch]) =>
      (fc.b[id] ?? []).map((hits, i) => ({ line: branch.locations[i]?.start.line ?? branch.loc.start.line, hits })),
    );
    return { path, lines, functions, branches };
  });
}
