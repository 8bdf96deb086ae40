import type { TemplatedEvent } from '@self-healing/schemas';
import type { ClosedSession, CloseReason, StepOccurrence } from './types.js';

export interface SessionizerOptions {
  /** A session with no event for this long (event time) is complete. */
  inactivityTimeoutMs: number;
  /**
   * After its terminal step a session stays open this long (event time), so that events of the same session that
   * arrive slightly out of order still join it before it is judged.
   */
  terminalGraceMs: number;
  /** Sessions longer than this are closed early so that one runaway id cannot hold unbounded memory. */
  maxEventsPerSession: number;
  /** At most this many sessions open at once; the least recently active is closed (as `timeout`) beyond it. */
  maxOpenSessions: number;
  /** The grouping key of an event; null leaves the event out of behavioural sequences. */
  keyOf: (event: TemplatedEvent) => string | null;
}

export const defaultKeyOf = (event: TemplatedEvent): string | null => event.sessionId ?? event.traceId;

interface OpenSession {
  key: string;
  /** The service of its first event: whose clock closes it. */
  service: string;
  events: TemplatedEvent[];
  lastTime: number;
  /** Event time at which the terminal step was seen, if it was. */
  terminalAt: number | null;
}

/** What a late event for an already completed session should be compared with. */
export interface ClosedMarker {
  closedAt: number;
  lastStep: string;
  lastOpeningTemplateId: string;
  service: string;
  sessionStart: number;
}

/** Plain-JSON state of a `Sessionizer`. */
export interface SessionizerSnapshot {
  open: Array<{
    key: string;
    service?: string;
    events: TemplatedEvent[];
    lastTime: number;
    terminalAt: number | null;
  }>;
  closed: Array<[string, ClosedMarker]>;
  watermark: number | null;
  /** Each service's own watermark (absent in snapshots taken before services had their own). */
  clocks?: Array<[string, number]>;
  lastSweep: number | null;
}

/**
 * How far the newest event of all services may run ahead of a session before it closes although its own service
 * sent nothing newer: a service gone quiet (stopped, crashed) still has its last sessions judged.
 */
export const QUIET_SERVICE_MS = 5 * 60_000;

/**
 * Groups events into sessions by key and closes them by event time. The clock is the highest event time seen
 * (a watermark), never the wall clock, so a replay closes exactly the same sessions. Each service has its own
 * clock: services' telemetry arrives with different delays (each ships its own logs), and one service's newer
 * events must not time out another's sessions whose next events are still on their way (they would be cut in
 * two, and each half judged a broken flow).
 */
