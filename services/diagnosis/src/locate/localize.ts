import type { TestRun } from './evidence.js';
import { lineKey } from './evidence.js';
import { FORMULAS, type Spectrum } from './spectrum.js';
import { mapFrames } from './sourcemap.js';
import { parseStack } from './stack.js';
import { isProgramFile } from './tests-filter.js';
import { enclosingHeaderLine, textModel } from './text.js';

export interface LocalizeOptions {
  /** Spectrum formula name (see FORMULAS). */
  readonly formula?: string;
  /** Weight of a line named by a failing test's stack frame (added, scaled by frame depth). */
  readonly frameWeight?: number;
  /** Share of a frame's weight given to the lines above it in the same definition. */
  readonly frameRegionShare?: number;
  /** Weight of the method-level (enclosing block) score used to break line ties. */
  readonly blockWeight?: number;
  /** Weight of the textual evidence (failing tests' titles and errors vs the enclosing definition), see text.ts. */
  readonly textWeight?: number;
  /**
   * How recently each line was last changed, in [0, 1] (1 = the newest commit), e.g. from `git blame`; a line changed
   * by recent commits is more likely to hold a regression.
   */
  readonly recency?: (path: string, line: number) => number | undefined;
  /** Weight of the nearest-neighbour difference (Renieris and Reiss 2003), see nearestNeighbourDifference. */
  readonly nearestWeight?: number;
  /** Weight of the recency. */
  readonly recencyWeight?: number;
  /** The source map of a repository file, if it has one (frames of generated code are mapped back, sourcemap.ts). */
  readonly sourceMap?: (path: string) => string | undefined;
  /** Repository root the stack frames are confined to. */
  readonly repoRoot: string;
  /** The program's source text by repository path (for the textual evidence); absent files score 0. */
  readonly source?: (path: string) => string | undefined;
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
 * 3. Stack frames of failing tests (and stacks quoted in their failure messages) that land in the program add to
 *    the lines they name (innermost most) and, with a share, to the lines above them in the same definition.
 * 4. Textual evidence: the failing tests' titles against the enclosing definition's header (text.ts).
 * Test files and dependencies are never suspects. The weights are chosen by leave-one-out on real bugs
 * (bench/localize.ts --loo), see defaults.ts.
 */
/** What the spectrum of a test run gives, independent of the weights: per line and per block, ef/ep counts. */
export interface SpectrumEvidence {
  readonly failing: number;
  readonly passing: number;
  readonly lines: ReadonlyMap<string, Counts>;
  /** Per line, the counts of its block (a run of covered lines of a file with gaps of at most 2 lines). */
  readonly blocks: ReadonlyMap<string, Counts>;
}

export function spectrumEvidence(tests: readonly TestRun[]): SpectrumEvidence {
  const F = tests.filter((t) => t.failed).length;
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
  const blockOf = new Map<string, number>();
  const blockLines: string[][] = [];
  for (const [path, lineSet] of linesOf) {
    const sorted = [...lineSet].sort((x, y) => x - y);
    sorted.forEach((l, i) => {
      if (i === 0 || l - sorted[i - 1]! > 2) blockLines.push([]);
      const key = lineKey(path, l);
      blockOf.set(key, blockLines.length - 1);
      blockLines[blockLines.length - 1]!.push(key);
    });
  }
  const blockCounts = blockLines.map(() => ({ ef: 0, ep: 0 }));
  for (const t of tests) {
    const hit = new Set<number>();
    for (const [path, lines] of Object.entries(t.coverage)) {
      for (const l of lines) {
        const blockIndex = blockOf.get(lineKey(path, l));
        if (blockIndex !== undefined) hit.add(blockIndex);
      }
    }
    for (const blockIndex of hit) {
      if (t.failed) blockCounts[blockIndex]!.ef++;
      else blockCounts[blockIndex]!.ep++;
    }
  }
  const blocks = new Map<string, Counts>();
  for (const [key, blockIndex] of blockOf) blocks.set(key, blockCounts[blockIndex]!);
  return { failing: F, passing: tests.length - F, lines: counts, blocks };
}

export function localize(
  tests: readonly TestRun[],
  options: LocalizeOptions,
  evidence: SpectrumEvidence = spectrumEvidence(tests),
): Localization {
  const formula = FORMULAS[options.formula ?? 'ochiai'];
  if (!formula) throw new Error(`unknown formula ${options.formula}`);
  const failing = tests.filter((t) => t.failed);
  const F = evidence.failing;
  const P = evidence.passing;
  const counts = evidence.lines;
  const blockWeight = options.blockWeight ?? 0;
  const blockScore = (key: string): number => {
    const c = blockWeight > 0 ? evidence.blocks.get(key) : undefined;
    return c ? formula({ ef: c.ef, ep: c.ep, nf: F - c.ef, np: P - c.ep }) : 0;
  };

  const fileText = new Map<string, string[] | null>();
  const sourceLines = (path: string): string[] | null => {
    let lines = fileText.get(path);
    if (lines === undefined) {
      const src = options.source?.(path);
      fileText.set(path, (lines = src === undefined ? null : src.split('\n')));
    }
    return lines;
  };

  const frameBonus = new Map<string, number>();
  const regionShare = options.frameRegionShare ?? 0;
  let refusedFrames = 0;
  const frameWeight = options.frameWeight ?? 0;
  for (const t of failing) {
    const evidence = [t.stack, t.error].filter(Boolean).join('\n');
    if (!evidence) continue;
    const parsed = parseStack(evidence, options.repoRoot);
    const report = options.sourceMap ? mapFrames(parsed, options.repoRoot, options.sourceMap) : parsed;
    refusedFrames += report.refused;
    if (frameWeight <= 0) continue;
    const seen = new Set<string>();
    for (const f of report.frames.filter((fr) => isProgramFile(fr.path))) {
      const key = lineKey(f.path, f.line);
      const bonus = frameWeight / (1 + f.depth) / Math.max(1, F);
      // a frame repeated within one stack (recursion, middleware chains) counts once, at its innermost depth
      if (seen.has(key)) continue;
      seen.add(key);
      frameBonus.set(key, (frameBonus.get(key) ?? 0) + bonus);
      // The crash point is often after the fault in the same function: the lines above it, up to the definition's
      // header, share part of the frame's weight.
      const src = regionShare > 0 ? sourceLines(f.path) : null;
      const header = src ? enclosingHeaderLine(src, f.line) : undefined;
      if (header !== undefined) {
        for (let l = header; l < f.line; l++) {
          const k = lineKey(f.path, l);
          frameBonus.set(k, (frameBonus.get(k) ?? 0) + bonus * regionShare);
        }
      }
    }
  }

  const textWeight = options.textWeight ?? 0;
  const text =
    textWeight > 0 && options.source
      ? textModel(
          failing.map((t) => ({ title: t.id })),
          tests.map((t) => t.id),
        )
      : null;
  const textScore = (path: string, line: number): number => {
    const lines = text ? sourceLines(path) : null;
    return text && lines ? text.score(lines, line) : 0;
  };

  const nearestWeight = options.nearestWeight ?? 0;
  const nearest = nearestWeight > 0 ? nearestNeighbourDifference(tests) : new Map<string, number>();
  const recencyWeight = options.recencyWeight ?? 0;
  const lines: ScoredLine[] = [];
  for (const [key, c] of counts) {
    const cut = key.lastIndexOf(':');
    const path = key.slice(0, cut);
    const line = Number(key.slice(cut + 1));
    const spectrum = { ef: c.ef, ep: c.ep, nf: F - c.ef, np: P - c.ep };
    const score =
      formula(spectrum) +
      blockWeight * blockScore(key) +
      (frameBonus.get(key) ?? 0) +
      (c.ef > 0 && textWeight > 0 ? textWeight * textScore(path, line) : 0) +
      (c.ef > 0 && recencyWeight > 0 ? recencyWeight * (options.recency?.(path, line) ?? 0) : 0) +
      nearestWeight * (nearest.get(key) ?? 0);
    lines.push({ path, line, score, spectrum });
  }
  lines.sort((a, b) => b.score - a.score || a.path.localeCompare(b.path) || a.line - b.line);
  const fileBest = new Map<string, number>();
  for (const l of lines) if (!fileBest.has(l.path)) fileBest.set(l.path, l.score);
  const files = [...fileBest].map(([path, score]) => ({ path, score })).sort((a, b) => b.score - a.score);
  return { lines, files, refusedFrames, failingTests: F, passingTests: P };
}

/**
 * Nearest-neighbour queries (Renieris and Reiss, ASE 2003): for each failing test, the passing test whose executed
 * program lines are most alike (Jaccard); the lines the failing test executed and its neighbour did not are where
 * the two runs part. Returns per line the share of failing tests whose difference holds it.
 */
export function nearestNeighbourDifference(tests: readonly TestRun[]): Map<string, number> {
  const linesOf = (t: TestRun): Set<string> => {
    const set = new Set<string>();
    for (const [path, lines] of Object.entries(t.coverage)) {
      if (!isProgramFile(path)) continue;
      for (const l of lines) set.add(lineKey(path, l));
    }
    return set;
  };
  const failing = tests.filter((t) => t.failed).map(linesOf);
  const passing = tests.filter((t) => !t.failed).map(linesOf);
  const share = new Map<string, number>();
  for (const f of failing) {
    let best: Set<string> | undefined;
    let bestSim = -1;
    for (const p of passing) {
      let inter = 0;
      for (const k of p) if (f.has(k)) inter++;
      const sim = inter / (f.size + p.size - inter || 1);
      if (sim > bestSim) {
        bestSim = sim;
        best = p;
      }
    }
    for (const k of f) {
      if (!best || !best.has(k)) share.set(k, (share.get(k) ?? 0) + 1 / failing.length);
    }
  }
  return share;
}
