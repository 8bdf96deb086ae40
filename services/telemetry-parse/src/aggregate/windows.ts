import type { TemplatedEvent, WindowAggregate } from '@self-healing/schemas';
import { LatencySketch, type LatencySketchState } from './sketch.js';

/** The `numbers` field that holds an event's latency, unless a window builder is told otherwise. */
export const DURATION_FIELD = 'durationMs';

/**
 * Event-time tumbling windows per (service, template).
 *
 * Watermark = max event time seen - allowed lateness. A window [start, start + width) is open while
 * watermark < start + width; `flush()` closes and returns the windows the watermark has passed. An event
 * whose window the watermark has already passed is late beyond the bound: it is counted in `droppedLate`
 * and changes nothing else; an event older than the newest one but within the bound updates its window.
 * Whether an event is late is decided against the watermark as it stood before that event, so the state
 * depends only on the sequence of events: replaying the same input rebuilds the same state, and `snapshot()`
 * of it is equal field for field (sketches included).
 */
export interface WindowAggregatorOptions {
  /** Window width in ms. Default 60 000. */
  windowMs?: number;
  /** How far behind the newest event time an event may be and still count. Default 30 000 ms. */
  allowedLatenessMs?: number;
  /** DDSketch relative accuracy for latency. Default 0.01. */
  relativeAccuracy?: number;
  /** The `numbers` field that holds the event's latency. Default `durationMs`. */
  durationField?: string;
}

interface WindowState {
  service: string;
  templateId: string;
  template: string;
  windowStart: number;
  count: number;
  errorCount: number;
  sketch: LatencySketch | null;
  firstSeen: number;
  lastSeen: number;
}

export interface WindowSnapshot {
  version: 1;
  windowMs: number;
  allowedLatenessMs: number;
  relativeAccuracy: number;
  durationField: string;
  maxEventTime: number | null;
  closedBefore: number | null;
  accepted: number;
  droppedLate: number;
  windows: {
    service: string;
    templateId: string;
    template: string;
    windowStart: number;
    count: number;
    errorCount: number;
    firstSeen: number;
    lastSeen: number;
    latency: LatencySketchState | null;
  }[];
  /** [service, templateId, start of the first window the template was seen in], sorted. */
  firstWindows: [string, string, number][];
}

export interface WindowAggregatorStats {
  accepted: number;
  droppedLate: number;
  openWindows: number;
  maxEventTime: number | null;
  watermark: number | null;
  closedBefore: number | null;
  templates: number;
}

export type AddOutcome = 'accepted' | 'late';

export interface WindowAggregator {
  readonly windowMs: number;
  readonly allowedLatenessMs: number;
  add(event: TemplatedEvent): AddOutcome;
  /** Current watermark (max event time - allowed lateness), null before the first event. */
  watermark(): number | null;
  /**
   * Closes and returns, sorted by (windowStart, service, templateId), every window that ends at or before the
   * watermark, or before `upTo` when given (end of input, shutdown). Events for closed windows count as late.
   */
  flush(upTo?: number): WindowAggregate[];
  /** The open windows as they stand, without closing them (same order as `flush`). */
  openWindows(): WindowAggregate[];
  /** Adds another aggregator's open state (disjoint input). Merge is commutative and associative. */
  merge(other: WindowAggregator): void;
  snapshot(): WindowSnapshot;
  restore(snapshot: WindowSnapshot): void;
  stats(): WindowAggregatorStats;
}

const key = (...parts: (string | number)[]): string => parts.join('\u0000');

function compareWindows(a: WindowState, b: WindowState): number {
  return (
    a.windowStart - b.windowStart ||
    (a.service < b.service ? -1 : a.service > b.service ? 1 : 0) ||
    (a.templateId < b.templateId ? -1 : a.templateId > b.templateId ? 1 : 0)
  );
}

class TumblingWindowAggregator implements WindowAggregator {
  readonly windowMs: number;
  readonly allowedLatenessMs: number;
  private readonly relativeAccuracy: number;
  private readonly durationField: string;
  private windows = new Map<string, WindowState>();
  private firstWindows = new Map<string, [string, string, number]>();
  private maxEventTime: number | null = null;
  private closedBefore: number | null = null;
  private accepted = 0;
  private droppedLate = 0;

