import type { TestRun } from './evidence.js';
import { lineKey } from './evidence.js';
import { FORMULAS, type Spectrum } from './spectrum.js';
import { mapFrames } from './sourcemap.js';
import { parseStack } from './stack.js';
import { isProgramFile } from './tests-filter.js';
import { enclosingHeaderLine, textModel } from './text.js';

/** Where the evidence comes from besides the test runs: the repository (frames are confined to it) and its text. */
export interface LocalizeContext {
  /** Repository root the stack frames are confined to. */
  readonly repoRoot: string;
  /** The program's source text by repository path (definitions, textual evidence); absent files score 0. */
  readonly source?: (path: string) => string | undefined;
  /** The source map of a repository file, if it has one (frames of generated code are mapped back, sourcemap.ts). */
  readonly sourceMap?: (path: string) => string | undefined;
  /**
   * How recently each line was last changed, in [0, 1] (1 = the newest commit), e.g. from `git blame`; a line changed
   * by recent commits is more likely to hold a regression.
   */
  readonly recency?: (path: string, line: number) => number | undefined;
}

/** How the evidence is combined: the weights leave-one-out chooses (bench/loo.ts), see defaults.ts. */
export interface LocalizeWeights {
  /** Spectrum formula name (see FORMULAS). */
  readonly formula?: string;
  /** Weight of a line named by a failing test's stack frame (innermost program frame most). */
  readonly frameWeight?: number;
  /** Share of a frame's weight given to the lines above it in the same definition (decaying with distance). */
  readonly frameRegionShare?: number;
  /** Weight of the block score (a run of consecutive covered lines) used to break line ties. */
  readonly blockWeight?: number;
  /** Weight of the enclosing definition's own spectrum (method level: rank methods, then lines within). */
  readonly methodWeight?: number;
  /** Weight of the textual evidence (failing tests' titles vs the enclosing definition), see text.ts. */
  readonly textWeight?: number;
  /**
   * Weight of the failing tests' titles vs the line's enclosing definitions, outer ones included: a nested
   * callback's own header names nothing, the method around it does.
   */
  readonly outerTextWeight?: number;
  /**
   * Weight of the failing tests' own code (the test-file lines only they executed: the calls they make) vs the
   * line's enclosing definitions.
   */
  readonly testCodeWeight?: number;
  /** Weight of the failing tests' error messages (stack lines removed) vs the enclosing definition, see text.ts. */
  readonly errorTextWeight?: number;
  /** Weight of the nearest-neighbour difference (Renieris and Reiss 2003), see nearestNeighbourDifference. */
  readonly nearestWeight?: number;
  /** Weight of the recency. */
  readonly recencyWeight?: number;
  /**
   * Share of its score a line loses when it holds no statement (a comment, closing brackets only): coverage marks
   * such lines executed along with their block, but a fix rarely changes them.
   */
  readonly statementPenalty?: number;
  /**
   * Share of a file's second and third best lines added to its best line's score when files are ranked: the faulty
   * statement usually sits among other suspicious lines of its block and definition, while a file whose one
   * suspicious line is an incidental helper the failing tests happened to pass through has nothing around it.
   */
  readonly fileBreadth?: number;
  /**
   * Share of its score a line gains when it holds a predicate (a branch condition, a comparison, a logical
   * operator): wrong conditions are the most common kind of fault in studies of real fixes.
   */
  readonly predicateBonus?: number;
}

export type LocalizeOptions = LocalizeContext & LocalizeWeights;

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

/** What the spectrum of a test run gives, independent of the weights: per line and per block, ef/ep counts. */
export interface SpectrumEvidence {
  readonly failing: number;
  readonly passing: number;
  readonly lines: ReadonlyMap<string, Counts>;
  /** Per line, the counts of its block (a run of covered lines of a file with gaps of at most 2 lines). */
  readonly blocks: ReadonlyMap<string, Counts>;
}

