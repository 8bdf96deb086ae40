import type { Finding, TemplatedEvent } from '@self-healing/schemas';
import { findingId } from '../incidents/stable-id.js';
import { binomialTail } from '../performance/aggregates.js';
import {
  addToHistory,
  expectedRateOf,
  poolWindow,
  reported,
  spansOf,
  type PooledCountWindow,
} from './rateWindows.js';

/**
 * Parameter values that were never seen before, more often than a parameter's own history allows.
 *
 * A release that computes a different price, a new rejection reason or a status a route never answered leaves
 * every log line's template as it was: only the values in it change. For each template parameter (per service),
 * the detector learns the values it takes and how often a line carries one that no earlier window of event time
 * had, and reports a window (or a few pooled) in which that happens improbably often. One rule covers parameters
 * of every kind without being told which is which: an id or a random code is new on nearly every line, so its
 * own history expects novelty (and once it has more distinct values than `maxDistinct` it is not judged at all); a
 * status, a reason code or a price drawn from a catalogue is new on few lines, so a release that adds values shows.
 *
 * The expected share is measured exactly as it is tested, window against the windows before it, over the last
 * `historyWindows` windows that were not reported (the warm-up's after its first, then judged ones once they leave
 * the pool): recent windows, because the share falls as a parameter's usual values become known, and the first
 * windows, compared with little, would make it look higher than it is. The test uses a one-sided 95 % upper bound
 * of it, so a short history makes the detector cautious, not eager. (Good-Turing's share of values
 * seen once, tried first, took a session's id for a usual value: a cart id recurs on each of the cart's lines
 * within seconds, then never again.) A new value is known from the next window on, so a changed value is reported
 * where it first appears, and a changed distribution while its values are still being discovered.
 *
 * A second test looks at single values: a value that no earlier line had and that now recurs (an amount a changed
 * rule computes for one of the common baskets) is improbable whatever its probability p, since a common value would
 * have been seen before: the bound is the largest, over p, of P(absent from the N earlier lines) × P(at least k of
 * the M lines now), times the new values tried. It catches a change that touches a few common cases, too few lines
 * to move the share. Measured
 * quantities (a parameter the parse stage read as a duration or size) belong to the performance detector, and
 * dates and times change by nature: neither is judged.
 */
export interface ValueNoveltyOptions {
  /** Event time per window (warm-up and judged alike: the expected rate is measured window against window). */
  windowMs: number;
  /** A window is judged once its service's time is this far past its end (later lines may still arrive). */
  graceMs: number;
  /** Lines of a parameter before it is judged; the values seen until then are known. */
  minBaseline: number;
  /** Windows compared with earlier ones a parameter needs before it is judged (its expected rate's first history). */
  minHistoryWindows: number;
  /** Windows the expected rate is measured over, the most recent ones not reported. */
  historyWindows: number;
  /** After a report, the parameter is not reported again for this long (event time). */
  quietMs: number;
  /** A parameter with more distinct values than this is free-form (ids, open ranges): no longer judged. */
  maxDistinct: number;
  /** Windows pooled at most, so that a change too small to show in one minute shows over a few. */
  poolWindows: number;
  /** Binomial tail below which a window (or pooled span) is reported, after correcting for the spans tried. */
  alpha: number;
  /** Lines with a new value a report on their share needs at least. */
  minNovel: number;
  /** Lines a single new value needs at least for a report on its recurrence. */
  minRecurrence: number;
  /**
   * A parameter expected to bring a new value on this share of lines or more is an identifier (a cart, an order, an
   * authorization code): what is new in it says nothing, and per-process counters that restart with a deploy make it
   * look newer still. Not judged.
   */
  maxExpectedRate: number;
  /** Parameters followed at most (template × position × service). */
  maxSeries: number;
  /**
   * Values kept at most over all parameters (each clipped to `maxValueLength` characters): log lines are written by
   * whoever sends them, and memory must not grow with what they choose to put in. A parameter that would go beyond is
   * dropped as free-form.
   */
  maxValues: number;
  maxValueLength: number;
}

export const defaultValueNoveltyOptions: ValueNoveltyOptions = {
  windowMs: 60_000,
  graceMs: 5_000,
  minBaseline: 200,
  minHistoryWindows: 4,
  historyWindows: 10,
  quietMs: 30 * 60_000,
  maxDistinct: 2_000,
  poolWindows: 5,
  // Stricter than the flow windows' 1e-4: a service has dozens of parameters, each tested every minute.
  alpha: 1e-6,
  minNovel: 5,
  minRecurrence: 4,
  maxExpectedRate: 0.5,
  maxSeries: 5_000,
  maxValues: 200_000,
  maxValueLength: 120,
};