  constructor(options: WindowAggregatorOptions) {
    this.windowMs = options.windowMs ?? 60_000;
    this.allowedLatenessMs = options.allowedLatenessMs ?? 30_000;
    this.relativeAccuracy = options.relativeAccuracy ?? 0.01;
    this.durationField = options.durationField ?? DURATION_FIELD;
    if (!(this.windowMs > 0) || !Number.isInteger(this.windowMs))
      throw new Error('windowMs must be a positive integer');
    if (!(this.allowedLatenessMs >= 0)) throw new Error('allowedLatenessMs must be >= 0');
  }

  watermark(): number | null {
    return this.maxEventTime === null ? null : this.maxEventTime - this.allowedLatenessMs;
  }

  private closedBound(): number | null {
    const w = this.watermark();
    if (w === null) return this.closedBefore;
    return this.closedBefore === null ? w : Math.max(w, this.closedBefore);
  }

  add(event: TemplatedEvent): AddOutcome {
    const t = event.timestamp;
    const windowStart = Math.floor(t / this.windowMs) * this.windowMs;
    const bound = this.closedBound();
    if (bound !== null && windowStart + this.windowMs <= bound) {
      this.droppedLate++;
      return 'late';
    }
    this.accepted++;
    this.maxEventTime = this.maxEventTime === null ? t : Math.max(this.maxEventTime, t);

    const k = key(windowStart, event.service, event.templateId);
    let w = this.windows.get(k);
    if (!w) {
      w = {
        service: event.service,
        templateId: event.templateId,
        template: event.template,
        windowStart,
        count: 0,
        errorCount: 0,
        sketch: null,
        firstSeen: t,
        lastSeen: t,
      };
      this.windows.set(k, w);
    }
    w.count++;
    if (event.level === 'error' || event.level === 'fatal') w.errorCount++;
    w.firstSeen = Math.min(w.firstSeen, t);
    w.lastSeen = Math.max(w.lastSeen, t);
    const duration = event.numbers[this.durationField];
    if (duration !== undefined && Number.isFinite(duration)) {
      w.sketch ??= new LatencySketch(this.relativeAccuracy);
      w.sketch.add(duration);
    }
    const tk = key(event.service, event.templateId);
    const first = this.firstWindows.get(tk);
    if (!first || windowStart < first[2])
      this.firstWindows.set(tk, [event.service, event.templateId, windowStart]);
    return 'accepted';
  }

  private toAggregate(w: WindowState): WindowAggregate {
    const first = this.firstWindows.get(key(w.service, w.templateId));
    const sketch = w.sketch;
    return {
      service: w.service,
      templateId: w.templateId,
      template: w.template,
      windowStart: w.windowStart,
      windowMs: this.windowMs,
      count: w.count,
      errorCount: w.errorCount,
      latency:
        sketch && sketch.count > 0
          ? {
              p50: sketch.quantile(0.5),
              p95: sketch.quantile(0.95),
              p99: sketch.quantile(0.99),
              max: sketch.max,
              count: sketch.count,
            }
          : null,
      latencySketch: sketch && sketch.count > 0 ? sketch.toBytes() : null,
      firstSeen: w.firstSeen,
      lastSeen: w.lastSeen,
      newTemplate: first !== undefined && first[2] === w.windowStart,
    };
  }

  flush(upTo?: number): WindowAggregate[] {
    let bound = this.closedBound();
    if (upTo !== undefined) bound = bound === null ? upTo : Math.max(bound, upTo);
    if (bound === null) return [];
    this.closedBefore = bound;
    const closing: WindowState[] = [];
    for (const [k, w] of this.windows) {
      if (w.windowStart + this.windowMs <= bound) {
        closing.push(w);
        this.windows.delete(k);
      }
    }
    return closing.sort(compareWindows).map((w) => this.toAggregate(w));
  }

  openWindows(): WindowAggregate[] {
    return [...this.windows.values()].sort(compareWindows).map((w) => this.toAggregate(w));
  }

