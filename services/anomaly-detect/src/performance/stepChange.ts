/**
 * Latency step changes: the requests of a series' last minutes against those of the minutes before, request by
 * request, with no seasonal history.
 *
 * The series detector judges window p95s against a day of history (an hour in the hour-scale preset), so it says
 * nothing of a service connected an hour ago, and a release that makes a step ten times slower waits for that
 * history. A release changes latency at once, though, and a change that abrupt needs no daily profile to be seen:
 * the requests since are compared with those of the minutes before them. Per (service, template), durations are
 * kept per slice (a minute, or the window when longer) in a coarse log-scale histogram (buckets 10 % wide); slices
 * leave the tested range into a reference whose counts halve every `halfLifeMs`. When a slice closes, the last 2 and
 * 4 slices are tested: how many of their requests fall above the reference's p95 bucket (and p99 bucket) against
 * the reference's own share above it, by a binomial tail averaged over that share's uncertainty (the reference is a
 * sample too), within a false-alarm budget of once a year per series.
 *
 * A count beyond chance is not enough: a busier minute, a garbage-collection pause or the afternoon's slow drift
 * make more requests slow than independent draws would, with nothing changed in the code. So the share above must
 * also be `minExcessRatio` times the reference's, the span's quantile must exceed the reference's by
 * `minLatencyRiseMs`, and no slice may hold most of the excess (a step lasts; a stall of seconds is one minute's, so
 * the shortest span is two slices). A series reports once, then stays quiet for `quietMs`: by then the reference has taken in a
 * new level that stayed. Latency going down is not a finding.
 */
import { DDSketch } from '@datadog/sketches-js';
import type { Finding, WindowAggregate } from '@self-healing/schemas';
import { findingId } from '../incidents/stable-id.js';
import { binomialTail, uncertainBinomialTail } from './tails.js';

export interface LatencyStepOptions {
  /** A slice is this long, or a window when windows are longer; a slice is judged when it closes. */
  sliceMs: number;
  /** Spans tested at each closed slice: the last this-many slices (the longest also bounds the slices kept apart). */
  spans: readonly number[];
  /** The reference's counts halve every this long (the minutes just before a release weigh most). */
  halfLifeMs: number;
  /** No test before the reference covers this long... */
  minReferenceMs: number;
  /** ...and holds this many timed requests (decayed counts). */
  minReferenceRequests: number;
  /** A span with fewer timed requests is not tested. */
  minSpanRequests: number;
  /**
   * No slice of a span may hold more than this share of the span's excess (requests above the threshold beyond what
   * the reference share gives): a step lasts, a stall of a few seconds (a pause, a busy neighbour) is one slice's.
   */
  maxSliceExcessShare: number;
  /** The span's share above the reference quantile must be at least this many times the reference's own share... */
  minExcessRatio: number;
  /**
   * ...and exceed it by this share of the span's requests: a drift of the whole distribution moves its tail a little,
   * a release slows a step for all or much of its requests. A few more slow requests are the series detector's to
   * judge, against its longer history.
   */
  minExcessShare: number;
  /** The span's quantile must exceed the reference's by at least this many ms: a 2 ms change is not an incident. */
  minLatencyRiseMs: number;
  /**
   * Each series alarms by chance less often than once in this long (see `LatencyStepMonitor.judge`). A year, not the
   * series detector's week: a service has dozens of timed templates, and a step is a large change, so the stricter
   * budget costs little.
   */
  chanceAlarmEveryMs: number;
  /** After a report, the series is not tested for this long. */
  quietMs: number;
}

export const DEFAULT_LATENCY_STEP_OPTIONS: Readonly<LatencyStepOptions> = {
  sliceMs: 60_000,
  spans: [2, 4],
  halfLifeMs: 10 * 60_000,
  minReferenceMs: 2 * 60_000,
  minReferenceRequests: 20,
  minSpanRequests: 20,
  maxSliceExcessShare: 0.75,
  minExcessRatio: 3,
  minExcessShare: 0.1,
  minLatencyRiseMs: 5,
  chanceAlarmEveryMs: 365 * 24 * 3600_000,
  quietMs: 30 * 60_000,
};

/** Bucket key -> count of a log-scale histogram of durations (key 0: below 1 ms). */
export type Buckets = Map<number, number>;

const GAMMA = 1.1;
const LOG_GAMMA = Math.log(GAMMA);

/** The bucket of a duration in ms: 0 below 1 ms, then buckets 10 % wide ([1, 1.1), [1.1, 1.21), ...). */
export function bucketOf(ms: number): number {
  if (!(ms >= 1)) return 0;
  return 1 + Math.floor(Math.log(ms) / LOG_GAMMA + 1e-9);
}