/** An open window of one parameter: how many lines, how many with a value not known at the window's start. */
interface ValueWindow {
  start: number;
  lines: number;
  novel: number;
  /** Every value of the window with its count (merged into the known values when the window closes). */
  counts: Map<string, number>;
}

/** A judged window still in the pool: it joins the null rate only after it leaves the pool unreported. */
interface PooledWindow extends PooledCountWindow {
  novel: number;
}

interface ParameterSeries {
  service: string;
  templateId: string;
  template: string;
  /** Position of the parameter in the template, from 0. */
  index: number;
  /** More distinct values than `maxDistinct`: not judged, values dropped. */
  free: boolean;
  /**
   * value -> [lines seen, event time of the window it first appeared in]. A Map, not an object: the values are
   * text from log lines (`__proto__` included).
   */
  values: Map<string, [number, number]>;
  lines: number;
  /** End of the window in which the parameter reached `minBaseline` lines; null while warming up. */
  warmedAt: number | null;
  /** The expected rate's windows, oldest first: lines with a value no earlier window had, and lines. */
  history: Array<{ novel: number; lines: number }>;
  window: ValueWindow | null;
  pool: PooledWindow[];
  /** After a report, the parameter is not reported again before this (event time; see `quietMs`). */
  quietUntil: number;
}

/** Plain JSON: the Maps as arrays of entries. */
type SeriesSnapshot = Omit<ParameterSeries, 'values' | 'window'> & {
  values: Array<[string, number, number]>;
  window: (Omit<ValueWindow, 'counts'> & { counts: Array<[string, number]> }) | null;
};

export interface ValueNoveltySnapshot {
  version: 1;
  series: SeriesSnapshot[];
}

/** Usage: `push(event)` in (roughly) time order, `advance(time, service)` when a service's time has moved on. */
export class ValueNoveltyDetector {
  private readonly options: ValueNoveltyOptions;
  private readonly series = new Map<string, ParameterSeries>();
  /** Values kept over all parameters, those of open windows included. */
  private values = 0;

  constructor(options: Partial<ValueNoveltyOptions> = {}) {
    this.options = { ...defaultValueNoveltyOptions, ...options };
  }

  snapshot(): ValueNoveltySnapshot {
    const series = [...this.series.values()].map((s): SeriesSnapshot => ({
      ...s,
      values: [...s.values].map(([value, [n, first]]): [string, number, number] => [value, n, first]),
      window: s.window ? { ...s.window, counts: [...s.window.counts] } : null,
      pool: s.pool.map((p) => ({ ...p })),
    }));
    return { version: 1, series };
  }

  static restore(
    snapshot: ValueNoveltySnapshot,
    options: Partial<ValueNoveltyOptions> = {},
  ): ValueNoveltyDetector {
    if (snapshot.version !== 1)
      throw new Error(`unsupported value detector state version ${snapshot.version}`);
    const detector = new ValueNoveltyDetector(options);
    for (const saved of snapshot.series) {
      const s: ParameterSeries = {
        ...saved,
        values: new Map(saved.values.map(([value, n, first]) => [value, [n, first]])),
        window: saved.window ? { ...saved.window, counts: new Map(saved.window.counts) } : null,
        pool: saved.pool.map((p) => ({ ...p })),
      };
      detector.series.set(seriesKey(s), s);
      detector.values += s.values.size + (s.window?.counts.size ?? 0);
    }
    return detector;
  }

  push(event: TemplatedEvent): Finding[] {
    const findings: Finding[] = [];
    for (const [index, value] of judgedParams(event, this.options.maxValueLength)) {
      const s = this.seriesOf(event, index);
      if (!s || s.free) continue;
      const start = Math.floor(event.timestamp / this.options.windowMs) * this.options.windowMs;
      if (s.window && start >= s.window.start + this.options.windowMs) {
        const f = this.close(s, event.timestamp);
        if (f) findings.push(f);
        if (s.free) continue;
      }
      // Late lines of an already judged window count in the open one.
      s.window ??= { start, lines: 0, novel: 0, counts: new Map() };
      const w = s.window;
      const n = w.counts.get(value);
      if (n === undefined && this.full(s)) continue;
      w.lines++;
      if (!s.values.has(value)) w.novel++;
      w.counts.set(value, (n ?? 0) + 1);
      if (n === undefined) this.values++;
    }
    return findings;
  }

