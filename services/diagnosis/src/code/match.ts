import type { LogCallSite } from './logCalls.js';

export interface SiteMatch {
  readonly site: LogCallSite;
  /** In (0, 1]: 1 when the site's constant text and the template's agree word for word around their `<*>`. */
  readonly score: number;
  /** Constant words of the template found, in order, in the site's constant text. */
  readonly matched: number;
}

export interface MatchOptions {
  /** Matches scoring below this are dropped (default: anything above 0 is kept). */
  readonly minScore?: number;
  readonly limit?: number;
}

/**
 * Credit for a constant word of one side that stands where the other side has a `<*>`. Miners over-generalize
 * (a constant became `<*>`) and under-generalize (a value that rarely changed stayed constant); either way the
 * word is plausibly explained, but less surely than a word found verbatim.
 */
const ABSORBED = 0.5;

interface Piece {
  readonly wild: boolean;
  readonly text: string;
}

const PIECE = /<\*>|[\p{L}\p{N}_]+/gu;

/**
 * A message cut into words and `<*>`, lower-cased; punctuation is dropped (`sku=<*>` is `sku`, `<*>`), since
 * how a miner masks around delimiters varies more than the words do.
 */
export function pieces(text: string): Piece[] {
  const out: Piece[] = [];
  for (const m of text.matchAll(PIECE)) {
    const wild = m[0] === '<*>';
    // adjacent variables are one variable to both a miner and a template literal
    if (wild && out.at(-1)?.wild) continue;
    out.push({ wild, text: wild ? '' : m[0].toLowerCase() });
  }
  return out;
}

interface Cell {
  readonly value: number;
  readonly matched: number;
  readonly absorbedT: number;
  readonly absorbedS: number;
}

const ZERO: Cell = { value: 0, matched: 0, absorbedT: 0, absorbedS: 0 };

/** Words found verbatim first (a longest common subsequence), then the most words explained by a `<*>`. */
function better(a: Cell, b: Cell): Cell {
  if (a.matched !== b.matched) return a.matched > b.matched ? a : b;
  return a.value >= b.value ? a : b;
}

/**
 * The best in-order alignment of two piece sequences: a longest common subsequence of constant words, and among
 * those the one where most skipped constants stand next to a `<*>` of the other side (each earns ABSORBED). Quadratic in words; messages are short.
 */
function align(t: readonly Piece[], s: readonly Piece[]): Cell {
  const cols = s.length + 1;
  // row i holds the best alignment of t[i..] with s[j..]; filled from the end
  let next: Cell[] = new Array<Cell>(cols).fill(ZERO);
  for (let i = t.length; i >= 0; i--) {
    const row: Cell[] = new Array<Cell>(cols).fill(ZERO);
    for (let j = s.length; j >= 0; j--) {
      if (i === t.length && j === s.length) continue;
      let best: Cell = ZERO;
      const tp = t[i];
      const sp = s[j];
      if (tp && sp && !tp.wild && !sp.wild && tp.text === sp.text) {
        const d = next[j + 1]!;
        best = { ...d, value: d.value + 1, matched: d.matched + 1 };
      }
      if (tp) {
        // skip a template piece: absorbed when a site wildcard stands next to this point of the alignment
        const d = next[j]!;
        const absorbed = !tp.wild && (s[j - 1]?.wild === true || sp?.wild === true);
        best = better(best, absorbed ? { ...d, value: d.value + ABSORBED, absorbedT: d.absorbedT + 1 } : d);
      }
      if (sp) {
        const d = row[j + 1]!;
        const absorbed = !sp.wild && (t[i - 1]?.wild === true || tp?.wild === true);
        best = better(best, absorbed ? { ...d, value: d.value + ABSORBED, absorbedS: d.absorbedS + 1 } : d);
      }
      row[j] = best;
    }
    next = row;
  }
  return next[0]!;
}

/** How well a site's message explains a mined template: the harmonic mean of both sides' explained words. */
export function templateScore(template: string, message: string): { score: number; matched: number } {
  const t = pieces(template);
  const s = pieces(message);
  const tConst = t.filter((p) => !p.wild).length;
  const sConst = s.filter((p) => !p.wild).length;
  if (tConst === 0 || sConst === 0) return { score: 0, matched: 0 };
  const best = align(t, s);
  const recall = Math.min(1, (best.matched + ABSORBED * best.absorbedT) / tConst);
  const precision = Math.min(1, (best.matched + ABSORBED * best.absorbedS) / sConst);
  const score = recall + precision === 0 ? 0 : (2 * recall * precision) / (recall + precision);
  return { score, matched: best.matched };
}

function compareSites(a: LogCallSite, b: LogCallSite): number {
  if (a.test !== b.test) return a.test ? 1 : -1;
  if (a.path !== b.path) return a.path < b.path ? -1 : 1;
  return a.line - b.line || a.column - b.column;
}

/**
 * The log call sites that may have printed the lines a mined template stands for, best first. Ties are broken
 * by words matched verbatim, then program code before tests, then path and position, so the order is the same
 * on every run.
 */
export function matchTemplate(
  template: string,
  sites: readonly LogCallSite[],
  options: MatchOptions = {},
): SiteMatch[] {
  const min = options.minScore ?? Number.MIN_VALUE;
  const out: SiteMatch[] = [];
  for (const site of sites) {
    if (site.message === null) continue;
    const { score, matched } = templateScore(template, site.message);
    if (score >= min && score > 0) out.push({ site, score, matched });
  }
  out.sort((a, b) => b.score - a.score || b.matched - a.matched || compareSites(a.site, b.site));
  return options.limit === undefined ? out : out.slice(0, options.limit);
}

/** Object keys under which loggers conventionally name the step of a flow a line belongs to. */
const STEP_KEYS = ['step', 'stage', 'phase', 'event', 'action', 'operation', 'op', 'task', 'activity'];

/**
 * The sites that log a step of a flow: those with a constant `{ <key>: step }` (conventional step keys first),
 * or, when no site names it so, those inside a function of that name (`reserve` finds `Inventory.reserve`).
 */
export function sitesForStep(step: string, sites: readonly LogCallSite[]): LogCallSite[] {
  const rank = (site: LogCallSite): number => {
    let best = Infinity;
    for (const [key, value] of Object.entries(site.constants)) {
      if (value !== step) continue;
      const k = STEP_KEYS.indexOf(key.toLowerCase());
      best = Math.min(best, k < 0 ? STEP_KEYS.length : k);
    }
    return best;
  };
  const named = sites
    .map((site) => ({ site, rank: rank(site) }))
    .filter((x) => x.rank !== Infinity)
    .sort((a, b) => a.rank - b.rank || compareSites(a.site, b.site))
    .map((x) => x.site);
  if (named.length > 0) return named;
  const wanted = step.toLowerCase();
  return sites
    .filter((site) => site.fn?.name.split(/[.> ]+/).some((part) => part.toLowerCase() === wanted))
    .sort(compareSites);
}