/** The lower edge of a bucket in ms. */
export function bucketFloor(key: number): number {
  return key <= 0 ? 0 : GAMMA ** (key - 1);
}

const decoded = new WeakMap<Uint8Array, DDSketch | null>();

/**
 * A window's latency sketch decoded, or null when unreadable; decoded once per window however many tests read it
 * (the slow-request counts and the step test each did), never modified by its readers.
 */
export function sketchOf(bytes: Uint8Array): DDSketch | null {
  let s = decoded.get(bytes);
  if (s === undefined) {
    try {
      s = DDSketch.fromProto(bytes);
    } catch {
      s = null;
    }
    decoded.set(bytes, s);
  }
  return s;
}

/** A window's latency sketch (DDSketch protobuf) as buckets; null when it cannot be read or holds nothing. */
export function bucketsOfSketch(bytes: Uint8Array): Buckets | null {
  const s = sketchOf(bytes);
  if (!s) return null;
  const out: Buckets = new Map();
  let total = 0;
  const add = (key: number, n: number) => {
    if (n <= 0) return;
    out.set(key, (out.get(key) ?? 0) + n);
    total += n;
  };
  add(0, s.zeroCount);
  for (let key = s.store.minKey; key <= s.store.maxKey; key++)
    add(bucketOf(s.mapping.value(key)), s.store.bins[key - s.store.offset] ?? 0);
  // Durations are not negative; a negative one is a clock step, counted as the fastest.
  for (let key = s.negativeStore.minKey; key <= s.negativeStore.maxKey; key++)
    add(0, s.negativeStore.bins[key - s.negativeStore.offset] ?? 0);
  return total > 0 ? out : null;
}

function addInto(into: Buckets, from: Buckets, weight = 1): void {
  for (const [key, n] of from) into.set(key, (into.get(key) ?? 0) + n * weight);
}

function totalOf(b: Buckets): number {
  let n = 0;
  for (const c of b.values()) n += c;
  return n;
}

/** The bucket holding quantile q (the first whose cumulative count reaches q of the total). */
export function quantileBucket(b: Buckets, q: number): number {
  const keys = [...b.keys()].sort((x, y) => x - y);
  const target = q * totalOf(b);
  let cum = 0;
  for (const key of keys) {
    cum += b.get(key)!;
    if (cum >= target) return key;
  }
  return keys.at(-1) ?? 0;
}

function countAboveBucket(b: Buckets, key: number): number {
  let n = 0;
  for (const [k, c] of b) if (k > key) n += c;
  return n;
}

interface Slice {
  start: number;
  buckets: Buckets;
}

/** What a series keeps as it is, in memory and persisted. */
interface StepSeriesFields {
  service: string;
  templateId: string;
  template: string;
  sliceMs: number;
  firstSliceStart: number;
  lastWindowStart: number;
  /** The time the reference's decayed counts are as of (the end of the last slice folded in). */
  referenceAt: number | null;
  quietUntil: number;
}

interface StepSeries extends StepSeriesFields {
  /** The slice still receiving windows. */
  open: Slice | null;
  /** Closed slices not yet in the reference, oldest first (at most the longest span). */
  recent: Slice[];
  /** Slices older than `recent`, their counts decayed to `referenceAt`. */
  reference: Buckets;
}

type SliceState = [start: number, buckets: [number, number][]];

/** One series as persisted: buckets as [key, count] pairs. */
export interface StepSeriesState extends StepSeriesFields {
  open: SliceState | null;
  recent: SliceState[];
  reference: [number, number][];
}

export type LatencyStepState = Record<string, StepSeriesState>;

/** What the most telling span showed (see `LatencyStepMonitor.judge`). */
interface StepEvidence {
  quantile: 'p95' | 'p99';
  since: number;
  slices: number;
  above: number;
  total: number;
  expectedShare: number;
  tail: number;
  referenceRequests: number;
  referenceMs: number;
  thresholdMs: number;
  observedMs: number;
}

const QUANTILES = [
  ['p95', 0.95],
  ['p99', 0.99],
] as const;

export class LatencyStepMonitor {
  private readonly opts: LatencyStepOptions;
  private series = new Map<string, StepSeries>();

  constructor(options: Partial<LatencyStepOptions> = {}, state?: LatencyStepState) {
    this.opts = { ...DEFAULT_LATENCY_STEP_OPTIONS, ...options };
    for (const [key, s] of Object.entries(state ?? {})) {
      const slice = ([start, buckets]: SliceState): Slice => ({ start, buckets: new Map(buckets) });
      this.series.set(key, {
        ...s,
        open: s.open ? slice(s.open) : null,
        recent: s.recent.map(slice),
        reference: new Map(s.reference),
      });
    }
  }