export class Sessionizer {
  private readonly open = new Map<string, OpenSession>();
  private readonly closed = new Map<string, ClosedMarker>();
  /** The newest event time of all services. */
  private watermark = Number.NEGATIVE_INFINITY;
  /** Per service: its newest event time. */
  private readonly clocks = new Map<string, number>();
  private lastSweep = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly options: SessionizerOptions,
    private readonly stepOf: (event: TemplatedEvent) => string | null,
  ) {}

  snapshot(): SessionizerSnapshot {
    const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);
    return {
      open: [...this.open.values()].map((s) => structuredClone(s)),
      closed: [...this.closed].map(([k, m]) => [k, { ...m }]),
      watermark: finite(this.watermark),
      clocks: [...this.clocks],
      lastSweep: finite(this.lastSweep),
    };
  }

  restore(snapshot: SessionizerSnapshot): void {
    this.open.clear();
    this.closed.clear();
    this.clocks.clear();
    for (const s of snapshot.open)
      this.open.set(s.key, { ...structuredClone(s), service: s.service ?? s.events[0]?.service ?? '' });
    for (const [k, m] of snapshot.closed) this.closed.set(k, { ...m });
    this.watermark = snapshot.watermark ?? Number.NEGATIVE_INFINITY;
    // An older snapshot had one clock for all: every service starts from it.
    if (snapshot.clocks) for (const [service, time] of snapshot.clocks) this.clocks.set(service, time);
    else if (Number.isFinite(this.watermark))
      for (const s of this.open.values()) this.clocks.set(s.service, this.watermark);
    this.lastSweep = snapshot.lastSweep ?? Number.NEGATIVE_INFINITY;
  }

  now(): number {
    return this.watermark;
  }

  /** The marker of a recently completed session with this key, if any (late events after the terminal step). */
  closedMarker(key: string): ClosedMarker | undefined {
    return this.closed.get(key);
  }

  /** Adds an event; returns sessions that completed because of it (overflow) or because time passed. */
  push(event: TemplatedEvent, key: string): ClosedSession[] {
    const done: ClosedSession[] = this.advance(event.timestamp, event.service);
    let session = this.open.get(key);
    if (!session) {
      this.closed.delete(key);
      session = { key, service: event.service, events: [], lastTime: event.timestamp, terminalAt: null };
      this.open.set(key, session);
      if (this.open.size > this.options.maxOpenSessions) done.push(...this.evictOldest());
    }
    session.events.push(event);
    session.lastTime = Math.max(session.lastTime, event.timestamp);
    if (session.events.length >= this.options.maxEventsPerSession) done.push(this.close(key, 'overflow'));
    return done;
  }

  /** Notes that the session's terminal step arrived: it closes once the grace period has passed. */
  markTerminal(key: string, time: number): ClosedSession[] {
    const session = this.open.get(key);
    if (session) session.terminalAt = Math.max(session.terminalAt ?? time, time);
    return this.sweep();
  }

  /**
   * Moves event time forward: the named service's (its event without a session key, the newest of its events in a
   * run), or every service's when none is named (time known to have passed everywhere: the end of a replay);
   * closes sessions idle longer than the timeout.
   */
  advance(time: number, service?: string): ClosedSession[] {
    if (time > this.watermark) this.watermark = time;
    // Every service with an open session has a clock (its events set it; a restore gives older sessions one).
    const moved = service === undefined ? [...this.clocks.keys()] : [service];
    for (const s of moved)
      if (time > (this.clocks.get(s) ?? Number.NEGATIVE_INFINITY)) this.clocks.set(s, time);
    return this.sweep();
  }

  /** The service's clock: its newest event time, or all services' when it has sent none yet. */
  clockOf(service: string): number {
    return this.clocks.get(service) ?? this.watermark;
  }

  /** How long the session has been idle: by its service's clock, or much longer by all services' (gone quiet). */
  private idle(service: string, since: number): boolean {
    return (
      this.clockOf(service) - since > this.options.inactivityTimeoutMs ||
      this.watermark - since > this.options.inactivityTimeoutMs + QUIET_SERVICE_MS
    );
  }

  private sweep(): ClosedSession[] {
    const sweepEvery = Math.min(this.options.inactivityTimeoutMs / 4, this.options.terminalGraceMs);
    if (this.watermark - this.lastSweep < sweepEvery) return [];
    this.lastSweep = this.watermark;
    const done: ClosedSession[] = [];
    for (const [key, session] of this.open) {
      const clock = this.clockOf(session.service);
      if (session.terminalAt !== null && clock - session.terminalAt > this.options.terminalGraceMs) {
        done.push(this.close(key, 'terminal'));
      } else if (this.idle(session.service, session.lastTime)) {
        done.push(this.close(key, 'timeout'));
      }
    }
    for (const [key, marker] of this.closed) {
      if (this.idle(marker.service, marker.closedAt)) this.closed.delete(key);
    }
    return done;
  }

  /** Closes every open session: the input has ended. */
  drain(): ClosedSession[] {
    return [...this.open.keys()].map((key) => this.close(key, 'drain'));
  }

  openCount(): number {
    return this.open.size;
  }

  private evictOldest(): ClosedSession[] {
    let oldestKey: string | null = null;
    let oldest = Number.POSITIVE_INFINITY;
    for (const [key, session] of this.open) {
      if (session.lastTime < oldest) {
        oldest = session.lastTime;
        oldestKey = key;
      }
    }
    return oldestKey === null ? [] : [this.close(oldestKey, 'timeout')];
  }

  private close(key: string, reason: CloseReason): ClosedSession {
    const session = this.open.get(key);
    if (!session) throw new Error(`no open session ${key}`);
    this.open.delete(key);
    // Event time, not arrival order, decides the order of steps; the sort is stable for equal timestamps.
    const events = [...session.events].sort((a, b) => a.timestamp - b.timestamp);
    const occurrences = toOccurrences(events, this.stepOf);
    const first = events[0]!;
    const last = events[events.length - 1]!;
    const lastOccurrence = occurrences[occurrences.length - 1];
    if (lastOccurrence) {
      this.closed.set(key, {
        closedAt: Math.max(last.timestamp, this.clockOf(session.service)),
        lastStep: lastOccurrence.step,
        lastOpeningTemplateId: lastOccurrence.openingTemplateId,
        service: first.service,
        sessionStart: first.timestamp,
      });
    }
    return {
      key,
      service: first.service,
      traceId: events.find((e) => e.traceId !== null)?.traceId ?? null,
      start: first.timestamp,
      end: last.timestamp,
      reason,
      occurrences,
      events,
    };
  }
}

/** Folds a session's events into step occurrences (see `StepOccurrence`). */
export function toOccurrences(
  events: readonly TemplatedEvent[],
  stepOf: (event: TemplatedEvent) => string | null,
): StepOccurrence[] {
  const out: StepOccurrence[] = [];
  for (const event of events) {
    const step = stepOf(event);
    if (step === null) continue;
    const current = out[out.length - 1];
    if (current && current.step === step && current.openingTemplateId !== event.templateId) {
      current.end = event.timestamp;
      if (!current.templateIds.includes(event.templateId)) current.templateIds.push(event.templateId);
      continue;
    }
    out.push({
      step,
      openingTemplateId: event.templateId,
      templateIds: [event.templateId],
      start: event.timestamp,
      end: event.timestamp,
    });
  }
  return out;
}
