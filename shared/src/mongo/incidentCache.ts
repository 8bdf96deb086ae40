import type { Collection, Db } from 'mongodb';
import type { IncidentCache } from '../runner/decide.js';
import { fromJson, toJson } from './json.js';

interface CacheDoc {
  _id: string;
  machineVersion: string;
  lastSeq: number;
  emittedSeq: number;
  outsideEventId?: string | null;
  pendingBeat: IncidentCache['pendingBeat'];
  state: string;
  /** Deferred triggers (JSON, as the state): see IncidentCache.deferred. */
  deferred?: string;
  startedBy?: string | null;
  updatedAt: Date;
}

/**
 * The machine state cache: one document per (stage, incident). Only a shortcut: losing it, or a new machine
 * version, means the runner rebuilds the state from the event log.
 */
export class IncidentCacheStore {
  private readonly collection: Collection<CacheDoc>;

  constructor(db: Db, stage: string) {
    this.collection = db.collection<CacheDoc>(`machine_state_${stage.replace(/\W/g, '_')}`);
  }

  async get(incidentId: string): Promise<IncidentCache | null> {
    const doc = await this.collection.findOne({ _id: incidentId });
    if (!doc) return null;
    return {
      incidentId,
      machineVersion: doc.machineVersion,
      lastSeq: doc.lastSeq,
      emittedSeq: doc.emittedSeq,
      outsideEventId: doc.outsideEventId ?? null,
      pendingBeat: doc.pendingBeat,
      state: fromJson(doc.state),
      deferred: doc.deferred ? fromJson(doc.deferred) : [],
      startedBy: doc.startedBy ? fromJson(doc.startedBy) : null,
    };
  }

  async put(cache: IncidentCache): Promise<void> {
    await this.collection.replaceOne(
      { _id: cache.incidentId },
      {
        machineVersion: cache.machineVersion,
        lastSeq: cache.lastSeq,
        emittedSeq: cache.emittedSeq,
        outsideEventId: cache.outsideEventId,
        pendingBeat: cache.pendingBeat,
        state: toJson(cache.state),
        ...(cache.deferred?.length ? { deferred: toJson(cache.deferred) } : {}),
        ...(cache.startedBy ? { startedBy: toJson(cache.startedBy) } : {}),
        updatedAt: new Date(),
      },
      { upsert: true },
    );
  }

  /** Records that the event with this seq is committed to the log; never moves backwards. */
  async markEmitted(incidentId: string, seq: number): Promise<void> {
    await this.collection.updateOne(
      { _id: incidentId, emittedSeq: { $lt: seq } },
      { $set: { emittedSeq: seq } },
    );
  }

  async drop(): Promise<void> {
    await this.collection.drop().catch(() => undefined);
  }
}
