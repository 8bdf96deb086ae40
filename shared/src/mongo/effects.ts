import type { Collection, Db } from 'mongodb';
import { fromJson, toJson } from './json.js';

interface EffectDoc {
  _id: string;
  status: 'done';
  result: string;
  at: Date;
}

/**
 * Side effects that cannot be undone (a branch pushed, a pull request opened, a deployment started) run at most
 * once per key `incident/beat/name`, however often the beat itself is retried or replayed:
 * - a recorded result is returned without running the effect again;
 * - otherwise the effect runs with the key, which it must pass on to the outside system as an idempotency key
 *   (a branch named after it, a `$setOnInsert` keyed by it...), because a crash between the effect and the
 *   record below makes the next attempt run it again, and only the outside system can then recognise it.
 */
export class EffectLedger {
  private readonly collection: Collection<EffectDoc>;

  constructor(db: Db) {
    this.collection = db.collection<EffectDoc>('effects');
  }

  async once<T>(
    key: string,
    effect: (idempotencyKey: string) => Promise<T>,
  ): Promise<{ result: T; replayed: boolean }> {
    const done = await this.collection.findOne({ _id: key });
    if (done) return { result: fromJson<T>(done.result), replayed: true };
    const result = await effect(key);
    await this.collection.updateOne(
      { _id: key },
      { $setOnInsert: { status: 'done', result: toJson(result ?? null), at: new Date() } },
      { upsert: true },
    );
    return { result, replayed: false };
  }

  scoped(incidentId: string, beat: string): ScopedEffects {
    return { once: (name, effect) => this.once(`${incidentId}/${beat}/${name}`, effect) };
  }
}

export interface ScopedEffects {
  once<T>(
    name: string,
    effect: (idempotencyKey: string) => Promise<T>,
  ): Promise<{ result: T; replayed: boolean }>;
}
