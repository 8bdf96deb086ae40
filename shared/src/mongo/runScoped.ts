import { gunzipSync, gzipSync } from 'node:zlib';
import { deserialize, serialize } from 'node:v8';
import { Binary, type AnyBulkWriteOperation, type Collection, type Db, type Document } from 'mongodb';

/**
 * State a run reads at its start and writes at its end (miner state, watermarks, detectors' memory) is kept
 * as "before" and "after" this run: a retried beat of the same run starts from "before" again, so that it
 * computes exactly what an uninterrupted run would have. Stored compressed (V8 serialization, gzip): detector
 * memory can be large, and a document has a size limit.
 */
interface RunScopedDoc {
  _id: string;
  runId: string;
  before: Binary;
  after: Binary;
}

const pack = (value: unknown) => new Binary(gzipSync(serialize(value), { level: 1 }));
const unpack = <T>(binary: Binary): T => deserialize(gunzipSync(binary.buffer)) as T;

export class RunScopedState<T> {
  private readonly collection: Collection<RunScopedDoc>;

  constructor(
    db: Db,
    name: string,
    private readonly empty: () => T,
  ) {
    this.collection = db.collection<RunScopedDoc>(name);
  }

  async load(key: string, runId: string): Promise<T> {
    const doc = await this.collection.findOne({ _id: key });
    if (!doc) return this.empty();
    return unpack<T>(doc.runId === runId ? doc.before : doc.after);
  }

  async save(key: string, runId: string, before: T, after: T): Promise<void> {
    await this.collection.replaceOne(
      { _id: key },
      { runId, before: pack(before), after: pack(after) },
      { upsert: true },
    );
  }
}

/**
 * A bulk write in small batches. FerretDB (the MongoDB-compatible server we test on) never returns from a bulk write
 * of more than about a hundred upserts over documents that already exist, which is exactly what a retried beat does;
 * batches of 50 are safe there and cost real MongoDB nothing.
 */
export async function bulkWriteInBatches<T extends Document>(
  collection: Collection<T>,
  operations: readonly AnyBulkWriteOperation<T>[],
  batchSize = 50,
): Promise<{ upserted: number; modified: number; matched: number }> {
  const total = { upserted: 0, modified: 0, matched: 0 };
  for (let i = 0; i < operations.length; i += batchSize) {
    const r = await collection.bulkWrite(operations.slice(i, i + batchSize) as AnyBulkWriteOperation<T>[], {
      ordered: false,
    });
    total.upserted += r.upsertedCount;
    total.modified += r.modifiedCount;
    total.matched += r.matchedCount;
  }
  return total;
}
