import { gunzipSync, gzipSync } from 'node:zlib';
import { Binary, type Collection, type Db } from 'mongodb';
import { fromJson, toJson } from '@self-healing/shared';

interface ChunkDoc {
  _id: string;
  runId: string;
  step: string;
  chunk: number;
  items: number;
  data: Binary;
}

/**
 * Where a beat leaves its bulk output for the next beat: compressed chunks keyed by (run, step, chunk), so a
 * beat that runs again overwrites its own chunks instead of adding to them. Events carry only summaries.
 */
export class Staging {
  private readonly collection: Collection<ChunkDoc>;

  constructor(db: Db, private readonly chunkSize = 20_000) {
    this.collection = db.collection<ChunkDoc>('telemetry_staging');
  }

  async write<T>(runId: string, step: string, items: readonly T[]): Promise<number> {
    await this.collection.deleteMany({ runId, step });
    let chunk = 0;
    for (let i = 0; i < items.length || (i === 0 && chunk === 0); i += this.chunkSize) {
      const part = items.slice(i, i + this.chunkSize);
      await this.collection.replaceOne(
        { _id: `${runId}/${step}/${chunk}` },
        { runId, step, chunk, items: part.length, data: new Binary(gzipSync(toJson(part), { level: 1 })) },
        { upsert: true },
      );
      chunk++;
      if (items.length === 0) break;
    }
    return chunk;
  }

  async read<T>(runId: string, step: string): Promise<T[]> {
    const docs = await this.collection.find({ runId, step }).sort({ chunk: 1 }).toArray();
    if (docs.length === 0) throw new Error(`staging for run ${runId} step ${step} is missing`);
    return docs.flatMap((d) => fromJson<T[]>(gunzipSync(d.data.buffer).toString('utf8')));
  }

  async clear(runId: string): Promise<number> {
    return (await this.collection.deleteMany({ runId })).deletedCount;
  }
}
