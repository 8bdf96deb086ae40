import type { Db } from 'mongodb';
import type { TemplatedEvent } from '@self-healing/schemas';
import { DetectionEventStore, append } from '@self-healing/shared';
import { RunWindowsStore, type RunDocument, type StoredAggregate } from './stores.js';

/** How many runs' packed windows are asked for at once. */
const READ_RUNS_AT_ONCE = 8;

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

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
  private readonly runWindows: RunWindowsStore;
  private readonly detectionEvents: DetectionEventStore;

  constructor(private readonly db: Db) {
    this.runWindows = new RunWindowsStore(db);
    this.detectionEvents = new DetectionEventStore(db);
  }

  /** The aggregates the selected runs wrote, by window start, service and template. */
  async aggregatesOfRuns(s: RunSelection): Promise<StoredAggregate[]> {
    const wanted = (a: StoredAggregate) =>
      (s.services.length === 0 || s.services.includes(a.service)) &&
      (!s.timeRange || (a.windowStart >= s.timeRange.from && a.windowStart < s.timeRange.until));
    return (await this.windowsOf(s.parseRunIds, wanted)).sort(
      (a, b) =>
        a.windowStart - b.windowStart ||
        compare(a.service, b.service) ||
        compare(a.templateId, b.templateId) ||
        compare(a.runId, b.runId),
    );
  }

  /**
   * Every run's contribution to the windows of these services starting in [from, until) (and, given templates, of
   * those templates only), by run.
   */
  async contributionsToWindows(
    services: readonly string[],
    from: number,
    until: number,
    templateIds?: readonly string[],
  ): Promise<StoredAggregate[]> {
    const runs = await this.runsCovering(services, from, until);
    const templates = templateIds ? new Set(templateIds) : null;
    return this.windowsOf(
      runs,
      (a) =>
        services.includes(a.service) &&
        a.windowStart >= from &&
        a.windowStart < until &&
        (!templates || templates.has(a.templateId)),
    );
  }

  /**
   * Parse runs that stored windows of these services overlapping [from, until): who read that stretch of logs. Read
   * from the runs' documents (one per run) rather than from the aggregates (one per template, window and run).
   */
  async runsCovering(services: readonly string[], from: number, until: number): Promise<string[]> {
    // The query narrows by the run's overall span (the server scans these small documents); each service's own span
    // decides.
    const docs = await this.db
      .collection<RunDocument>('telemetry_runs')
      .find(
        { services: { $in: [...services] }, windowsFrom: { $lt: until }, windowsUntil: { $gt: from } },
        { projection: { spans: 1 } },
      )
      .toArray();
    return docs
      .filter((d) =>
        (d.spans ?? []).some((x) => services.includes(x.service) && x.from < until && x.until > from),
      )
      .map((d) => String(d._id))
      .sort();
  }

  /** The kept aggregates of these runs, a few runs read at a time. */
  private async windowsOf(
    runIds: readonly string[],
    wanted: (a: StoredAggregate) => boolean,
  ): Promise<StoredAggregate[]> {
    const all: StoredAggregate[] = [];
    for (let i = 0; i < runIds.length; i += READ_RUNS_AT_ONCE) {
      const packs = await Promise.all(
        runIds.slice(i, i + READ_RUNS_AT_ONCE).map((id) => this.runWindows.read(id)),
      );
      for (const pack of packs) for (const a of pack) if (wanted(a)) all.push(a);
    }
    return all;
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
