import type { Collection, Db } from 'mongodb';

/**
 * Detection runs take the detectors' memory in turn. A run's beats are messages of their own, so the beats of two
 * runs interleave in the consumer (a parse run completes every few seconds, a detection run takes seconds to tens
 * of seconds on a busy machine): each run loaded the memory at its start and wrote it whole at its end, and the
 * later writer silently undid the earlier one's changes (a third of a demo's runs overlapped; an incident resolved
 * by one run was open again after the next, and their lifecycle events shared sequence numbers). A run now claims
 * the memory before it loads it (beat 2) and gives it back when it has stored it (beat 8); a run that finds it
 * claimed waits (a durable timer) and tries again.
 *
 * One consumer handles one message at a time in the one active instance (the stage is exclusive), so a plain
 * read-then-write claim is enough. A claim whose run died without giving it back (a run that failed) is taken over
 * once it is older than `staleAfterMs`.
 */
export interface MemoryClaim {
  _id: string;
  runId: string;
  claimedAt: number;
}

export const CLAIM_STALE_AFTER_MS = 5 * 60_000;

export class MemoryClaims {
  private readonly collection: Collection<MemoryClaim>;

  constructor(
    db: Db,
    private readonly staleAfterMs = CLAIM_STALE_AFTER_MS,
  ) {
    this.collection = db.collection<MemoryClaim>('anomaly_memory_claims');
  }

  /** Claims `key` for the run: null once it holds it, else the run that does. */
  async claim(key: string, runId: string, now: number): Promise<MemoryClaim | null> {
    const held = await this.collection.findOne({ _id: key });
    if (held && held.runId !== runId && now - held.claimedAt < this.staleAfterMs) return held;
    if (held?.runId !== runId)
      await this.collection.replaceOne({ _id: key }, { runId, claimedAt: now }, { upsert: true });
    return null;
  }

  /** Gives the memory back, if the run still holds it. */
  async release(key: string, runId: string): Promise<void> {
    await this.collection.deleteOne({ _id: key, runId });
  }
}