  merge(other: WindowAggregator): void {
    const s = other.snapshot();
    if (
      s.windowMs !== this.windowMs ||
      s.relativeAccuracy !== this.relativeAccuracy ||
      s.durationField !== this.durationField
    ) {
      throw new Error(
        'cannot merge window aggregators with different window width, accuracy or duration field',
      );
    }
    this.mergeSnapshot(s);
  }

  private mergeSnapshot(s: WindowSnapshot): void {
    const max = (a: number | null, b: number | null): number | null =>
      a === null ? b : b === null ? a : Math.max(a, b);
    this.maxEventTime = max(this.maxEventTime, s.maxEventTime);
    this.closedBefore = max(this.closedBefore, s.closedBefore);
    this.accepted += s.accepted;
    this.droppedLate += s.droppedLate;
    for (const ow of s.windows) {
      const k = key(ow.windowStart, ow.service, ow.templateId);
      const w = this.windows.get(k);
      const sketch = ow.latency ? LatencySketch.fromState(ow.latency) : null;
      if (!w) {
        this.windows.set(k, { ...ow, sketch });
        continue;
      }
      w.count += ow.count;
      w.errorCount += ow.errorCount;
      w.firstSeen = Math.min(w.firstSeen, ow.firstSeen);
      w.lastSeen = Math.max(w.lastSeen, ow.lastSeen);
      if (sketch) {
        if (w.sketch) w.sketch.merge(sketch);
        else w.sketch = sketch;
      }
    }
    for (const [service, templateId, start] of s.firstWindows) {
      const tk = key(service, templateId);
      const first = this.firstWindows.get(tk);
      if (!first || start < first[2]) this.firstWindows.set(tk, [service, templateId, start]);
    }
  }

  snapshot(): WindowSnapshot {
    return {
      version: 1,
      windowMs: this.windowMs,
      allowedLatenessMs: this.allowedLatenessMs,
      relativeAccuracy: this.relativeAccuracy,
      durationField: this.durationField,
      maxEventTime: this.maxEventTime,
      closedBefore: this.closedBefore,
      accepted: this.accepted,
      droppedLate: this.droppedLate,
      windows: [...this.windows.values()].sort(compareWindows).map((w) => ({
        service: w.service,
        templateId: w.templateId,
        template: w.template,
        windowStart: w.windowStart,
        count: w.count,
        errorCount: w.errorCount,
        firstSeen: w.firstSeen,
        lastSeen: w.lastSeen,
        latency: w.sketch ? w.sketch.toState() : null,
      })),
      firstWindows: [...this.firstWindows.values()].sort((a, b) =>
        key(a[0], a[1]) < key(b[0], b[1]) ? -1 : 1,
      ),
    };
  }

  restore(snapshot: WindowSnapshot): void {
    if (snapshot.version !== 1)
      throw new Error(`unknown window snapshot version ${String(snapshot.version)}`);
    if (snapshot.windowMs !== this.windowMs || snapshot.relativeAccuracy !== this.relativeAccuracy) {
      throw new Error('snapshot was taken with a different window width or accuracy');
    }
    this.windows = new Map();
    this.firstWindows = new Map();
    this.maxEventTime = null;
    this.closedBefore = null;
    this.accepted = 0;
    this.droppedLate = 0;
    this.mergeSnapshot(snapshot);
  }

  stats(): WindowAggregatorStats {
    return {
      accepted: this.accepted,
      droppedLate: this.droppedLate,
      openWindows: this.windows.size,
      maxEventTime: this.maxEventTime,
      watermark: this.watermark(),
      closedBefore: this.closedBefore,
      templates: this.firstWindows.size,
    };
  }
}

export function createWindowAggregator(
  options: WindowAggregatorOptions = {},
  snapshot?: WindowSnapshot,
): WindowAggregator {
  const aggregator = new TumblingWindowAggregator(
    snapshot
      ? {
          ...options,
          windowMs: snapshot.windowMs,
          allowedLatenessMs: snapshot.allowedLatenessMs,
          relativeAccuracy: snapshot.relativeAccuracy,
          durationField: snapshot.durationField,
        }
      : options,
  );
  if (snapshot) aggregator.restore(snapshot);
  return aggregator;
}
