import type { LogCallSite } from './logCalls.js';

export interface SiteMatch {
  readonly site: LogCallSite;
  /**
   * In (0, 1]: 1 when the site's constant text and the template's agree word for word around their `<*>`. On the
   * sample application, the site that printed a template scores 0.75-1 and the best unrelated site under 0.4.
   */
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
 * Credit for a constant word of one side that stands where the other side has only a `<*>`: plausibly the same
 * text, less surely than a word found verbatim.
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

/** How much a word says about which site printed a line (1 for every word when no corpus is given). */
export type WordWeight = (word: string) => number;

const UNIFORM: WordWeight = () => 1;

/**
 * Inverse document frequency of words over the sites' messages: `took` and `ms` end half the messages of a
 * service and say little, `warehouse` says a lot. Words no site has (values a miner kept) weigh the most.
 */
export function siteWordWeights(sites: readonly LogCallSite[]): WordWeight {
  const df = new Map<string, number>();
  let n = 0;
  for (const site of sites) {
    if (site.message === null) continue;
    n++;
    for (const w of new Set(
      pieces(site.message)
        .filter((p) => !p.wild)
        .map((p) => p.text),
    ))
      df.set(w, (df.get(w) ?? 0) + 1);
  }
  return (word) => Math.log((n + 1) / ((df.get(word) ?? 0) + 0.5));
}

/**
 * The heaviest common subsequence of constant words (a weighted LCS), as index pairs; ties go to matching early,
 * so the alignment is the same on every run. Quadratic in words; messages are short.
 */
function align(t: readonly Piece[], s: readonly Piece[], weight: WordWeight): [number, number][] {
  const cols = s.length + 1;
  const best = new Float64Array((t.length + 1) * cols);
  const at = (i: number, j: number): number => best[i * cols + j]!;
  const gain = (i: number, j: number): number => {
    const a = t[i]!;
    const b = s[j]!;
    return !a.wild && !b.wild && a.text === b.text ? weight(a.text) : 0;
  };
  for (let i = t.length - 1; i >= 0; i--) {
    for (let j = s.length - 1; j >= 0; j--) {
      const g = gain(i, j);
      best[i * cols + j] = Math.max(at(i + 1, j), at(i, j + 1), g > 0 ? g + at(i + 1, j + 1) : 0);
    }
  }
  const pairs: [number, number][] = [];
  for (let i = 0, j = 0; i < t.length && j < s.length;) {
    const g = gain(i, j);
    if (g > 0 && at(i, j) === g + at(i + 1, j + 1)) pairs.push([i++, j++]);
    else if (at(i + 1, j) >= at(i, j + 1)) i++;
    else j++;
  }
  return pairs;
}

export interface TemplateScore {
  readonly score: number;
  /** Constant words found verbatim, in order, on both sides. */
  readonly matched: number;
}

/**
 * How well a site's message explains a mined template: the harmonic mean of the (weighted) share of the
 * template's words the site explains and of the site's words the template explains. A word is explained when
 * both have it, in order; or, at half credit, when it stands between two matched words where the other side has
 * only `<*>` there: a miner over-generalized (its `<*>` covers a constant of the code) or under-generalized (it
 * kept a value the code prints with `${}`). Where both sides have words of their own, those are different
 * texts, and nothing is credited.
 */
export function templateScore(
  template: string,
  message: string,
  weight: WordWeight = UNIFORM,
): TemplateScore {
  const t = pieces(template);
  const s = pieces(message);
  const total = (ps: readonly Piece[]): number =>
    ps.reduce((sum, p) => sum + (p.wild ? 0 : weight(p.text)), 0);
  const tTotal = total(t);
  const sTotal = total(s);
  if (tTotal === 0 || sTotal === 0) return { score: 0, matched: 0 };
  const pairs = align(t, s, weight);
  let matched = 0;
  for (const [i] of pairs) matched += weight(t[i]!.text);
  let absorbedT = 0;
  let absorbedS = 0;
  // the gaps between consecutive matched words, and before the first and after the last
  const bounds: [number, number][] = [[-1, -1], ...pairs, [t.length, s.length]];
  for (let k = 1; k < bounds.length; k++) {
    const tGap = t.slice(bounds[k - 1]![0] + 1, bounds[k]![0]);
    const sGap = s.slice(bounds[k - 1]![1] + 1, bounds[k]![1]);
    const tWords = total(tGap);
    const sWords = total(sGap);
    if (tWords > 0 && sWords === 0 && sGap.some((p) => p.wild)) absorbedT += tWords;
    if (sWords > 0 && tWords === 0 && tGap.some((p) => p.wild)) absorbedS += sWords;
  }
  const recall = (matched + ABSORBED * absorbedT) / tTotal;
  const precision = (matched + ABSORBED * absorbedS) / sTotal;
  const score = recall + precision === 0 ? 0 : (2 * recall * precision) / (recall + precision);
  return { score, matched: pairs.length };
}

function compareSites(a: LogCallSite, b: LogCallSite): number {
  if (a.test !== b.test) return a.test ? 1 : -1;
  if (a.path !== b.path) return a.path < b.path ? -1 : 1;
  return a.line - b.line || a.column - b.column;
}

/**
 * The log call sites that may have printed the lines a mined template stands for, best first. Words weigh by
 * their rarity among these sites' messages (siteWordWeights), so pass all the repository's sites. Ties are broken
 * by words matched verbatim, then program code before tests, then path and position, so the order is the same
 * on every run.
 */
export function matchTemplate(
  template: string,
  sites: readonly LogCallSite[],
  options: MatchOptions = {},
): SiteMatch[] {
  const min = options.minScore ?? Number.MIN_VALUE;
  const weight = siteWordWeights(sites);
  const out: SiteMatch[] = [];
  for (const site of sites) {
    if (site.message === null) continue;
    const { score, matched } = templateScore(template, site.message, weight);
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
