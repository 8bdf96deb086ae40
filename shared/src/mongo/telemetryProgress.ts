import type { Collection, Db } from 'mongodb';
import { isDuplicateKey } from './client.js';

/** One service's parsing progress: the end of the latest window whose aggregates are stored. */
interface ProgressDoc {
  _id: string;
  until: number;
  runId: string;
  updatedAt: Date;
}

/** The windows a parse run stored, as far as progress is concerned. */
export interface StoredWindow {
  service: string;
  windowStart: number;
  windowMs: number;
}

/**
 * How far telemetry.parse has stored each service's windows, one small document per service, read by `_id`.
 * Readers used to ask the aggregates themselves ("the latest window of this service"), but FerretDB on SQLite answers
 * a filtered or sorted query by reading the whole collection: 9 s for 40,000 aggregates on an idle machine, minutes
 * under the ten-service chaos run, where learning asked it every few seconds while it waited for telemetry.
 *
 * Written after the run's aggregates, so a reader never sees progress before the windows are there. The update is
 * `$max`, which FerretDB does not apply atomically: two runs storing at once may leave the lower of their two ends
 * until the next run of that service advances it again. Readers only wait a little longer then; progress never
 * claims windows that are not stored.
 */
export class TelemetryProgress {
  static readonly COLLECTION = 'telemetry_progress';
  private readonly collection: Collection<ProgressDoc>;

  constructor(db: Db) {
    this.collection = db.collection<ProgressDoc>(TelemetryProgress.COLLECTION);
  }

  /** Records the ends of the run's windows per service (never moves a service's progress back on its own). */
  async advance(runId: string, windows: readonly StoredWindow[]): Promise<void> {
    for (const [service, until] of windowEnds(windows)) {
      const update = { $max: { until }, $set: { runId, updatedAt: new Date() } };
      try {
        await this.collection.updateOne({ _id: service }, update, { upsert: true });
      } catch (error) {
        // Another run created the document meanwhile: the update now finds it.
        if (!isDuplicateKey(error)) throw error;
        await this.collection.updateOne({ _id: service }, update);
      }
    }
  }

  /** The end of the latest stored window over these services (0: none stored yet). */
  async parsedUntil(services: readonly string[]): Promise<number> {
    let latest = 0;
    for (const service of new Set(services)) {
      const doc = await this.collection.findOne({ _id: service });
      if (doc && doc.until > latest) latest = doc.until;
    }
    return latest;
  }
}

/** Per service, the end of its latest window. */
export function windowEnds(windows: readonly StoredWindow[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const w of windows) {
    const end = w.windowStart + w.windowMs;
    if (end > (out.get(w.service) ?? 0)) out.set(w.service, end);
  }
  return out;
}
