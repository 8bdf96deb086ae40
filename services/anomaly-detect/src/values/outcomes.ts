import type { Finding, TemplatedEvent } from '@self-healing/schemas';
import { findingId } from '../incidents/stable-id.js';
import { judgedParams } from './novelty.js';
import {
  addToHistory,
  expectedRateOf,
  poolWindow,
  reported,
  spansOf,
  type PooledCountWindow,
} from './rateWindows.js';

/**
 * Requests whose outcome changed for the same inputs.
 *
 * A release that charges a basket one cent less, or no longer gives a discount at exactly the threshold, leaves every
 * template as it was, and the amount it writes may well be a value seen before: another basket's. What changed is
 * which value goes with which. Within one request, the values of earlier lines (a basket's item count and total, a
 * coupon's discount) decided a value of a later line (the amount charged): the same inputs always gave the same
 * outcome. Now they give another.
 *
 * Two steps, neither told which parameters are inputs or outcomes:
 * 1. **Which inputs decide an outcome.** For every pair of parameters, an earlier line's of a trace and a later
 *    line's, each input value remembers the outcome it first went with; over the next `probeLines` lines whose input
 *    value was seen before, the input is taken to decide the outcome when fewer than `relevantBelow` of them went with
 *    another (an input not seen again often enough within `decideWithinMs` decides nothing) (a user's id and the amount charged, a product and the stock left: mostly another; a basket's total and
 *    the amount: rarely). The choice is made once and kept, so that what step 2 compares does not move under it.
 * 2. **Whether they still do.** Per outcome parameter, set of deciding inputs present in the request and path the
 *    request took (the templates of its earlier lines: a coupon's line, present or not, says which rule priced the
 *    basket even where the coupon's own values decide nothing alone), each combination of the inputs' values (a key)
 *    remembers the outcome it gave. A line whose key was seen `minKnown` times
 *    before is judged: a violation when its outcome is another. Some keys give several outcomes in any release (the
 *    inputs decide most of it, not all), so violations are counted per minute and held to their own history's rate,
 *    as the novelty test holds new values (novelty.ts): a window, or a few pooled, with improbably many violations is
 *    reported. A key keeps its outcome until another has held `settleMs` (a deliberate change is reported once, then
 *    becomes the norm).
 *
 * Only traces: a request's lines are written by the code that computes them, where a session's are written by several
 * requests whose inputs the shopper chooses in between.
 */
export interface ChangedOutcomeOptions {
  /** Earlier lines with the same key a line needs to be judged. */
  minKnown: number;
  /** An input decides an outcome when fewer than this share of its known values' lines went with another (step 1). */
  relevantBelow: number;
  /** Lines with a known input value step 1 measures a pair on. */
  probeLines: number;
  /**
   * A pair not measured on `probeLines` lines this long after its first (event time) is an input too rarely repeated
   * to decide anything. Until a line's pairs are all chosen, the line is not judged (see push).
   */
  decideWithinMs: number;
  /** A request's lines this far apart in event time belong to another request (the trace is let go). */
  traceTtlMs: number;
  /** Requests followed at once: the oldest is let go beyond. */
  maxTraces: number;
  /** Values of earlier lines remembered per request (the first ones: inputs come before outcomes). */
  maxInputsPerTrace: number;
  /** Distinct values of one parameter counted as inputs: a parameter with more is an identifier, not an input. */
  maxInputDistinct: number;
  /** Input values counted over all parameters: beyond, new ones are not counted (log lines are anyone's text). */
  maxInputValues: number;
  /** Each value is clipped to this many characters. */
  maxSideLength: number;
  /** Keys of one outcome series at most: a series with more is dropped (its inputs are too fine to repeat). */
  maxKeys: number;
  /** Keys over all series: beyond, new keys are not learned. */
  maxKeysTotal: number;
  /** Outcome series at most, and pairs of step 1 being measured at most. */
  maxSeries: number;
  maxProbes: number;
  /** Event time per window, and the grace after its end before it is judged. */
  windowMs: number;
  graceMs: number;
  /** Judged lines and windows a series needs before it is judged (its violation rate's first history). */
  minBaseline: number;
  minHistoryWindows: number;
  /** Windows the expected violation rate is measured over, the most recent ones not reported. */
  historyWindows: number;
  /** Windows pooled at most. */
  poolWindows: number;
  /** Binomial tail below which a span is reported, after correcting for the spans tried. */
  alpha: number;
  /** Violations a report needs at least. */
  minViolations: number;
  /** After a report, the series is not reported again for this long (event time). */
  quietMs: number;
  /** A key's outcome changes to another that has held this long (three lines at least). */
  settleMs: number;
}