/** Per covered program line, the counts of the tests executing any line of the same group (block, definition). */
function groupCounts(
  tests: readonly TestRun[],
  groupOf: (key: string) => string | undefined,
): { counts: Map<string, Counts>; groups: Map<string, string> } {
  const counts = new Map<string, Counts>();
  const keyGroup = new Map<string, string>();
  for (const t of tests) {
    const hit = new Set<string>();
    for (const [path, lines] of Object.entries(t.coverage)) {
      if (!isProgramFile(path)) continue;
      for (const l of lines) {
        const key = lineKey(path, l);
        let group = keyGroup.get(key);
        if (group === undefined) {
          group = groupOf(key);
          if (group === undefined) continue;
          keyGroup.set(key, group);
        }
        hit.add(group);
      }
    }
    for (const group of hit) {
      let c = counts.get(group);
      if (!c) counts.set(group, (c = { ef: 0, ep: 0 }));
      if (t.failed) c.ef++;
      else c.ep++;
    }
  }
  const perLine = new Map<string, Counts>();
  for (const [key, group] of keyGroup) perLine.set(key, counts.get(group)!);
  return { counts: perLine, groups: keyGroup };
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
  const blockOf = new Map<string, string>();
  for (const [path, lineSet] of linesOf) {
    const sorted = [...lineSet].sort((x, y) => x - y);
    let start = 0;
    sorted.forEach((l, i) => {
      if (i === 0 || l - sorted[i - 1]! > 2) start = l;
      blockOf.set(lineKey(path, l), lineKey(path, start));
    });
  }
  const blocks = groupCounts(tests, (key) => blockOf.get(key)).counts;
  return { failing: F, passing: tests.length - F, lines: counts, blocks };
}

/** The evidence about one covered program line, before weighting. */
export interface LineFeatures {
  readonly path: string;
  readonly line: number;
  readonly spectrum: Spectrum;
  /** Spectrum of the line's block (a run of consecutive covered lines). */
  readonly block: Spectrum;
  /** Spectrum of the line's enclosing definition (its block when the source is unknown). */
  readonly method: Spectrum;
  /** Share of failing tests whose stack names the line, each by 1 / (1 + depth among the program's frames). */
  readonly frame: number;
  /** The same for the lines above a frame in its definition, times 1 / (1 + distance / 10). */
  readonly frameRegion: number;
  /** Failing tests' titles vs the enclosing definition, in [0, 1]; 0 for lines no failing test executed. */
  readonly text: number;
  /** Failing tests' titles vs the line and the definitions around it (up to OUTER_LEVELS), in [0, 1]. */
  readonly outerText: number;
  /** Failing tests' own code vs the enclosing definitions (see ownTestCode), in [0, 1]. */
  readonly testCode: number;
  /** Failing tests' error messages vs the enclosing definition, in [0, 1]; 0 for lines no failing test executed. */
  readonly errorText: number;
  /** Recency in [0, 1]; 0 for lines no failing test executed. */
  readonly recency: number;
  /** Share of failing tests whose nearest passing neighbour did not execute the line. */
  readonly nearest: number;
  /** The line holds no statement: only a comment or closing brackets (see isTrivialLine); false without source. */
  readonly trivial: boolean;
  /** The line holds a predicate (see isPredicateLine); false without source. */
  readonly predicate: boolean;
}

export interface Features {
  readonly lines: readonly LineFeatures[];
  readonly refusedFrames: number;
  readonly failingTests: number;
  readonly passingTests: number;
}

/** How many enclosing definitions the outer textual evidence reads: a callback, its method, and one more. */
const OUTER_LEVELS = 3;

/**
 * A line without a statement of its own: blank, a comment, or block syntax only (brackets and separators, with at
 * most a bare `else`, `try`, `finally` or `do` between them: `} else {` decides nothing, its `if` does).
 */
