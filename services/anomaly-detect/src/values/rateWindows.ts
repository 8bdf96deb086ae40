import { binomialTail } from '../performance/aggregates.js';

/**
 * The windowed rate test both value detectors use (novel values, novelty.ts; changed outcomes, outcomes.ts): per
 * window of event time, lines and how many of them count (a value never seen before, an outcome other than the one
 * its inputs gave before), judged against the series' own history of such windows.
 *
 * - The expected rate is a one-sided 95 % upper bound of the history's count over its lines (`expectedRateOf`), so a
 *   short or quiet history makes the test cautious, not eager.
 * - A judged window is pooled with the few before it (`poolWindows`), so a change too small to show in one minute
 *   shows over a few; each span ending with the newest window is tried, its binomial tail multiplied by the spans
 *   tried.
 * - A window joins the history only once it leaves the pool unreported and outside a report's quiet time: what a
 *   report was about never becomes the expectation it is judged against.
 *
 * The series keep their own state (`history`, `pool`, `quietUntil`) with their own window fields; `countOf` reads a
 * pooled window's count, so the stored state of either detector is what it was before the test was shared.
 */
export interface RateHistoryWindow {
  /** Lines that counted (named for the novelty test, the first user; violations for the outcome test). */
  novel: number;
  lines: number;
}

export interface PooledCountWindow {
  start: number;
  lines: number;
  reported: boolean;
}

export interface RateSeriesState<W extends PooledCountWindow> {
  history: RateHistoryWindow[];
  pool: W[];
  /** Nothing is reported, nor pooled into a report, before this (event time). */
  quietUntil: number;
}

/** Adds a window to the history, keeping the most recent `historyWindows`. */
export function addToHistory(
  history: RateHistoryWindow[],
  w: RateHistoryWindow,
  historyWindows: number,
): void {
  history.push(w);
  if (history.length > historyWindows) history.shift();
}

/** Pools a judged window; the oldest leaving the pool joins the history unless reported or in a quiet time. */
export function poolWindow<W extends PooledCountWindow>(
  s: RateSeriesState<W>,
  w: W,
  countOf: (w: W) => number,
  o: { poolWindows: number; historyWindows: number },
): void {
  s.pool.push(w);
  while (s.pool.length > o.poolWindows) {
    const old = s.pool.shift()!;
    if (!old.reported && old.start >= s.quietUntil && old.lines > 0)
      addToHistory(s.history, { novel: countOf(old), lines: old.lines }, o.historyWindows);
  }
}

/** One span of pooled windows ending with the newest: where it starts, its count and lines, its corrected tail. */
export interface Span {
  from: number;
  count: number;
  lines: number;
  /** Binomial upper tail of the count at the expected rate, times the spans tried. */
  tail: number;
}

/** The spans ending with the newest pooled window, newest first (one window, the last two, ...), outside quiet time. */
export function* spansOf<W extends PooledCountWindow>(
  s: RateSeriesState<W>,
  rate: number,
  countOf: (w: W) => number,
): Generator<Span> {
  const tried = s.pool.length;
  let count = 0;
  let lines = 0;
  for (let i = s.pool.length - 1; i >= 0 && s.pool[i]!.start >= s.quietUntil; i--) {
    count += countOf(s.pool[i]!);
    lines += s.pool[i]!.lines;
    yield { from: i, count, lines, tail: binomialTail(count, lines, rate, 'upper') * tried };
  }
}

/** Marks the reported span's windows (never pooled into another report) and starts the quiet time. */
export function reported<W extends PooledCountWindow>(
  s: RateSeriesState<W>,
  from: number,
  quietUntil: number,
): W[] {
  const span = s.pool.slice(from);
  for (const p of span) p.reported = true;
  s.quietUntil = quietUntil;
  return span;
}

/** The rate a series' history allows: a one-sided 95 % upper bound of its count over its lines. */
export function expectedRateOf(history: ReadonlyArray<RateHistoryWindow>): number {
  let novel = 0;
  let lines = 0;
  for (const h of history) {
    novel += h.novel;
    lines += h.lines;
  }
  return Math.min(1, poissonUpper(novel) / Math.max(1, lines));
}

/**
 * One-sided 95 % upper bound of a Poisson mean from a count (Wilson-Hilferty): 3.0 for nothing seen, so that a
 * series that never counted a line is still expected to, about three times in its history's length.
 */
export function poissonUpper(count: number): number {
  const z = 1.645;
  const a = count + 1;
  return a * (1 - 1 / (9 * a) + z / (3 * Math.sqrt(a))) ** 3;
}
