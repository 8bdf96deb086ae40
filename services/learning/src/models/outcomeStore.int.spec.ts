import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Db, MongoClient } from 'mongodb';
import { connectMongo } from '@self-healing/shared';
import {
  OUTCOMES,
  RATES,
  countOutcome,
  ensureOutcomeIndexes,
  recordOutcome,
  refreshRates,
  type OutcomeDocument,
  type RateDocument,
} from './outcomeStore.js';
import { faultSignature, rateFor, type RemedyKind, type StrategyRecord } from './strategyRates.js';

const S = faultSignature({
  findingKind: 'error',
  errorType: 'TypeError',
  topFrame: { path: 'src/shipping/labels.ts', fn: 'formatAddress' },
});
const slow = faultSignature({ findingKind: 'performance', topFrame: { path: 'src/orders/reserve.ts' } });
const at = new Date('2026-12-05T12:00:00Z');
const outcome = (
  id: string,
  remedyKind: RemedyKind,
  signatureKeys: string[],
  success: boolean,
): OutcomeDocument => ({
  _id: id,
  remedyKind,
  signatureKeys,
  success,
  outcome: success ? 'resolved' : 'no_change',
  at,
});

/** What diagnosis' learnedRates reads back. */
async function learned(db: Db): Promise<Map<string, StrategyRecord>> {
  const docs = await db.collection<RateDocument>(RATES).find({}).toArray();
  return new Map(docs.map((d) => [d._id, { attempts: d.attempts, successes: d.successes }]));
}

/** The database with the rates collection's n-th write failing as a process killed there would leave it. */
function crashingAt(db: Db, n: number): Db {
  let writes = 0;
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop !== 'collection') return Reflect.get(target, prop, receiver) as unknown;
      return (name: string) => {
        const c = target.collection(name);
        if (name !== RATES) return c;
        return new Proxy(c, {
          get(col, p, r) {
            if (p !== 'replaceOne') return Reflect.get(col, p, r) as unknown;
            return (...args: Parameters<typeof c.replaceOne>) => {
              if (++writes === n) return Promise.reject(new Error('SIGKILL (simulated)'));
              return col.replaceOne(...args);
            };
          },
        });
      };
    },
  });
}

describe('outcome store on the real MongoDB-compatible server', () => {
  let mongo: MongoClient;
  let db: Db;
  const dbName = `learning_models_${Date.now().toString(36)}`;

  beforeAll(async () => {
    ({ client: mongo, db } = await connectMongo(inject('endpoints').mongodbUri, dbName));
    await ensureOutcomeIndexes(db);
  });
  afterAll(async () => {
    await mongo
      ?.db(dbName)
      .dropDatabase()
      .catch(() => undefined);
    await mongo?.close();
  });

  it('given the same deployment measured twice, then it is counted once, as first measured', async () => {
    const first = await recordOutcome(db, outcome('dep-1', 'revert-commit', S, false));
    const again = await recordOutcome(db, outcome('dep-1', 'revert-commit', S, true));
    expect(first.counted).toBe(true);
    expect(again).toMatchObject({ counted: false, stored: { success: false, outcome: 'no_change' } });
    const updates = await refreshRates(db, 'revert-commit', S, at);
    expect(updates).toEqual([
      {
        model: 'strategy-success-rate:revert-commit',
        version: 1,
        samples: 1,
        document: { collection: RATES, id: 'revert-commit' },
      },
      ...S.map((k) => ({
        model: `strategy-success-rate:revert-commit|${k}`,
        version: 1,
        samples: 1,
        document: { collection: RATES, id: `revert-commit|${k}` },
      })),
    ]);
    expect(await db.collection<RateDocument>(RATES).findOne({ _id: `revert-commit|${S[1]}` })).toEqual({
      _id: `revert-commit|${S[1]}`,
      kind: 'revert-commit',
      key: S[1],
      attempts: 1,
      successes: 0,
      version: 1,
      updatedAt: at,
    });
    // Refreshing again (a re-run beat) writes the same numbers.
    await refreshRates(db, 'revert-commit', S, at);
    expect((await learned(db)).get('revert-commit')).toEqual({ attempts: 1, successes: 0 });
  });

  it('given a process killed between the rate documents, then the re-run counts the outcome once everywhere', async () => {
    for (let crashAt = 1; crashAt <= 3; crashAt++) {
      const id = `dep-crash-${crashAt}`;
      await expect(countOutcome(crashingAt(db, crashAt), outcome(id, 'guard', S, true), at)).rejects.toThrow(
        'SIGKILL',
      );
      // The restarted beat runs the same step again.
      const rerun = await countOutcome(db, outcome(id, 'guard', S, true), at);
      expect(rerun.counted).toBe(false);
      expect(rerun.updates.map((u) => u.samples)).toEqual([crashAt, crashAt, crashAt, crashAt, crashAt]);
    }
    const rates = await learned(db);
    expect(rates.get('guard')).toEqual({ attempts: 3, successes: 3 });
    expect(rates.get(`guard|${S.at(-1)}`)).toEqual({ attempts: 3, successes: 3 });
    // What diagnosis ranks by: on S the guard now beats the revert that failed there.
    expect(rateFor('guard', S, rates).mean).toBeGreaterThan(rateFor('revert-commit', S, rates).mean);
  });

  it('given many incidents counted at once, each delivered twice, then every count is exact', async () => {
    const batch = Array.from({ length: 16 }, (_, i) =>
      outcome(`dep-batch-${i}`, 'revert-commit', i % 2 === 0 ? slow : S, i % 2 === 0),
    );
    const results = await Promise.all([...batch, ...batch].map((o) => countOutcome(db, o, at)));
    expect(results.filter((r) => r.counted)).toHaveLength(16);
    const rates = await learned(db);
    // dep-1 (a failure on S) and the batch: 8 successes on slow steps, 8 failures on S.
    expect(rates.get('revert-commit')).toEqual({ attempts: 17, successes: 8 });
    expect(rates.get(`revert-commit|${S.at(-1)}`)).toEqual({ attempts: 9, successes: 0 });
    expect(rates.get(`revert-commit|${slow.at(-1)}`)).toEqual({ attempts: 8, successes: 8 });
    expect(await db.collection(OUTCOMES).countDocuments({ remedyKind: 'revert-commit' })).toBe(17);
    expect(rateFor('revert-commit', slow, rates).mean).toBeGreaterThan(0.85);
    expect(rateFor('revert-commit', S, rates).mean).toBeLessThan(0.25);
  });
});