export const defaultChangedOutcomeOptions: ChangedOutcomeOptions = {
  minKnown: 2,
  relevantBelow: 0.5,
  probeLines: 100,
  decideWithinMs: 3 * 60_000,
  traceTtlMs: 60_000,
  maxTraces: 20_000,
  maxInputsPerTrace: 24,
  maxInputDistinct: 5_000,
  maxInputValues: 200_000,
  maxSideLength: 40,
  maxKeys: 5_000,
  maxKeysTotal: 100_000,
  maxSeries: 2_000,
  maxProbes: 20_000,
  windowMs: 60_000,
  graceMs: 5_000,
  minBaseline: 200,
  minHistoryWindows: 4,
  historyWindows: 10,
  poolWindows: 5,
  // As the value novelty test's: a service has dozens of outcomes, each tested every minute.
  alpha: 1e-6,
  minViolations: 5,
  quietMs: 30 * 60_000,
  settleMs: 30 * 60_000,
};

/** A value an earlier line of a request carried. */
interface Input {
  templateId: string;
  index: number;
  value: string;
}

interface OpenTrace {
  last: number;
  inputs: Input[];
  /** Templates of the request's lines so far, in order of first appearance: the path it took. */
  path: string[];
}

interface InputCounts {
  /** More distinct values than `maxInputDistinct`: an identifier. */
  free: boolean;
  counts: Map<string, number>;
}

/**
 * Step 1's choice for a pair of parameters: the input decides the outcome, or does not (it was measured), or it is
 * too rarely repeated to tell (an identifier, a rare line): such an input is never part of a key.
 */
type Choice = 'decides' | 'independent' | 'rare';

/** Step 1 for one pair of parameters: the outcome each input value first went with, and how often another. */
interface Probe {
  outcomes: Map<string, string>;
  lines: number;
  violations: number;
  /** Event time of the pair's first line. */
  since: number;
}

/** What a key gave: its outcome, lines seen, and another outcome that may be taking over (with its lines, since). */
type KeyState = [
  outcome: string,
  lines: number,
  challenger: string | null,
  challengerLines: number,
  since: number,
];

/** A violation kept as an example: the key, the outcome it gave before, the one it gave now. */
type Violation = [key: string, before: string, now: string];

interface Window {
  start: number;
  lines: number;
  violations: number;
  /** Event time of the window's first violation: where a reported change began, not the minute it fell in. */
  firstViolation: number | null;
  examples: Violation[];
}

interface PooledWindow extends Window, PooledCountWindow {}

interface OutcomeSeries {
  service: string;
  templateId: string;
  /** Position of the outcome parameter, from 0. */
  index: number;
  /** The deciding inputs, as `templateId#position` (from 1), sorted. */
  inputs: string[];
  /** The templates of the lines before the outcome's in its requests, sorted (see push). */
  path: string[];
  free: boolean;
  keys: Map<string, KeyState>;
  judgedLines: number;
  warmedAt: number | null;
  /** The expected rate's windows (violations as `novel`), oldest first. */
  history: Array<{ novel: number; lines: number }>;
  window: Window | null;
  pool: PooledWindow[];
  quietUntil: number;
}

type SeriesSnapshot = Omit<OutcomeSeries, 'keys'> & { keys: Array<[string, KeyState]> };

export interface ChangedOutcomeSnapshot {
  version: 1;
  traces: Array<[string, OpenTrace]>;
  inputs: Array<[string, boolean, Array<[string, number]>]>;
  templates: Array<[string, string]>;
  probes: Array<[string, Array<[string, string]>, number, number, number]>;
  deciding: Array<[string, Choice]>;
  series: SeriesSnapshot[];
}

/** Violations kept per window as examples. */
const EXAMPLES = 5;