export function isTrivialLine(text: string): boolean {
  const t = text.trim();
  return (
    t === '' ||
    /^(\/\/|\/\*|\*|#(\s|$)|--\s)/.test(t) ||
    /^[\])};,]+$/.test(t) ||
    /^[\])}]*\s*(?:else|try|finally|do)\s*\{?$/.test(t)
  );
}

/** A line deciding something: a branch or loop condition, a comparison, a logical or conditional operator. */
export function isPredicateLine(text: string): boolean {
  const code = text.replace(/\/\/.*$/, '').replace(/(['"`])(?:\\.|(?!\1).)*\1/g, '""');
  return /\b(if|while|elif|unless|case|when)\b|[=!]==?|[<>]=?|&&|\|\||\?\?|\?[^.:]*:|\b(and|or|not)\b/.test(
    code,
  );
}

/**
 * The text of a failing test's own code: the lines of test files it executed and no passing test did (its body, the
 * helpers only it uses), at most 200 lines. The calls a test makes name the program's parts it exercises.
 */
export function ownTestCode(
  test: TestRun,
  tests: readonly TestRun[],
  sourceLines: (path: string) => readonly string[] | null,
): string {
  const out: string[] = [];
  for (const [path, lines] of Object.entries(test.coverage)) {
    if (isProgramFile(path) || /(^|\/)node_modules\//.test(path)) continue;
    const src = sourceLines(path);
    if (!src) continue;
    const byPassing = new Set<number>();
    for (const t of tests) if (!t.failed) for (const l of t.coverage[path] ?? []) byPassing.add(l);
    for (const l of lines) {
      if (byPassing.has(l) || out.length >= 200) continue;
      const text = src[l - 1];
      if (text !== undefined && !isTrivialLine(text))
        out.push(text.replace(/(['"`])(?:\\.|(?!\1).)*\1/g, ' '));
    }
  }
  return out.join('\n');
}

/** A failure message without the stack it may quote (a 500 page carries one): the words of what went wrong. */
export function errorMessageText(error: string): string {
  return error
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/&[a-z]+;/gi, ' ')
    .replace(/\s+at [^\n]*/g, ' ')
    .replace(/(?:\/[\w.@-]+)+(?::\d+)*/g, ' ')
    .slice(0, 2000);
}

/**
 * Ranks the program's lines by how suspicious a failing test run makes them.
 *
 * 1. Spectrum: per line, the failing/passing tests that executed it, scored by a formula (Ochiai, DStar).
 * 2. Method level: lines executed by exactly the same tests tie; the spectrum of the line's enclosing definition
 *    (a test executes it when it executes any of its lines) and of its block (a run of consecutive covered lines,
 *    a language-agnostic stand-in) ranks the methods, and the lines within them.
 * 3. Stack frames of failing tests (and stacks quoted in their failure messages) that land in the program add to
 *    the lines they name (innermost program frame most) and, with a share decaying with distance, to the lines
 *    above them in the same definition: a crash is often a few lines after its cause.
 * 4. Textual evidence: the failing tests' titles and error messages against the enclosing definition (text.ts).
 * Test files and dependencies are never suspects. The weights are chosen by leave-one-out on real bugs
 * (bench/localize.ts --loo), see defaults.ts.
 */
export function localize(
  tests: readonly TestRun[],
  options: LocalizeOptions,
  evidence: SpectrumEvidence = spectrumEvidence(tests),
): Localization {
  return rankFeatures(lineFeatures(tests, options, evidence, options), options);
}

/**
 * The evidence per covered program line (weights apart, so that many weightings can be ranked cheaply). With
 * `only`, evidence whose weight is 0 there is left at 0 instead of computed (the nearest-neighbour difference
 * compares every failing test with every passing one).
 */
export function lineFeatures(
  tests: readonly TestRun[],
  context: LocalizeContext,
  evidence: SpectrumEvidence = spectrumEvidence(tests),
  only?: LocalizeWeights,
): Features {
  const failing = tests.filter((t) => t.failed);
  const F = evidence.failing;
  const P = evidence.passing;
  const spectrumOf = (c: Counts): Spectrum => ({ ef: c.ef, ep: c.ep, nf: F - c.ef, np: P - c.ep });
  const fileText = new Map<string, string[] | null>();
  const sourceLines = (path: string): string[] | null => {
    let lines = fileText.get(path);
    if (lines === undefined) {
      const src = context.source?.(path);
      fileText.set(path, (lines = src === undefined ? null : src.split('\n')));
    }
    return lines;
  };
  const headerOf = (key: string): string | undefined => {
    const cut = key.lastIndexOf(':');
    const path = key.slice(0, cut);
    const src = sourceLines(path);
    if (!src) return evidence.blocks.has(key) ? `block ${key}` : undefined;
    const header = enclosingHeaderLine(src, Number(key.slice(cut + 1)));
    return lineKey(path, header ?? 0);
  };
  const { counts: methods, groups: methodOf } = groupCounts(tests, headerOf);

  const frame = new Map<string, number>();
  const frameRegion = new Map<string, number>();
  let refusedFrames = 0;
  const add = (map: Map<string, number>, key: string, value: number) =>
    map.set(key, Math.max(map.get(key) ?? 0, value));
  for (const t of failing) {
    // per test, the best evidence each line gets from any of its stacks (its own, one quoted in its message)
    const own = new Map<string, number>();
    const region = new Map<string, number>();
    for (const text of [t.stack, t.error]) {
      if (!text) continue;
      const parsed = parseStack(text, context.repoRoot);
      const report = context.sourceMap ? mapFrames(parsed, context.repoRoot, context.sourceMap) : parsed;
      refusedFrames += report.refused;
      const program = report.frames.filter((fr) => isProgramFile(fr.path));
      program.forEach((f, depth) => {
        const weight = 1 / (1 + depth);
        add(own, lineKey(f.path, f.line), weight);
        const src = sourceLines(f.path);
        const header = src ? enclosingHeaderLine(src, f.line) : undefined;
        if (header === undefined) return;
        for (let l = header; l < f.line; l++) {
          add(region, lineKey(f.path, l), weight / (1 + (f.line - l) / 10));
        }
      });
    }
    for (const [k, v] of own) frame.set(k, (frame.get(k) ?? 0) + v / Math.max(1, F));
    for (const [k, v] of region) frameRegion.set(k, (frameRegion.get(k) ?? 0) + v / Math.max(1, F));
  }

  const allTitles = tests.map((t) => t.id);
  const titles = context.source
    ? textModel(
        failing.map((t) => ({ title: t.id })),
        allTitles,
      )
    : null;
  const outerTitles = context.source
    ? textModel(
        failing.map((t) => ({ title: t.id })),
        allTitles,
        { levels: OUTER_LEVELS },
      )
    : null;
  // An error message's words are weighed by how rare they are among the program's definitions, not among test
  // titles: "function" or "undefined" name no definition in particular, "engine" does.
  const headers = new Set<string>();
  for (const group of new Set(methodOf.values())) {
    const cut = group.lastIndexOf(':');
    const header = sourceLines(group.slice(0, cut))?.[Number(group.slice(cut + 1)) - 1];
    if (header !== undefined) headers.add(header);
  }
  const errors = context.source
    ? textModel(
        failing.map((t) => ({ title: '', error: errorMessageText(t.error ?? '') })),
        [...headers],
      )
    : null;
  const testCode = context.source
    ? textModel(
        failing.map((t) => ({ title: '', error: ownTestCode(t, tests, sourceLines) })),
        [...headers],
        { levels: OUTER_LEVELS },
      )
    : null;
  const nearest = only && !only.nearestWeight ? new Map<string, number>() : nearestNeighbourDifference(tests);
  const lines: LineFeatures[] = [];
  for (const [key, c] of evidence.lines) {
    const cut = key.lastIndexOf(':');
    const path = key.slice(0, cut);
    const line = Number(key.slice(cut + 1));
    const src = c.ef > 0 ? sourceLines(path) : null;
    const own = sourceLines(path)?.[line - 1];
    lines.push({
      path,
      line,
      spectrum: spectrumOf(c),
      block: spectrumOf(evidence.blocks.get(key) ?? c),
      method: spectrumOf(methods.get(key) ?? evidence.blocks.get(key) ?? c),
      frame: frame.get(key) ?? 0,
      frameRegion: frameRegion.get(key) ?? 0,
      text: src && titles ? titles.score(src, line) : 0,
      outerText: src && outerTitles ? outerTitles.score(src, line) : 0,
      errorText: src && errors ? errors.score(src, line) : 0,
      testCode: src && testCode ? testCode.score(src, line) : 0,
      recency: c.ef > 0 ? (context.recency?.(path, line) ?? 0) : 0,
      nearest: nearest.get(key) ?? 0,
      trivial: own !== undefined && isTrivialLine(own),
      predicate: own !== undefined && isPredicateLine(own),
    });
  }
  return { lines, refusedFrames, failingTests: F, passingTests: P };
}

/** Weighs the evidence of each line and ranks lines and files. */
export function rankFeatures(features: Features, weights: LocalizeWeights): Localization {
  const formula = FORMULAS[weights.formula ?? 'ochiai'];
  if (!formula) throw new Error(`unknown formula ${weights.formula}`);
  const w = {
    block: weights.blockWeight ?? 0,
    method: weights.methodWeight ?? 0,
    frame: weights.frameWeight ?? 0,
    region: (weights.frameWeight ?? 0) * (weights.frameRegionShare ?? 0),
    text: weights.textWeight ?? 0,
    errorText: weights.errorTextWeight ?? 0,
    outerText: weights.outerTextWeight ?? 0,
    testCode: weights.testCodeWeight ?? 0,
    recency: weights.recencyWeight ?? 0,
    nearest: weights.nearestWeight ?? 0,
    keep: 1 - (weights.statementPenalty ?? 0),
    predicate: 1 + (weights.predicateBonus ?? 0),
  };
  const lines: ScoredLine[] = features.lines.map((f) => ({
    path: f.path,
    line: f.line,
    spectrum: f.spectrum,
    score:
      (f.trivial ? w.keep : f.predicate ? w.predicate : 1) *
      (formula(f.spectrum) +
        (w.block > 0 ? w.block * formula(f.block) : 0) +
        (w.method > 0 ? w.method * formula(f.method) : 0) +
        w.frame * f.frame +
        w.region * f.frameRegion +
        w.text * f.text +
        w.errorText * f.errorText +
        w.outerText * f.outerText +
        w.testCode * f.testCode +
        w.recency * f.recency +
        w.nearest * f.nearest),
  }));
  lines.sort((a, b) => b.score - a.score || a.path.localeCompare(b.path) || a.line - b.line);
  const files = rankFiles(lines, weights.fileBreadth ?? 0);
  return {
    lines,
    files,
    refusedFrames: features.refusedFrames,
    failingTests: features.failingTests,
    passingTests: features.passingTests,
  };
}

/**
 * Files by their best line plus `breadth` times their next two (lines sorted best first). Ties keep the order of the
 * files' best lines.
 */
export function rankFiles(lines: readonly ScoredLine[], breadth: number): { path: string; score: number }[] {
  const top = new Map<string, number[]>();
  for (const l of lines) {
    let scores = top.get(l.path);
    if (!scores) top.set(l.path, (scores = []));
    if (scores.length < 3) scores.push(l.score);
  }
  return [...top]
    .map(([path, [best = 0, second = 0, third = 0]]) => ({ path, score: best + breadth * (second + third) }))
    .sort((a, b) => b.score - a.score);
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
