import type { Db } from 'mongodb';
import type { PayloadOf } from '@self-healing/schemas';
import { isDuplicateKey } from '@self-healing/shared';
import { rateLevels, type OutcomeKind, type RemedyKind } from './strategyRates.js';

/**
 * The measured outcomes of remedies and the success rates diagnosis ranks by, in MongoDB. Exactly once without
 * conditional updates (FerretDB's are not atomic, its unique inserts are): an outcome is one insert keyed by what it
 * measured, so a repeat is a duplicate key; the rates are recounted from those outcomes and written whole, so a
 * refresh repeated after a crash writes the same numbers, and no outcome is ever added twice.
 */

export const OUTCOMES = 'learning_outcomes';
export const RATES = 'learning_strategy_rates';

/** `learning_outcomes`: one per measured deployment of a remedy. */
export interface OutcomeDocument {
  /** The incident's or the deployment's id: one outcome per deployed fix. */
  _id: string;
  remedyKind: RemedyKind;
  /** The fault's signature keys, general first (signatureOfIssue of the issue the remedy was for). */
  signatureKeys: string[];
  success: boolean;
  outcome: OutcomeKind;
  at: Date;
}

/** `learning_strategy_rates`: the counts of one remedy kind on one signature level (key null: all faults). */
export interface RateDocument {
  /** `kind` for all faults (what diagnosis read first), `kind|key` per signature level (rateKey). */
  _id: string;
  kind: RemedyKind;
  key: string | null;
  attempts: number;
  successes: number;
  /** = attempts: outcomes are only ever added, so the count orders the versions. */
  version: number;
  updatedAt: Date;
}

export type ModelUpdate = PayloadOf<'LearningModelsUpdated'>['updates'][number];

/** The indexes the recounts read by; idempotent. */
export async function ensureOutcomeIndexes(db: Db): Promise<void> {
  await db
    .collection<OutcomeDocument>(OUTCOMES)
    .createIndex({ remedyKind: 1, signatureKeys: 1, success: 1 }, { name: 'kind_signature_success' });
}

/**
 * Records one outcome: inserted if it is new (`counted`), else the one stored first stays and is returned (a re-run
 * that measured differently does not get to count twice or to change what was counted).
 */
export async function recordOutcome(
  db: Db,
  outcome: OutcomeDocument,
): Promise<{ counted: boolean; stored: OutcomeDocument }> {
  const outcomes = db.collection<OutcomeDocument>(OUTCOMES);
  const doc: OutcomeDocument = { ...outcome, signatureKeys: [...new Set(outcome.signatureKeys)] };
  try {
    await outcomes.insertOne(doc);
    return { counted: true, stored: doc };
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    const stored = await outcomes.findOne({ _id: outcome._id });
    if (!stored) throw error;
    return { counted: false, stored };
  }
}

interface Counted {
  id: string;
  key: string | null;
  attempts: number;
  successes: number;
}

async function countLevels(
  db: Db,
  remedyKind: RemedyKind,
  signatureKeys: readonly string[],
): Promise<Counted[]> {
  const outcomes = db.collection<OutcomeDocument>(OUTCOMES);
  return Promise.all(
    rateLevels(remedyKind, signatureKeys).map(async ({ id, key }) => {
      const filter = key === null ? { remedyKind } : { remedyKind, signatureKeys: key };
      const [attempts, successes] = await Promise.all([
        outcomes.countDocuments(filter),
        outcomes.countDocuments({ ...filter, success: true }),
      ]);
      return { id, key, attempts, successes };
    }),
  );
}

const sameCounts = (a: readonly Counted[], b: readonly Counted[]) =>
  a.every((x, i) => x.attempts === b[i]!.attempts && x.successes === b[i]!.successes);

/** How many times a refresh recounts after writing before it gives up on a stream of concurrent outcomes. */
const MAX_ROUNDS = 5;

/**
 * Recounts a remedy kind's outcomes over all faults and on each of these signature levels, and writes each count
 * whole. Then counts again: if an outcome arrived meanwhile (another incident's refresh may have written an older
 * count over a newer one), it writes again, so the last write anyone makes is a count no outcome has passed.
 */
export async function refreshRates(
  db: Db,
  remedyKind: RemedyKind,
  signatureKeys: readonly string[],
  now: Date = new Date(),
): Promise<ModelUpdate[]> {
  const rates = db.collection<RateDocument>(RATES);
  let counts = await countLevels(db, remedyKind, signatureKeys);
  for (let round = 1; ; round++) {
    for (const c of counts) {
      const doc: RateDocument = {
        _id: c.id,
        kind: remedyKind,
        key: c.key,
        attempts: c.attempts,
        successes: c.successes,
        version: c.attempts,
        updatedAt: now,
      };
      await rates.replaceOne({ _id: c.id }, doc, { upsert: true }).catch(async (error: unknown) => {
        // Two first upserts of one document race to insert it: the loser replaces the winner's.
        if (!isDuplicateKey(error)) throw error;
        await rates.replaceOne({ _id: c.id }, doc);
      });
    }
    const again = await countLevels(db, remedyKind, signatureKeys);
    if (sameCounts(counts, again) || round >= MAX_ROUNDS) break;
    counts = again;
  }
  return counts.map((c) => ({
    model: `strategy-success-rate:${c.id}`,
    version: c.attempts,
    samples: c.attempts,
    document: { collection: RATES, id: c.id },
  }));
}

/**
 * What learning.track does with a measured outcome: record it once, then refresh the rates it moves, from the
 * outcome as stored (a repeat after a crash refreshes what was counted, even if it measured otherwise this time).
 */
export async function countOutcome(
  db: Db,
  outcome: OutcomeDocument,
  now: Date = new Date(),
): Promise<{ counted: boolean; stored: OutcomeDocument; updates: ModelUpdate[] }> {
  const { counted, stored } = await recordOutcome(db, outcome);
  const updates = await refreshRates(db, stored.remedyKind, stored.signatureKeys, now);
  return { counted, stored, updates };
}