  /** The service's event time has reached `time`: its windows that ended more than `graceMs` earlier are judged. */
  advance(time: number, service: string): Finding[] {
    const findings: Finding[] = [];
    for (const s of this.series.values()) {
      if (s.service !== service || !s.window || s.free) continue;
      if (time < s.window.start + this.options.windowMs + this.options.graceMs) continue;
      const f = this.close(s, time);
      if (f) findings.push(f);
    }
    return findings;
  }

  private seriesOf(event: TemplatedEvent, index: number): ParameterSeries | null {
    const key = `${event.service}\u0000${event.templateId}\u0000${index}`;
    let s = this.series.get(key);
    if (s) return s;
    if (this.series.size >= this.options.maxSeries) return null;
    s = {
      service: event.service,
      templateId: event.templateId,
      template: event.template,
      index,
      free: false,
      values: new Map(),
      lines: 0,
      warmedAt: null,
      history: [],
      window: null,
      pool: [],
      // Not -Infinity: the snapshot is plain JSON.
      quietUntil: Number.MIN_SAFE_INTEGER,
    };
    this.series.set(key, s);
    return s;
  }

  /** Judges the open window (if the parameter is warmed up), then learns its values. */
  private close(s: ParameterSeries, now: number): Finding | null {
    const w = s.window!;
    s.window = null;
    const finding = s.warmedAt !== null && w.start >= s.warmedAt ? this.judge(s, w, now) : null;
    if (s.warmedAt === null && s.lines > 0) {
      // Warming up: how often a line brings a value no earlier window had, the rate the judged windows are held to.
      addToHistory(s.history, { novel: w.novel, lines: w.lines }, this.options.historyWindows);
    }
    for (const [value, n] of w.counts) {
      const entry = s.values.get(value);
      // Counted once, as the window's value: the window's copy goes.
      if (entry) {
        entry[0] += n;
        this.values--;
      } else s.values.set(value, [n, w.start]);
    }
    s.lines += w.lines;
    if (s.values.size > this.options.maxDistinct) {
      this.drop(s);
      return null;
    }
    if (
      s.warmedAt === null &&
      s.lines >= this.options.minBaseline &&
      s.history.length >= this.options.minHistoryWindows
    )
      s.warmedAt = w.start + this.options.windowMs;
    return finding;
  }

  /**
   * A new value would take the parameter beyond `maxDistinct` (with its open window's), or all parameters beyond
   * `maxValues`: the parameter is dropped as free-form. True when it was.
   */
  private full(s: ParameterSeries): boolean {
    const distinct = s.values.size + (s.window?.counts.size ?? 0);
    if (distinct < this.options.maxDistinct * 2 && this.values < this.options.maxValues) return false;
    this.drop(s);
    return true;
  }

  /** Free-form: ids, random codes, an open range. Dropping its values keeps the state small. */
  private drop(s: ParameterSeries): void {
    this.values -= s.values.size + (s.window?.counts.size ?? 0);
    s.free = true;
    s.values = new Map();
    s.window = null;
    s.pool = [];
  }

  private judge(s: ParameterSeries, w: ValueWindow, now: number): Finding | null {
    const { alpha, minNovel, windowMs } = this.options;
    poolWindow(s, { start: w.start, lines: w.lines, novel: w.novel, reported: false }, novelOf, this.options);
    const rate = expectedRateOf(s.history);
    const historyLines = s.history.reduce((a, h) => a + h.lines, 0);
    if (rate >= this.options.maxExpectedRate || countsLike(s.values.keys()) || codesLike(s.values.keys()))
      return null;
    // Values first seen in the pool's windows (the open window's not merged yet), with where they first appeared.
    const oldest = s.pool[0]!.start;
    const fresh = new Map<string, { first: number; count: number }>();
    for (const [value, [count, first]] of s.values) if (first >= oldest) fresh.set(value, { first, count });
    for (const [value, count] of w.counts) {
      const seen = fresh.get(value);
      if (seen) seen.count += count;
      else if (!s.values.has(value)) fresh.set(value, { first: w.start, count });
    }
    // The spans ending with this window, newest first: one window, the last two, ... the whole pool.
    let best: Omit<Judged, 'rate' | 'historyLines' | 'since' | 'at'> | null = null;
    // Lines before the span: the merged ones (every window but the open one) less the span's merged windows.
    let before = s.lines;
    const spans = s.pool.length;
    for (const { from: i, count: novel, lines, tail: share } of spansOf(s, rate, novelOf)) {
      if (i < s.pool.length - 1) before -= s.pool[i]!.lines;
      if (novel >= minNovel && (!best || share < best.tail))
        best = { tail: share, novel, lines, from: i, recurring: null };
      const inSpan = [...fresh].filter(([, f]) => f.first >= s.pool[i]!.start);
      const top = inSpan.reduce<[string, { count: number }] | null>(
        (a, b) => (!a || b[1].count > a[1].count ? b : a),
        null,
      );
      if (!top || top[1].count < this.options.minRecurrence) continue;
      const recurring = recurrenceBound(top[1].count, lines, before) * inSpan.length * spans;
      if (!best || recurring < best.tail)
        best = {
          tail: recurring,
          novel,
          lines,
          from: i,
          recurring: { value: top[0], count: top[1].count, before },
        };
    }
    if (!best || best.tail >= alpha) return null;
    reported(s, best.from, w.start + windowMs + this.options.quietMs);
    const since = s.pool[best.from]!.start;
    return this.finding(s, w, fresh, {
      ...best,
      rate,
      historyLines,
      since,
      at: Math.min(now, w.start + windowMs),
    });
  }