/** Usage as the value novelty detector's: `push(event)` in (roughly) time order, `advance(time, service)`. */
export class ChangedOutcomeDetector {
  private readonly options: ChangedOutcomeOptions;
  /** Step 1, by pair of parameters (an outcome and an input), until it has chosen. */
  private readonly probes = new Map<string, Probe>();
  /** Step 1's choices, by pair of parameters: true when the input decides the outcome. */
  private readonly deciding = new Map<string, Choice>();
  /** Step 2, by service, outcome parameter and deciding inputs. */
  private readonly series = new Map<string, OutcomeSeries>();
  private readonly traces = new Map<string, OpenTrace>();
  private readonly inputs = new Map<string, InputCounts>();
  /** Template text by id, for the findings' words. */
  private readonly templates = new Map<string, string>();
  private inputValues = 0;
  private keys = 0;

  constructor(options: Partial<ChangedOutcomeOptions> = {}) {
    this.options = { ...defaultChangedOutcomeOptions, ...options };
  }

  snapshot(): ChangedOutcomeSnapshot {
    return {
      version: 1,
      traces: [...this.traces].map(([key, t]) => [
        key,
        { last: t.last, inputs: t.inputs.map((i) => ({ ...i })), path: [...t.path] },
      ]),
      inputs: [...this.inputs].map(([key, c]) => [key, c.free, [...c.counts]]),
      templates: [...this.templates],
      probes: [...this.probes].map(([id, p]) => [id, [...p.outcomes], p.lines, p.violations, p.since]),
      deciding: [...this.deciding],
      series: [...this.series.values()].map((s) => ({
        ...s,
        inputs: [...s.inputs],
        path: [...s.path],
        keys: [...s.keys].map(([k, v]): [string, KeyState] => [k, [...v]]),
        history: s.history.map((h) => ({ ...h })),
        window: s.window ? copyWindow(s.window) : null,
        pool: s.pool.map((p) => ({ ...copyWindow(p), reported: p.reported })),
      })),
    };
  }

  static restore(
    snapshot: ChangedOutcomeSnapshot,
    options: Partial<ChangedOutcomeOptions> = {},
  ): ChangedOutcomeDetector {
    if (snapshot.version !== 1)
      throw new Error(`unsupported outcome detector state version ${snapshot.version}`);
    const detector = new ChangedOutcomeDetector(options);
    for (const [key, t] of snapshot.traces) detector.traces.set(key, t);
    for (const [key, free, counts] of snapshot.inputs) {
      detector.inputs.set(key, { free, counts: new Map(counts) });
      detector.inputValues += counts.length;
    }
    for (const [id, text] of snapshot.templates) detector.templates.set(id, text);
    for (const [id, decides] of snapshot.deciding) detector.deciding.set(id, decides);
    for (const [id, outcomes, lines, violations, since] of snapshot.probes) {
      detector.probes.set(id, { outcomes: new Map(outcomes), lines, violations, since });
      detector.keys += outcomes.length;
    }
    for (const saved of snapshot.series) {
      const s: OutcomeSeries = { ...saved, keys: new Map(saved.keys) };
      detector.series.set(outcomeKey(s), s);
      detector.keys += s.keys.size;
    }
    return detector;
  }

  push(event: TemplatedEvent): Finding[] {
    if (event.traceId === null) return [];
    const { maxSideLength, traceTtlMs } = this.options;
    // A line with no value to judge still says which way the request went (see its path).
    const params = judgedParams(event, maxSideLength);
    const traceKey = `${event.service}\u0000${event.traceId}`;
    let trace = this.traces.get(traceKey);
    if (trace && event.timestamp - trace.last > traceTtlMs) trace = undefined;
    const findings: Finding[] = [];
    for (const [index, value] of trace ? params : []) {
      // An identifier (an order id, an authorization code) is an outcome of nothing.
      if (this.inputs.get(inputKey(event.service, event.templateId, index))?.free) continue;
      const choices = trace!.inputs.map((input) => {
        const pair = `${event.service}\u0000${pairId(event.templateId, index, input)}`;
        return this.deciding.get(pair) ?? this.measure(pair, event, input, value);
      });
      // Until every input has been measured against this outcome, which series the line belongs to is not known:
      // a line judged now would teach a series outcomes of requests that are not its own.
      if (choices.includes(undefined) || !choices.includes('decides')) continue;
      // A line's values describe one state together (`items=2 total=46.90`): where one decides, the key takes the
      // others that repeat too, which tells apart what one alone confuses (ten units at 6.75, five at 13.50).
      const lines = new Set(
        trace!.inputs.filter((_, i) => choices[i] === 'decides').map((i) => i.templateId),
      );
      const key = trace!.inputs.filter((input, i) => lines.has(input.templateId) && choices[i] !== 'rare');
      const f = this.judgeLine(event, index, value, key, trace!.path);
      if (f) findings.push(f);
    }
    this.templates.set(event.templateId, event.template);
    if (!trace) {
      trace = { last: event.timestamp, inputs: [], path: [] };
      this.traces.delete(traceKey);
      this.traces.set(traceKey, trace);
      while (this.traces.size > this.options.maxTraces) this.traces.delete(this.traces.keys().next().value!);
    }
    trace.last = Math.max(trace.last, event.timestamp);
    if (!trace.path.includes(event.templateId) && trace.path.length < this.options.maxInputsPerTrace)
      trace.path.push(event.templateId);
    for (const [index, value] of params) {
      if (!this.count(event.service, event.templateId, index, value)) continue;
      if (trace.inputs.length < this.options.maxInputsPerTrace)
        trace.inputs.push({ templateId: event.templateId, index, value });
    }
    return findings;
  }

