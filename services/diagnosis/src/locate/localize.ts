import type { TestRun } from './evidence.js';
import { lineKey } from './evidence.js';
import { FORMULAS, type Spectrum } from './spectrum.js';
import { parseStack } from './stack.js';
import { isProgramFile } from './tests-filter.js';

export interface LocalizeOptions {
  /** Spectrum formula name (see FORMULAS). */
  readonly formula?: string;
  /** Weight of a line named by a failing test's stack frame (added, scaled by frame depth). */
  readonly frameWeight?: number;
  /** Weight of the method-level (enclosing block) score used to break line ties. */
  readonly blockWeight?: number;
  /** Repository root the stack frames are confined to. */
  readonly repoRoot: string;
}

export interface ScoredLine {
  readonly path: string;
  readonly line: number;
  readonly score: number;
  readonly spectrum: Spectrum;
}

export interface Localization {
  /** Lines, most suspicious first. */
  readonly lines: ScoredLine[];
  /** Files, most suspicious first, scored by their best line. */
  readonly files: { path: string; score: number }[];
  /** Stack frames refused because they named a place outside the repository. */
  readonly refusedFrames: number;
  readonly failingTests: number;
  readonly passingTests: number;
}

interface Counts {
  ef: number;
  ep: number;
}

/**
 * Ranks the program's lines by how suspicious a failing test run makes them.
 *
 * 1. Spectrum: per line, the failing/passing tests that executed it, scored by a formula (Ochiai, DStar).
 * 2. Method level: lines executed by exactly the same tests tie; a run of consecutive covered lines of a file forms
 *    a block (a stand-in for the enclosing function, language-agnostic), and the block's own spectrum (a test
 *    executes the block when it executes any of its lines) breaks the ties with a small weight.
 * 3. Stack frames of failing tests that land in the program add to the lines they name (innermost most).
 * Test files and dependencies are never suspects.
 */
export function localize(tests: readonly TestRun[], options: LocalizeOptions): Localization {
  const formula = FORMULAS[options.formula ?? 'ochiai'];
  if (!formula) throw new Error(`unknown formula ${options.formula}`);
  const failing = tests.filter((t) => t.failed);
  const F = failing.length;
  const P = tests.length - F;
  const counts = new Map<string, Counts>();
  const linesOf = new Map<string, Set<number>>();
  for (const t of tests) {
    for (const [path, lines] of Object.entries(t.coverage)) {
      if (!isProgramFile(path)) continue;
      let fileLines = linesOf.get(path);
      if (!fileLines) linesOf.set(path, (fileLines = new Set()));
      for (const line of lines) {
        fileLines.add(line);
        const key = lineKey(path, line);
        let c = counts.get(key);
        if (!c) counts.set(key, (c = { ef: 0, ep: 0 }));
        if (t.failed) c.ef++;
        else c.ep++;
      }
    }
  }

  const blockScore = new Map<string, number>();
  const blockWeight = options.blockWeight ?? 0;
  if (blockWeight > 0) {
    for (const [path, lineSet] of linesOf) {
      const sorted = [...lineSet].sort((a, b) => a - b);
      let start = 0;
      for (let i = 1; i <= sorted.length; i++) {
        if (i < sorted.length && sorted[i]! - sorted[i - 1]! <= 2) continue;
        const block = new Set(sorted.slice(start, i));
        let ef = 0;
        let ep = 0;
        for (const t of tests) {
          const cov = t.coverage[path];
          if (cov && cov.some((l) => block.has(l))) {
            if (t.failed) ef++;
            else ep++;
          }
        }
        const s = formula({ ef, ep, nf: F - ef, np: P - ep });
        for (const l of block) blockScore.set(lineKey(path, l), s);
        start = i;
      }
    }
  }

  const frameBonus = new Map<string, number>();
  let refusedFrames = 0;
  const frameWeight = options.frameWeight ?? 0;
  for (const t of failing) {
    if (!t.stack) continue;
    const report = parseStack(t.stack, options.repoRoot);
    refusedFrames += report.refused;
    if (frameWeight <= 0) continue;
    for (const f of report.frames.filter((fr) => isProgramFile(fr.path))) {
      const key = lineKey(f.path, f.line);
      const bonus = frameWeight / (1 + f.depth) / Math.max(1, F);
      frameBonus.set(key, (frameBonus.get(key) ?? 0) + bonus);
    }
  }

  const lines: ScoredLine[] = [];
  for (const [key, c] of counts) {
    const cut = key.lastIndexOf(':');
    const path = key.slice(0, cut);
    const line = Number(key.slice(cut + 1));
    const spectrum = { ef: c.ef, ep: c.ep, nf: F - c.ef, np: P - c.ep };
    const score = formula(spectrum) + blockWeight * (blockScore.get(key) ?? 0) + (frameBonus.get(key) ?? 0);
    lines.push({ path, line, score, spectrum });
  }
  lines.sort((a, b) => b.score - a.score || a.path.localeCompare(b.path) || a.line - b.line);
  const fileBest = new Map<string, number>();
  for (const l of lines) if (!fileBest.has(l.path)) fileBest.set(l.path, l.score);
  const files = [...fileBest].map(([path, score]) => ({ path, score })).sort((a, b) => b.score - a.score);
  return { lines, files, refusedFrames, failingTests: F, passingTests: P };
}
