import type { Db } from 'mongodb';
import type { TemplatedEvent, WindowAggregate } from '@self-healing/schemas';
import { DetectionEventStore, append } from '@self-healing/shared';
import { TelemetryStore, toAggregate } from './stores.js';

/** Which aggregates of which parse runs: the parse runs, and optionally some services and a time range. */
export interface RunSelection {
  parseRunIds: readonly string[];
  /** Empty: every service. */
  services: readonly string[];
  /** Window starts (aggregates) or event times (events) in [from, until). */
  timeRange: { from: number; until: number } | null;
}

/**
 * What telemetry.parse offers later stages to read, typed: the window aggregates and detection events its runs
 * stored. The only way another stage reads telemetry.parse's collections, so their layout stays this stage's
 * business.
 */
export class TelemetryReadModel {
  private readonly store: TelemetryStore;
  private readonly detectionEvents: DetectionEventStore;

  constructor(private readonly db: Db) {
    this.store = new TelemetryStore(db);
    this.detectionEvents = new DetectionEventStore(db);
  }

  /** The aggregates the selected runs wrote, by window start, service and template. */
  async aggregatesOfRuns(s: RunSelection): Promise<WindowAggregate[]> {
    const filter: Record<string, unknown> = { runId: { $in: [...s.parseRunIds] } };
    if (s.services.length) filter.service = { $in: [...s.services] };
    if (s.timeRange) filter.windowStart = { $gte: s.timeRange.from, $lt: s.timeRange.until };
    const docs = await this.store.aggregates
      .find(filter)
      .sort({ windowStart: 1, service: 1, templateId: 1 })
      .toArray();
    return docs.map(toAggregate);
  }

  /** Every run's contribution to the windows of these services starting in [from, until), in store order. */
  async contributionsToWindows(
    services: readonly string[],
    from: number,
    until: number,
  ): Promise<WindowAggregate[]> {
    const docs = await this.store.aggregates
      .find({ service: { $in: [...services] }, windowStart: { $gte: from, $lt: until } })
      .toArray();
    return docs.map(toAggregate);
  }

  /** Parse runs that stored windows of these services starting in [from, until): who read that stretch of logs. */
  async runsCovering(services: readonly string[], from: number, until: number): Promise<string[]> {
    const ids = await this.store.aggregates.distinct('runId', {
      service: { $in: [...services] },
      windowStart: { $gte: from, $lt: until },
    });
    return (ids as string[]).sort();
  }

  /**
   * Parse runs stored in [from, until] (when each finished storing), oldest first: what a detection run looks at to
   * take in earlier runs' events that no detection run has examined yet.
   */
  async runsStoredBetween(from: number, until: number): Promise<Array<{ runId: string; storedAt: number }>> {
    const docs = await this.db
      .collection<{ _id: string; storedAt: Date }>('telemetry_runs')
      .find({ storedAt: { $gte: new Date(from), $lte: new Date(until) } }, { projection: { storedAt: 1 } })
      .toArray();
    return docs
      .map((d) => ({ runId: String(d._id), storedAt: d.storedAt.getTime() }))
      .sort((a, b) => a.storedAt - b.storedAt || (a.runId < b.runId ? -1 : 1));
  }

  /** When these parse runs finished storing (runs not stored yet are left out). */
  async storedAtOf(parseRunIds: readonly string[]): Promise<number[]> {
    if (parseRunIds.length === 0) return [];
    const docs = await this.db
      .collection<{ _id: string; storedAt: Date }>('telemetry_runs')
      .find({ _id: { $in: [...parseRunIds] } }, { projection: { storedAt: 1 } })
      .toArray();
    return docs.map((d) => d.storedAt.getTime());
  }

  /** The events the selected runs kept for detection (sessions, traces, errors), by time. */
  async detectionEventsOf(s: RunSelection): Promise<TemplatedEvent[]> {
    const all: TemplatedEvent[] = [];
    for (const id of s.parseRunIds) append(all, await this.detectionEvents.read(id));
    return all
      .filter(
        (e) =>
          (s.services.length === 0 || s.services.includes(e.service)) &&
          (!s.timeRange || (e.timestamp >= s.timeRange.from && e.timestamp < s.timeRange.until)),
      )
      .sort((a, b) => a.timestamp - b.timestamp);
  }
}