  private finding(
    s: ParameterSeries,
    w: ValueWindow,
    news: ReadonlyMap<string, { first: number; count: number }>,
    r: Judged,
  ): Finding {
    const fresh = [...news]
      .filter(([, f]) => f.first >= r.since)
      .map(([value, f]): [string, number] => [value, f.count])
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const examples = fresh
      .slice(0, 5)
      .map(([value, n]) => `"${value.slice(0, 40)}" ×${n}`)
      .join(', ');
    const usual = [...s.values]
      .sort((a, b) => b[1][0] - a[1][0])
      .slice(0, 3)
      .map(([value]) => `"${value.slice(0, 40)}"`)
      .join(', ');
    const span = `${clock(r.since)}-${clock(w.start + this.options.windowMs)}`;
    const position = s.index + 1;
    return {
      id: findingId('behavioral', 'unseen-values', s.service, `${s.templateId}#${position}`, r.since),
      kind: 'behavioral',
      rule: 'unseen-values',
      service: s.service,
      subject: `${s.templateId}#${position}`,
      templateIds: [s.templateId],
      since: r.since,
      at: r.at,
      magnitude: Math.min(50, -Math.log10(Math.max(r.tail, 1e-300))),
      explanation:
        `Parameter ${position} of "${s.template}" (${s.templateId}) of ${s.service} ` +
        (r.recurring
          ? `took "${r.recurring.value.slice(0, 40)}", absent from its ${r.recurring.before} earlier lines, in ` +
            `${r.recurring.count} of ${r.lines} lines in ${span} UTC (p at most ${r.tail.toExponential(1)} whatever ` +
            `its probability); `
          : `took a value never seen before in ${r.novel} of ${r.lines} lines in ${span} UTC (at most ` +
            `${(r.rate * 100).toFixed(2)}% expected from its last ${r.historyLines} lines, p ${r.tail.toExponential(1)}); `) +
        `new: ${examples || 'none'}; usual: ${usual}.`,
      evidence: {
        template: s.template,
        parameter: position,
        test: r.recurring ? 'recurring-value' : 'share',
        novelLines: r.novel,
        lines: r.lines,
        expectedRate: r.rate,
        p: r.tail,
        newValues: fresh.length,
        examples: examples || null,
        // What the learning stage counts after a fix (a JSON list): lines that still carry the new values.
        newValueList: JSON.stringify(fresh.slice(0, MAX_LISTED).map(([value]) => value.slice(0, 200))),
        knownValues: s.values.size,
      },
    };
  }
}

/** New values a finding lists for the learning stage, the most frequent first. */
const MAX_LISTED = 50;

/** A judged span: its test's tail, its lines, and what the finding says. */
interface Judged {
  tail: number;
  novel: number;
  lines: number;
  /** Index in the pool of the span's first window. */
  from: number;
  /** Set when a single recurring value decided. */
  recurring: { value: string; count: number; before: number } | null;
  rate: number;
  historyLines: number;
  since: number;
  at: number;
}

/**
 * How probable it is that a value absent from `before` lines turns up in at least `k` of the next `m`, at its most
 * probable: the largest, over the value's probability p, of (1 - p)^before × P(Binomial(m, p) >= k). A value common
 * enough to recur would have been seen; a rare one would not recur.
 */
export function recurrenceBound(k: number, m: number, before: number): number {
  let worst = 0;
  for (let i = 0; i <= 120; i++) {
    const p = 10 ** (-7 + (i * 7) / 120);
    if (p >= 1) break;
    const absent = Math.exp(before * Math.log1p(-p));
    worst = Math.max(worst, absent * binomialTail(k, m, p, 'upper'));
  }
  return worst;
}

