/**
 * A leader lease in MongoDB: at most one holder of a name at a time, for stages whose state is one document that
 * every run reads and commits whole (anomaly.detect's detectors' memory), so that a second instance waits as a
 * standby instead of racing the first.
 *
 * Only inserts decide who holds the lease, because an insert of an existing `_id` fails on every server while a
 * conditional update is not atomic on all MongoDB-compatible ones (FerretDB lets several concurrent version-guarded
 * `updateOne`s match). Each tenure is a document `<name>#<epoch>`: taking the lease over is inserting the next
 * epoch, which exactly one contender wins; the holder then only ever writes its own document (renewals). A holder
 * learns that it lost the lease when a later epoch exists or its own expiry passed without a renewal.
 *
 * What a lease cannot do without fencing in the data it guards: a holder frozen for longer than the lease (a long
 * GC pause, a suspended VM) may finish the message in hand after the next holder began. The renewal period
 * (a third of the lease) bounds everything else; clocks must agree to well within the lease.
 */
import { randomUUID } from 'node:crypto';
import type { Collection, Db } from 'mongodb';

export const LEASES_COLLECTION = 'service_leases';

interface LeaseDoc {
  _id: string;
  name: string;
  epoch: number;
  holder: string;
  acquiredAt: number;
  expiresAt: number;
}

export interface LeaseOptions {
  /** How long a tenure lasts without renewal; renewed every third of it. */
  ttlMs: number;
  /** Who is asking, for operators (host, instance); made unique per process. */
  holder: string;
  /** Called once if the lease is lost while held (a later epoch, or the expiry passed without renewal). */
  onLost?: (reason: string) => void;
  /** For tests: the clock. */
  now?: () => number;
}

export class Lease {
  private readonly collection: Collection<LeaseDoc>;
  private readonly holder: string;
  private readonly now: () => number;
  private held: LeaseDoc | null = null;
  private renewTimer: NodeJS.Timeout | undefined;
  private waiting: { timer: NodeJS.Timeout; resolve: () => void } | null = null;
  private stopped = false;

  constructor(
    db: Db,
    readonly name: string,
    private readonly options: LeaseOptions,
  ) {
    this.collection = db.collection<LeaseDoc>(LEASES_COLLECTION);
    this.holder = `${options.holder}/${randomUUID().slice(0, 8)}`;
    this.now = options.now ?? Date.now;
  }

  /** True while this process holds the lease (as far as its last renewal knows). */
  get isHeld(): boolean {
    return this.held !== null;
  }

  /** Who holds the lease now, if anyone (for health and logs). */
  async current(): Promise<{ holder: string; epoch: number; expiresAt: number } | null> {
    const doc = await this.latest();
    return doc && doc.expiresAt > this.now()
      ? { holder: doc.holder, epoch: doc.epoch, expiresAt: doc.expiresAt }
      : null;
  }

  /** One attempt: take the lease if it is free or expired. */
  async tryAcquire(): Promise<boolean> {
    if (this.held) return true;
    await this.collection.createIndex({ name: 1, epoch: -1 });
    const latest = await this.latest();
    if (latest && latest.expiresAt > this.now()) return false;
    const epoch = (latest?.epoch ?? 0) + 1;
    const now = this.now();
    const doc: LeaseDoc = {
      _id: `${this.name}#${epoch}`,
      name: this.name,
      epoch,
      holder: this.holder,
      acquiredAt: now,
      expiresAt: now + this.options.ttlMs,
    };
    try {
      await this.collection.insertOne(doc);
    } catch (error) {
      if (isDuplicateKey(error)) return false; // another contender inserted this epoch first
      throw error;
    }
    this.held = doc;
    // Earlier tenures are over for good: keep the collection small.
    await this.collection.deleteMany({ name: this.name, epoch: { $lt: epoch } }).catch(() => undefined);
    this.scheduleRenewal();
    return true;
  }

  /**
   * Wait until the lease is held (polling at a third of the lease), or `release()` is called (then false). A store
   * that cannot be reached is waited out like a lease held by someone else (`onRetry` hears why).
   */
  async acquire(onRetry?: (error: unknown) => void): Promise<boolean> {
    while (!this.stopped) {
      try {
        if (await this.tryAcquire()) return true;
      } catch (error) {
        onRetry?.(error);
      }
      await new Promise<void>((resolve) => {
        this.waiting = { timer: setTimeout(resolve, this.period()), resolve };
      });
      this.waiting = null;
    }
    return false;
  }

  /** Stop renewing and let the next contender in at once (expire our tenure); stops a pending `acquire()`. */
  async release(): Promise<void> {
    this.stopped = true;
    if (this.waiting) {
      clearTimeout(this.waiting.timer);
      this.waiting.resolve();
    }
    clearTimeout(this.renewTimer);
    const held = this.held;
    this.held = null;
    if (held) await this.collection.updateOne({ _id: held._id }, { $set: { expiresAt: 0 } });
  }

  /** Renew now; false (and `onLost`) if the lease turned out to be lost. */
  async renew(): Promise<boolean> {
    const held = this.held;
    if (!held) return false;
    try {
      const newer = await this.collection.findOne({ name: this.name, epoch: { $gt: held.epoch } });
      if (newer) return this.lose(`taken over by ${newer.holder} (epoch ${newer.epoch})`);
      if (held.expiresAt <= this.now()) return this.lose('expired before it could be renewed');
      const expiresAt = this.now() + this.options.ttlMs;
      await this.collection.updateOne({ _id: held._id }, { $set: { expiresAt } });
      held.expiresAt = expiresAt;
      return true;
    } catch (error) {
      // The store is unreachable: we still hold the lease until it expires; after that, nobody can say.
      if (held.expiresAt <= this.now())
        return this.lose(`could not be renewed: ${error instanceof Error ? error.message : String(error)}`);
      return true;
    }
  }

  private lose(reason: string): false {
    this.held = null;
    clearTimeout(this.renewTimer);
    this.options.onLost?.(reason);
    return false;
  }

  private scheduleRenewal(): void {
    this.renewTimer = setTimeout(() => {
      void this.renew().then((ok) => {
        if (ok && !this.stopped) this.scheduleRenewal();
      });
    }, this.period());
    this.renewTimer.unref();
  }

  private period(): number {
    return Math.max(10, Math.floor(this.options.ttlMs / 3));
  }

  private async latest(): Promise<LeaseDoc | null> {
    return this.collection.findOne({ name: this.name }, { sort: { epoch: -1 } });
  }
}

function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}