  /** Feed aggregates in window order (per series; redelivered or late windows are ignored). */
  observe(aggregates: readonly WindowAggregate[]): Finding[] {
    const findings: Finding[] = [];
    for (const a of aggregates) {
      const f = this.feed(a);
      if (f) findings.push(f);
    }
    return findings;
  }

  state(): LatencyStepState {
    const out: LatencyStepState = {};
    const slice = (s: Slice): SliceState => [s.start, [...s.buckets]];
    for (const [key, s] of this.series)
      out[key] = {
        ...s,
        open: s.open ? slice(s.open) : null,
        recent: s.recent.map(slice),
        reference: [...s.reference],
      };
    return out;
  }

  /**
   * Another detector reported this series' slowness at `at`: no step report for it for `quietMs` (one finding per
   * episode). Only a series already fed is quieted.
   */
  reportedElsewhere(service: string, templateId: string, at: number): void {
    const s = this.series.get(`${service}\u0000${templateId}`);
    if (s) s.quietUntil = Math.max(s.quietUntil, at + this.opts.quietMs);
  }

  /** One window of one series (ignored when redelivered, late, or without a latency sketch). */
  feed(a: WindowAggregate): Finding | null {
    if (!a.latencySketch) return null;
    const key = `${a.service}\u0000${a.templateId}`;
    const sliceMs = Math.max(this.opts.sliceMs, a.windowMs);
    const sliceStart = Math.floor(a.windowStart / sliceMs) * sliceMs;
    let s = this.series.get(key);
    if (!s) {
      s = {
        service: a.service,
        templateId: a.templateId,
        template: a.template,
        sliceMs,
        firstSliceStart: sliceStart,
        lastWindowStart: -Infinity,
        open: null,
        recent: [],
        reference: new Map(),
        referenceAt: null,
        quietUntil: -Infinity,
      };
      this.series.set(key, s);
    }
    if (a.windowStart <= s.lastWindowStart) return null;
    const buckets = bucketsOfSketch(a.latencySketch!);
    if (!buckets) return null;
    s.lastWindowStart = a.windowStart;
    let finding: Finding | null = null;
    // A window of a later slice closes the open one (its last windows may have had no timed request).
    if (s.open && s.open.start !== sliceStart) finding = this.close(s);
    s.open ??= { start: sliceStart, buckets: new Map() };
    addInto(s.open.buckets, buckets);
    // The slice's last window closes it at once, rather than when the next one comes.
    if (a.windowStart + a.windowMs >= s.open.start + s.sliceMs) finding ??= this.close(s);
    return finding;
  }

  /** Moves the open slice into the recent ones (the oldest into the reference), then judges the series. */
  private close(s: StepSeries): Finding | null {
    const closed = s.open!;
    s.open = null;
    s.recent.push(closed);
    const keep = Math.max(1, ...this.opts.spans);
    while (s.recent.length > keep) this.fold(s, s.recent.shift()!);
    const at = closed.start + s.sliceMs;
    if (at < s.quietUntil) return null;
    const evidence = this.judge(s);
    if (!evidence) return null;
    s.quietUntil = at + this.opts.quietMs;
    return stepFinding(s, evidence, at, this.opts.halfLifeMs);
  }

  private fold(s: StepSeries, slice: Slice): void {
    const end = slice.start + s.sliceMs;
    if (s.referenceAt !== null) {
      const decay = 0.5 ** (Math.max(0, end - s.referenceAt) / this.opts.halfLifeMs);
      for (const [key, n] of s.reference) {
        const left = n * decay;
        if (left < 1e-3) s.reference.delete(key);
        else s.reference.set(key, left);
      }
    }
    addInto(s.reference, slice.buckets);
    s.referenceAt = end;
  }