  /** The service's event time has reached `time`: windows that ended are judged, old requests let go. */
  advance(time: number, service: string): Finding[] {
    for (const [key, t] of this.traces)
      if (key.startsWith(`${service}\u0000`) && time - t.last > this.options.traceTtlMs)
        this.traces.delete(key);
    const findings: Finding[] = [];
    for (const s of this.series.values()) {
      if (s.service !== service || !s.window || s.free) continue;
      if (time < s.window.start + this.options.windowMs + this.options.graceMs) continue;
      const f = this.close(s, time);
      if (f) findings.push(f);
    }
    return findings;
  }

  /**
   * Step 1 for one line: the outcome the input value went with, until the pair has been measured on enough lines
   * (then the choice), or for too long (an input too rarely repeated to decide anything). Undefined until then.
   */
  private measure(pair: string, line: TemplatedEvent, input: Input, outcome: string): Choice | undefined {
    const { minKnown, probeLines, decideWithinMs, relevantBelow, maxKeys, maxKeysTotal } = this.options;
    let p = this.probes.get(pair);
    if (!p) {
      if (this.probes.size >= this.options.maxProbes) return 'rare';
      p = { outcomes: new Map(), lines: 0, violations: 0, since: line.timestamp };
      this.probes.set(pair, p);
    }
    if (line.timestamp - p.since > decideWithinMs) return this.choose(pair, p, 'rare');
    const seen = this.seen(line.service, input);
    // Once: this request's own line. Twice: seen before, its outcome is learned. More: known, judged.
    if (seen < 2) return undefined;
    const first = p.outcomes.get(input.value);
    if (first === undefined) {
      if (p.outcomes.size >= maxKeys) return this.choose(pair, p, 'rare');
      if (this.keys < maxKeysTotal) {
        p.outcomes.set(input.value, outcome);
        this.keys++;
      }
      return undefined;
    }
    if (seen <= minKnown) return undefined;
    p.lines++;
    if (outcome !== first) p.violations++;
    if (p.lines < probeLines) return undefined;
    return this.choose(pair, p, p.violations < relevantBelow * p.lines ? 'decides' : 'independent');
  }

  private choose(pair: string, p: Probe, choice: Choice): Choice {
    this.deciding.set(pair, choice);
    this.probes.delete(pair);
    this.keys -= p.outcomes.size;
    return choice;
  }

  /** Step 2 for one outcome value of a line, with the inputs that decide it. */
  private judgeLine(
    event: TemplatedEvent,
    index: number,
    outcome: string,
    deciding: Input[],
    path: readonly string[],
  ): Finding | null {
    const named = deciding.map((i) => `${i.templateId}#${i.index + 1}`);
    const s = this.seriesOf(event, index, [...new Set(named)].sort(), [...path].sort());
    if (!s || s.free) return null;
    let finding: Finding | null = null;
    const start = Math.floor(event.timestamp / this.options.windowMs) * this.options.windowMs;
    if (s.window && start >= s.window.start + this.options.windowMs) {
      finding = this.close(s, event.timestamp);
      if (s.free) return finding;
    }
    s.window ??= { start, lines: 0, violations: 0, firstViolation: null, examples: [] };
    const key = deciding
      .map((i, n) => `${named[n]}=${i.value}`)
      .sort()
      .join(' & ');
    const k = s.keys.get(key);
    if (!k) {
      if (s.keys.size >= this.options.maxKeys) {
        this.keys -= s.keys.size;
        s.free = true;
        s.keys = new Map();
        s.window = null;
        s.pool = [];
      } else if (this.keys < this.options.maxKeysTotal) {
        s.keys.set(key, [outcome, 1, null, 0, event.timestamp]);
        this.keys++;
      }
      return finding;
    }
    if (k[1] >= this.options.minKnown) {
      s.window.lines++;
      if (outcome !== k[0]) {
        s.window.violations++;
        s.window.firstViolation ??= event.timestamp;
        if (s.window.examples.length < EXAMPLES) s.window.examples.push([key, k[0], outcome]);
      }
    }
    k[1]++;
    if (outcome !== k[0]) {
      if (outcome === k[2]) k[3]++;
      else [k[2], k[3], k[4]] = [outcome, 1, event.timestamp];
      // Another outcome that has held long enough is the key's outcome now.
      if (k[3] >= 3 && event.timestamp - k[4] >= this.options.settleMs)
        [k[0], k[2], k[3], k[4]] = [outcome, null, 0, event.timestamp];
    }
    return finding;
  }

