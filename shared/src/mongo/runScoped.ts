import { gunzipSync, gzipSync } from 'node:zlib';
import { deserialize, serialize } from 'node:v8';
import { Binary, type AnyBulkWriteOperation, type Collection, type Db, type Document } from 'mongodb';
import { duplicateKeyIndexes } from './client.js';

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

/**
 * Writes documents by `_id` (each written whole, as `replaceOne` with upsert would) at the cost of inserts: FerretDB
 * takes 70-85 ms per upsert on a loaded two-core machine (a detection run's 1,000 findings: 85 s, and a retry
 * as long again), 5-7 ms per inserted document. Inserted unordered; the documents already there are read back and
 * replaced only where they differ in more than the `ignored` fields (a retried beat rewrites nothing). Returns how
 * many were inserted and how many replaced.
 */
export async function insertOrReplaceChanged<T extends Document & { _id: string }>(
  collection: Collection<T>,
  docs: readonly T[],
  ignored: readonly string[] = [],
  batchSize = 1000,
): Promise<{ inserted: number; replaced: number }> {
  const total = { inserted: 0, replaced: 0 };
  for (let i = 0; i < docs.length; i += batchSize) {
    const batch = docs.slice(i, i + batchSize);
    const present = new Set<string>();
    try {
      total.inserted += (await collection.insertMany(batch as never[], { ordered: false })).insertedCount;
    } catch (error) {
      const duplicates = duplicateKeyIndexes(error);
      if (!duplicates) throw error;
      for (const at of duplicates) present.add(batch[at]!._id);
      total.inserted += batch.length - present.size;
    }
    if (present.size === 0) continue;
    // One read per id: FerretDB answers `_id: { $in }` by scanning the whole collection.
    const byId = new Map<string, Document>();
    const ids = [...present];
    for (let j = 0; j < ids.length; j += 16) {
      const found = await Promise.all(
        ids.slice(j, j + 16).map((_id) => collection.findOne({ _id } as never)),
      );
      for (const d of found) if (d) byId.set(String(d._id), d);
    }
    const comparable = (d: Document) =>
      JSON.stringify(
        Object.fromEntries(
          Object.entries(d)
            .filter(([k]) => !ignored.includes(k))
            .sort(([a], [b]) => (a < b ? -1 : 1)),
        ),
      );
    for (const doc of batch) {
      if (!present.has(doc._id)) continue;
      const old = byId.get(doc._id);
      if (old && comparable(old) === comparable(doc)) continue;
      await collection.replaceOne({ _id: doc._id } as never, doc, { upsert: true });
      total.replaced++;
    }
  }
  return total;
}