  /**
   * The most improbable of the spans' counts, or null when none passes.
   *
   * False alarms: at each closed slice, up to `spans.length` spans are tested at two quantiles; each test gets
   * alpha / (2 × spans), alpha = slice / `chanceAlarmEveryMs`, so by the union bound a series where nothing changed
   * alarms less often than once per `chanceAlarmEveryMs` (the tests overlap, so far less). The null share is the
   * reference's own share above its quantile bucket (a whole bucket: ties and the buckets' width are in it), taken
   * as Normal(share, sd) with sd from the reference's (decayed) size, so a small reference makes the test cautious.
   */
  private judge(s: StepSeries): StepEvidence | null {
    const o = this.opts;
    const spans = o.spans.filter((k) => k >= 1 && k <= s.recent.length);
    const alpha = Math.min(1, s.sliceMs / o.chanceAlarmEveryMs) / (2 * Math.max(1, o.spans.length));
    let best: StepEvidence | null = null;
    for (const k of spans) {
      const span = s.recent.slice(-k);
      const since = span[0]!.start;
      if (since - s.firstSliceStart < o.minReferenceMs) continue;
      const reference = new Map(s.reference);
      for (const older of s.recent.slice(0, -k)) addInto(reference, older.buckets);
      const referenceRequests = totalOf(reference);
      if (referenceRequests < o.minReferenceRequests) continue;
      const tested: Buckets = new Map();
      for (const slice of span) addInto(tested, slice.buckets);
      const total = totalOf(tested);
      if (total < o.minSpanRequests) continue;
      for (const [quantile, q] of QUANTILES) {
        const threshold = quantileBucket(reference, q);
        const share = Math.max(countAboveBucket(reference, threshold), 1) / (referenceRequests + 1);
        const above = countAboveBucket(tested, threshold);
        if (above < o.minExcessRatio * share * total || above < (share + o.minExcessShare) * total) continue;
        if (!spreadOver(span, threshold, share, above - share * total, o.maxSliceExcessShare)) continue;
        const observed = quantileBucket(tested, q);
        if (bucketFloor(observed) - bucketFloor(threshold + 1) < o.minLatencyRiseMs) continue;
        // Cheap screen first: the averaged tail is at least half the tail at the mean share.
        if (binomialTail(above, total, share, 'upper') > 2 * alpha) continue;
        const sd = Math.sqrt((share * (1 - share)) / referenceRequests);
        const tail = uncertainBinomialTail(above, total, share, sd);
        if (tail > alpha || (best && tail >= best.tail)) continue;
        best = {
          quantile,
          since,
          slices: k,
          above,
          total,
          expectedShare: share,
          tail,
          referenceRequests,
          referenceMs: since - s.firstSliceStart,
          thresholdMs: bucketFloor(threshold + 1),
          observedMs: bucketFloor(observed),
        };
      }
    }
    return best;
  }
}

/** The span's excess above the threshold is not mostly one slice's. */
function spreadOver(
  span: readonly Slice[],
  threshold: number,
  share: number,
  excess: number,
  maxShare: number,
): boolean {
  for (const slice of span) {
    const own = countAboveBucket(slice.buckets, threshold) - share * totalOf(slice.buckets);
    if (own > maxShare * excess) return false;
  }
  return true;
}

function stepFinding(s: StepSeries, p: StepEvidence, at: number, halfLifeMs: number): Finding {
  const rule = 'latency-shift';
  const metric = 'latency.p95';
  const subject = `${s.templateId}:${metric}`;
  const pct = (x: number) => `${(x * 100).toPrecision(2)}%`;
  const minutes = (p.slices * s.sliceMs) / 60_000;
  const referenceMinutes = Math.min(p.referenceMs, 2 * halfLifeMs) / 60_000;
  // How far the count is from chance, in binomial standard deviations: comparable across series.
  const z =
    (p.above - p.expectedShare * p.total) / Math.sqrt(p.total * p.expectedShare * (1 - p.expectedShare));
  const explanation =
    `latency of ${s.service} "${s.template}" stepped up: ${p.above} of ${p.total} requests in the last ` +
    `${minutes} minute${minutes === 1 ? '' : 's'} took longer than ${p.thresholdMs.toPrecision(3)} ms, the ` +
    `${p.quantile} of the ${Math.round(referenceMinutes)} minutes before (weighted to the most recent), where ` +
    `chance gives ${pct(p.expectedShare)} (${Math.round(p.expectedShare * p.total)}); their ${p.quantile} is now ` +
    `${p.observedMs.toPrecision(3)} ms, a chance of ${p.tail.toExponential(1)}, since ` +
    `${new Date(p.since).toISOString()} (${rule}).`;
  return {
    id: findingId('performance', rule, s.service, subject, p.since),
    kind: 'performance',
    rule,
    service: s.service,
    subject,
    templateIds: [s.templateId],
    since: p.since,
    at,
    magnitude: Math.max(0, z),
    explanation,
    evidence: {
      metric,
      baseline: p.thresholdMs,
      observed: p.observedMs,
      deviation: z,
      direction: 'up',
      detectedOn: 'step-change',
      spanMinutes: minutes,
      slowRequests: p.above,
      requests: p.total,
      expectedSlowShare: p.expectedShare,
      chance: p.tail,
      slowAbove: p.quantile,
      slowThresholdMs: p.thresholdMs,
      referenceRequests: Math.round(p.referenceRequests),
    },
  };
}