  private seriesOf(
    event: TemplatedEvent,
    index: number,
    inputs: string[],
    path: string[],
  ): OutcomeSeries | null {
    const key = outcomeKey({ service: event.service, templateId: event.templateId, index, inputs, path });
    let s = this.series.get(key);
    if (s) return s;
    if (this.series.size >= this.options.maxSeries) return null;
    s = {
      service: event.service,
      templateId: event.templateId,
      index,
      inputs,
      path,
      free: false,
      keys: new Map(),
      judgedLines: 0,
      warmedAt: null,
      history: [],
      window: null,
      pool: [],
      quietUntil: Number.MIN_SAFE_INTEGER,
    };
    this.series.set(key, s);
    return s;
  }

  /** Judges the open window (once the series is warmed up), or adds it to the warm-up's history. */
  private close(s: OutcomeSeries, now: number): Finding | null {
    const w = s.window!;
    s.window = null;
    if (s.warmedAt !== null && w.start >= s.warmedAt) return this.judge(s, w, now);
    if (w.lines > 0)
      addToHistory(s.history, { novel: w.violations, lines: w.lines }, this.options.historyWindows);
    s.judgedLines += w.lines;
    if (
      s.warmedAt === null &&
      s.judgedLines >= this.options.minBaseline &&
      s.history.length >= this.options.minHistoryWindows
    )
      s.warmedAt = w.start + this.options.windowMs;
    return null;
  }

  /** The spans ending with this window (one window, the last two, ... the pool), each against the history's rate. */
  private judge(s: OutcomeSeries, w: Window, now: number): Finding | null {
    const { alpha, minViolations, windowMs } = this.options;
    poolWindow(s, { ...w, reported: false }, violationsOf, this.options);
    const rate = expectedRateOf(s.history);
    // Inputs that decide too little of the outcome to tell a change: not judged.
    if (rate >= 0.5) return null;
    let best: { tail: number; from: number; violations: number; lines: number } | null = null;
    for (const { from, count: violations, lines, tail } of spansOf(s, rate, violationsOf))
      if (violations >= minViolations && (!best || tail < best.tail))
        best = { tail, from, violations, lines };
    if (!best || best.tail >= alpha) return null;
    const span = reported(s, best.from, w.start + windowMs + this.options.quietMs);
    const first = Math.min(...span.map((p) => p.firstViolation ?? Infinity));
    const since = Number.isFinite(first) ? first : span[0]!.start;
    const examples = span.flatMap((p) => p.examples);
    const template = this.templates.get(s.templateId) ?? s.templateId;
    const position = s.index + 1;
    // By line: `items, total of "cart validated items=<*> total=<*> took <*> ms"`.
    const byLine = new Map<string, string[]>();
    for (const id of s.inputs) {
      const [templateId, at] = splitParameterId(id);
      const text = this.templates.get(templateId) ?? templateId;
      byLine.set(text, [...(byLine.get(text) ?? []), labelOf(text, Number(at)) ?? `parameter ${at}`]);
    }
    const inputs = [...byLine].map(([text, names]) => `${names.join(', ')} of "${text}"`).join('; ');
    const told = examples.map(
      ([key, before, after]) => `${this.readable(s.service, key)}: "${before}" before, "${after}" now`,
    );
    const period = `${clock(since)}-${clock(w.start + windowMs)}`;
    return {
      id: findingId(
        'behavioral',
        'changed-outcome',
        s.service,
        `${s.templateId}#${position}`,
        since,
        s.inputs.join('+'),
        s.path.join('+'),
      ),
      kind: 'behavioral',
      rule: 'changed-outcome',
      service: s.service,
      subject: `${s.templateId}#${position}`,
      templateIds: [s.templateId],
      since,
      at: Math.min(now, w.start + windowMs),
      magnitude: Math.min(50, -Math.log10(Math.max(best.tail, 1e-300))),
      explanation:
        `Parameter ${position} of "${template}" (${s.templateId}) of ${s.service} changed for the same inputs: ` +
        `requests whose ${inputs} had been seen before gave another value in ${best.violations} of ` +
        `${best.lines} lines in ${period} UTC (at most ${(rate * 100).toFixed(2)}% expected, ` +
        `p ${best.tail.toExponential(1)}); ${told.slice(0, 3).join('; ') || 'no example kept'}.`,
      evidence: {
        template,
        parameter: position,
        test: 'changed-outcome',
        inputs: JSON.stringify(s.inputs),
        violations: best.violations,
        lines: best.lines,
        expectedRate: rate,
        p: best.tail,
        examples: told.join('; ') || null,
        knownKeys: s.keys.size,
        // What the learning stage counts after a fix: lines of the outcome's template that carry these values.
        newValueList: JSON.stringify([...new Set(examples.map(([, , after]) => after))]),
      },
    };
  }

