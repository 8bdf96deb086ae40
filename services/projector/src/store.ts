import type { Collection, Db } from 'mongodb';
import { isDuplicateKey, type StageEvent } from '@self-healing/shared';
import { evolve, type IncidentDoc } from './evolve.js';

const POINTER_ID = 'incidents';

interface PointerDoc {
  _id: string;
  collection: string;
  version: number;
}

/**
 * Where reads go: a pointer document names the live versioned collection (`incidents_v1`, `incidents_v2`...).
 * A replay builds the next version beside it and then moves the pointer, so readers never see a half-built one.
 */
export class ProjectionCatalog {
  constructor(private readonly db: Db) {}

  private get pointers(): Collection<PointerDoc> {
    return this.db.collection<PointerDoc>('projections');
  }

  async current(): Promise<PointerDoc> {
    const found = await this.pointers.findOne({ _id: POINTER_ID });
    if (found) return found;
    const initial = { _id: POINTER_ID, collection: 'incidents_v1', version: 1 };
    try {
      await this.pointers.insertOne(initial);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      return (await this.pointers.findOne({ _id: POINTER_ID }))!;
    }
    return initial;
  }

  async collection(): Promise<Collection<IncidentDoc>> {
    return this.db.collection<IncidentDoc>((await this.current()).collection);
  }

  async switchTo(collection: string, version: number): Promise<void> {
    await this.pointers.updateOne({ _id: POINTER_ID }, { $set: { collection, version } }, { upsert: true });
  }
}

/**
 * Applies one event to its incident document with a version-guarded write: read, evolve, then insert (new
 * incident) or replace only if nobody else wrote in between. A lost race re-reads and tries again; an event
 * already applied (its seq at or below the checkpoint) changes nothing.
 */
export async function applyEvent(
  collection: Collection<IncidentDoc>,
  event: StageEvent,
  topic: string,
): Promise<'applied' | 'duplicate'> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const doc = await collection.findOne({ _id: event.meta.incidentId });
    const next = evolve(doc, event, topic);
    if (!next) return 'duplicate';
    if (!doc) {
      try {
        await collection.insertOne(next);
        return 'applied';
      } catch (error) {
        if (isDuplicateKey(error)) continue;
        throw error;
      }
    }
    const { _id, ...rest } = next;
    const result = await collection.replaceOne({ _id, version: doc.version }, rest);
    if (result.matchedCount === 1) return 'applied';
  }
  throw new Error(`incident ${event.meta.incidentId}: too much contention applying ${event.meta.type}`);
}

/**
 * The live projector's writes for one commit: events are applied to documents held in memory (read once, on first
 * use), and `flush` writes each changed document once, guarded by the version it was read at, before the offsets
 * are committed. A parse or detection run writes several events of one document in a row: one read and one write
 * for all of them, instead of two round trips each, is what keeps the projection up with the stages on a loaded
 * machine. A guard that fails (another writer in between) fails the flush: nothing is committed, the batch is
 * delivered again, and the documents are read afresh (checkpoints make the events already written change nothing).
 */
export class BufferedProjection {
  private readonly held = new Map<string, { read: IncidentDoc | null; next: IncidentDoc }>();
  private collection: Collection<IncidentDoc> | null = null;

  constructor(private readonly catalog: ProjectionCatalog) {}

  /**
   * Applies one event. The document after it (or as it stands, when the event was applied already), and whether
   * this event changed it.
   */
  async apply(event: StageEvent, topic: string): Promise<{ doc: IncidentDoc | null; applied: boolean }> {
    // Looked up once per commit, so that writes follow a replay's switch from the next batch on.
    this.collection ??= await this.catalog.collection();
    const id = event.meta.incidentId;
    const held = this.held.get(id);
    const read = held ? held.read : await this.collection.findOne({ _id: id });
    const current = held ? held.next : read;
    const next = evolve(current, event, topic);
    if (!next) return { doc: current, applied: false };
    this.held.set(id, { read, next });
    return { doc: next, applied: true };
  }

  /** Writes every document changed since the last flush, each once. */
  async flush(): Promise<void> {
    const collection = this.collection;
    const held = [...this.held.values()];
    this.held.clear();
    this.collection = null;
    if (!collection) return;
    for (const { read, next } of held) {
      if (!read) {
        await collection.insertOne(next); // a duplicate key (another writer first) fails the flush
        continue;
      }
      const { _id, ...rest } = next;
      const result = await collection.replaceOne({ _id, version: read.version }, rest);
      if (result.matchedCount !== 1)
        throw new Error(
          `incident ${_id}: changed by another writer since it was read; the batch is applied again`,
        );
    }
  }
}
