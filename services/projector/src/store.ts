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
