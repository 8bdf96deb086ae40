import type { Collection, Db } from 'mongodb';
import { fromJson, toJson } from './json.js';

/**
 * State a parse run reads at its start and writes at its end (miner state, per-service watermarks) is kept
 * as "before" and "after" this run: a retried beat of the same run starts from "before" again, so that it
 * computes exactly what an uninterrupted run would have.
 */
interface RunScopedDoc {
  _id: string;
  runId: string;
  before: string;
  after: string;
}

export class RunScopedState<T> {
  private readonly collection: Collection<RunScopedDoc>;

  constructor(db: Db, name: string, private readonly empty: () => T) {
    this.collection = db.collection<RunScopedDoc>(name);
  }

  async load(key: string, runId: string): Promise<T> {
    const doc = await this.collection.findOne({ _id: key });
    if (!doc) return this.empty();
    return fromJson<T>(doc.runId === runId ? doc.before : doc.after);
  }

  async save(key: string, runId: string, before: T, after: T): Promise<void> {
    await this.collection.replaceOne({ _id: key }, { runId, before: toJson(before), after: toJson(after) }, { upsert: true });
  }
}