  /** A key with each input named by the word before it in its template (`total=12.50`), where there is one. */
  private readable(service: string, key: string): string {
    return key
      .split(' & ')
      .map((part) => {
        const at = part.indexOf('=');
        const [templateId, position] = splitParameterId(part.slice(0, at));
        const label = labelOf(this.templates.get(templateId) ?? '', Number(position));
        return `${label ?? `${templateId}#${position}`}=${part.slice(at + 1)}`;
      })
      .join(', ');
  }

  /** Lines that carried this input value so far, this one's own included. */
  private seen(service: string, input: Input): number {
    return this.inputs.get(inputKey(service, input.templateId, input.index))?.counts.get(input.value) ?? 0;
  }

  /** Counts a value as an input; false when its parameter is an identifier (or there is no room left). */
  private count(service: string, templateId: string, index: number, value: string): boolean {
    const key = inputKey(service, templateId, index);
    let c = this.inputs.get(key);
    if (!c) {
      c = { free: false, counts: new Map() };
      this.inputs.set(key, c);
    }
    if (c.free) return false;
    const n = c.counts.get(value);
    if (n !== undefined) {
      c.counts.set(value, n + 1);
      return true;
    }
    if (c.counts.size >= this.options.maxInputDistinct) {
      this.inputValues -= c.counts.size;
      c.free = true;
      c.counts = new Map();
      return false;
    }
    if (this.inputValues >= this.options.maxInputValues) return false;
    c.counts.set(value, 1);
    this.inputValues++;
    return true;
  }
}

function copyWindow(w: Window): Window {
  return { ...w, examples: w.examples.map((e): Violation => [...e]) };
}

function inputKey(service: string, templateId: string, index: number): string {
  return `${service}\u0000${templateId}\u0000${index}`;
}

function outcomeKey(s: Pick<OutcomeSeries, 'service' | 'templateId' | 'index' | 'inputs' | 'path'>): string {
  return `${s.service}\u0000${s.templateId}\u0000${s.index}\u0000${s.inputs.join('+')}\u0000${s.path.join('+')}`;
}

/** Step 1's pair of an outcome (a later line's parameter) and an input (an earlier line's). */
function pairId(templateId: string, index: number, input: Input): string {
  return `${templateId}#${index + 1}<${input.templateId}#${input.index + 1}`;
}

function splitParameterId(id: string): [string, string] {
  const at = id.lastIndexOf('#');
  return [id.slice(0, at), id.slice(at + 1)];
}

/** The word a template writes before its n-th parameter (from 1), as `total` in `total=<*>`; null when none. */
export function labelOf(template: string, position: number): string | null {
  const before = template.split('<*>')[position - 1];
  const word = /([A-Za-z][\w.-]*)[=:]?\s*$/.exec(before ?? '');
  return word ? word[1]! : null;
}

function clock(t: number): string {
  return new Date(t).toISOString().slice(11, 16);
}

const violationsOf = (w: PooledWindow): number => w.violations;