/**
 * Values numbered in sequence behind one prefix (`c-1`, `c-2`, ... or `1041`, `1042`): a counter's ids (carts,
 * orders, connections). A process that restarts numbers from the start again, and those numbers were last seen
 * before the history began, so they look new together: an identifier, not judged. Needs 50 values at least, 90 % of
 * them behind the same prefix, filling at least 30 % of the range between the lowest and the highest (amounts and
 * other measured numbers are sparser than that; codes and statuses are fewer).
 */
export function countsLike(values: Iterable<string>): boolean {
  const byPrefix = new Map<string, number[]>();
  let total = 0;
  for (const value of values) {
    total++;
    const m = COUNTED.exec(value);
    if (!m) continue;
    const numbers = byPrefix.get(m[1]!) ?? [];
    numbers.push(Number(m[2]));
    byPrefix.set(m[1]!, numbers);
  }
  if (total < 50) return false;
  for (const numbers of byPrefix.values()) {
    if (numbers.length < 0.9 * total) continue;
    let lo = Infinity;
    let hi = -Infinity;
    for (const n of numbers) {
      lo = Math.min(lo, n);
      hi = Math.max(hi, n);
    }
    return numbers.length / (hi - lo + 1) >= 0.3;
  }
  return false;
}

const COUNTED = /^(\D*?)(\d{1,15})$/;

/**
 * Random-looking codes (`4EFDD7`, `9f86d081884c`): hexadecimal with digits and letters mixed, six characters or
 * more. A hash or an authorization code is an identifier even where it repeats (two processes numbering alike and
 * hashing the number gave every code twice, so only about half the lines brought a new one, and a deploy that
 * restarted both looked like a change). Needs 50 values at least, 80 % of them such codes: six random hexadecimal
 * characters are all digits one time in 17 ((10/16)^6) and all letters one time in 360, so a true hash fails the mix
 * for about 6 % of its values, and a 90 % cut missed one by chance (a verification run: the alarm came back after a
 * deploy). A parameter of statuses, amounts or names has almost no such values.
 */
export function codesLike(values: Iterable<string>): boolean {
  let total = 0;
  let codes = 0;
  for (const value of values) {
    total++;
    if (HEX_CODE.test(value) && /\d/.test(value) && /[a-f]/i.test(value)) codes++;
  }
  return total >= 50 && codes >= 0.8 * total;
}

const HEX_CODE = /^(?:[0-9A-F]{6,}|[0-9a-f]{6,})$/;

/**
 * The parameters of a line the value detectors judge, as [position, value clipped to `maxLength`]: not measured
 * quantities (a parameter the parse stage read as a duration or size belongs to the performance detector), not dates
 * and times (which change by nature). A parameter is a measured quantity when the parse stage read a number of its
 * value and the template says so around it (`took <*> ms`, `size=<*>`): a count that happens to equal the line's
 * duration (`items=1 ... took 1 ms`) stays a value.
 */
export function judgedParams(event: TemplatedEvent, maxLength: number): Array<[number, string]> {
  const measured = new Set(Object.values(event.numbers));
  const parts = event.template.split('<*>');
  const out: Array<[number, string]> = [];
  for (let index = 0; index < event.params.length; index++) {
    const value = event.params[index]!.slice(0, maxLength);
    if (TIME_LIKE.test(value)) continue;
    if (
      measured.has(Number(value)) &&
      (UNIT_AFTER.test(parts[index + 1] ?? '') || QUANTITY_BEFORE.test(parts[index] ?? ''))
    )
      continue;
    out.push([index, value]);
  }
  return out;
}

/** A unit right after a parameter (`<*> ms`, `<*>KB`): the parameter is a measured quantity. */
const UNIT_AFTER =
  /^\s*(ns|us|µs|ms|msec|millis|milliseconds|s|sec|secs|seconds|min|minutes|b|bytes|kb|mb|gb|kib|mib|gib)\b/i;
/** A quantity's name right before a parameter (`took <*>`, `latency=<*>`, `size: <*>`). */
const QUANTITY_BEFORE = /\b(took|in|after|duration|elapsed|latency|time|size|bytes|length)\s*[=:]?\s*$/i;

/** Dates and times (ISO 8601, `12:03:44`): a new one is the clock moving, not the service changing. */
const TIME_LIKE = /^\d{4}-\d{2}-\d{2}|^\d{1,2}:\d{2}(:\d{2})?\b/;

function seriesKey(s: Pick<ParameterSeries, 'service' | 'templateId' | 'index'>): string {
  return `${s.service}\u0000${s.templateId}\u0000${s.index}`;
}

function clock(t: number): string {
  return new Date(t).toISOString().slice(11, 16);
}

const novelOf = (w: PooledWindow): number => w.novel;
