import { gunzipSync, gzipSync } from 'node:zlib';
import { Binary, type Collection, type Db } from 'mongodb';
import { deserialize, serialize } from 'node:v8';

interface ChunkDoc {
  _id: string;
  runId: string;
  step: string;
  chunk: number;
  items: number;
  data: Binary;
}

/**
 * Bulk data keyed by (run, step), in compressed chunks, so a beat that runs again overwrites its own chunks
 * instead of adding to them. Beats leave their bulk output here for the next beat; events carry summaries.
 * Written and read by our own services only, so V8's structured serialization: it keeps binary values
 * (sketches) as they are and costs no callback per value, unlike JSON with a replacer.
 */
export class ChunkStore {
  private readonly collection: Collection<ChunkDoc>;

  constructor(
    db: Db,
    collection: string,
    private readonly chunkSize = 20_000,
  ) {
    this.collection = db.collection<ChunkDoc>(collection);
  }

  async write<T>(runId: string, step: string, items: readonly T[]): Promise<number> {
    await this.collection.deleteMany({ runId, step });
    const writes: Array<Promise<unknown>> = [];
    let chunk = 0;
    for (let i = 0; i < items.length || (i === 0 && chunk === 0); i += this.chunkSize) {
      const part = items.slice(i, i + this.chunkSize);
      const doc = {
        runId,
        step,
        chunk,
        items: part.length,
        data: new Binary(gzipSync(serialize(part), { level: 1 })),
      };
      // Sent without waiting: the next chunk is compressed while the server stores this one.
      writes.push(this.collection.replaceOne({ _id: `${runId}/${step}/${chunk}` }, doc, { upsert: true }));
      chunk++;
      if (items.length === 0) break;
    }
    await Promise.all(writes);
    return chunk;
  }

  async read<T>(runId: string, step: string, options: { missingOk?: boolean } = {}): Promise<T[]> {
    const docs = await this.collection.find({ runId, step }).sort({ chunk: 1 }).toArray();
    if (docs.length === 0 && !options.missingOk)
      throw new Error(`chunks of run ${runId} step ${step} are missing`);
    return docs.flatMap((d) => deserialize(gunzipSync(d.data.buffer)) as T[]);
  }

  async clear(runId: string): Promise<number> {
    return (await this.collection.deleteMany({ runId })).deletedCount;
  }
}
