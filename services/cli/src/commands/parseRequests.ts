import type { Collection, Db } from 'mongodb';
import { isDuplicateKey } from '@self-healing/shared';
import {
  abandoned,
  EMPTY_LEDGER,
  fromCursor,
  reserve,
  settle,
  type LedgerState,
  type PendingRequest,
} from '../ranges/parseLedger.js';

interface LedgerDoc extends LedgerState {
  /** `<topic>@<version>`: the unique key that makes a write conditional. */
  _id: string;
  topic: string;
  writtenAt: Date;
  /** Set on versions far behind the latest, whose content was dropped to save space. */
  pruned?: boolean;
}

/** Where the ledger lives: one document per raw topic and version, holding every partition. */
export const PARSE_LEDGER_COLLECTION = 'parse_ledger';
/** The per-topic cursor `healctl parse` kept before the ledger; read once to start a topic's ledger from it. */
const LEGACY_CURSORS_COLLECTION = 'parse_cursors';
/** Versions kept whole behind the latest, for an operator who wants to see how the ledger got where it is. */
const VERSIONS_KEPT = 50;

/**
 * The ledger of parse requests of one raw topic in MongoDB, written only by compare-and-set. FerretDB has no
 * multi-document transactions, and its conditional updates are not atomic either: measured against the local
 * FerretDB (SQLite), four concurrent `updateOne({_id, version: 0}, ...)` all matched in most rounds. An insert of a
 * duplicate `_id` is refused atomically, so every write inserts the next version as a new document
 * (`<topic>@<version>`): of two invocations that read the same version, exactly one inserts the next; the other
 * reads again and plans around it. All partitions live in one document, so one write covers them all.
 */
export class ParseLedgerStore {
  private readonly docs: Collection<LedgerDoc>;
  private indexed = false;

  constructor(
    private readonly db: Db,
    readonly topic: string,
  ) {
    this.docs = db.collection<LedgerDoc>(PARSE_LEDGER_COLLECTION);
  }

  async read(): Promise<LedgerState> {
    const latest = await this.latest();
    if (latest) return latest;
    const cursor = await this.db
      .collection<{ _id: string; next: Record<string, number> }>(LEGACY_CURSORS_COLLECTION)
      .findOne({ _id: this.topic });
    const initial = cursor ? fromCursor(cursor.next) : EMPTY_LEDGER;
    // Another invocation may create it first; reading again then returns theirs, which may hold a request.
    if (!(await this.insert(initial))) return this.read();
    return initial;
  }

  /** Writes `next` only if nobody wrote since `current` was read; false when someone did. */
  async replace(current: LedgerState, next: LedgerState): Promise<boolean> {
    if (next.version !== current.version + 1) throw new Error('a ledger write moves the version by one');
    if (!(await this.insert(next))) return false;
    // Old versions are emptied, never deleted: their ids must stay taken, or an invocation that read one of
    // them long ago could still insert its successor.
    await this.docs.updateMany(
      { topic: this.topic, version: { $lt: next.version - VERSIONS_KEPT }, pruned: { $ne: true } },
      { $set: { requested: [], pending: [], pruned: true } },
    );
    return true;
  }

  private idOf(version: number): string {
    return `${this.topic}@${version}`;
  }

  private async latest(): Promise<LedgerState | null> {
    if (!this.indexed) {
      await this.docs.createIndex({ topic: 1, version: -1 });
      this.indexed = true;
    }
    const doc = await this.docs.findOne({ topic: this.topic }, { sort: { version: -1 } });
    return doc ? { version: doc.version, requested: doc.requested, pending: doc.pending } : null;
  }

  private async insert(state: LedgerState): Promise<boolean> {
    try {
      await this.docs.insertOne({
        _id: this.idOf(state.version),
        topic: this.topic,
        version: state.version,
        requested: state.requested,
        pending: state.pending,
        writtenAt: new Date(),
      });
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }
}

export interface LedgerRequestOptions {
  /** How old a pending request must be before another invocation takes it for abandoned and sends it again. */
  graceMs?: number;
  now?: () => number;
  /** Conditional writes to try before giving up when other invocations keep winning. */
  maxAttempts?: number;
}

export interface LedgerRequestOutcome {
  /** Requests planned and sent by this invocation. */
  sent: PendingRequest[];
  /** Abandoned requests of earlier invocations, sent again under their run ids and settled. */
  resent: PendingRequest[];
}

export const DEFAULT_PENDING_GRACE_MS = 60_000;

/**
 * Requests parses through the ledger: reserve the planned requests as pending (a version-guarded write), send
 * them, then settle them as requested. A crash after reserving leaves them pending, and they are sent again by a
 * later invocation once the grace period has passed (a copy that did arrive is ignored by the stage), so a range
 * is requested at most once and never silently dropped. `plan` sees the ledger as read, with pending requests
 * counted as claimed.
 */
export async function requestThroughLedger(
  store: ParseLedgerStore,
  send: (requests: readonly PendingRequest[]) => Promise<void>,
  plan: (state: LedgerState, now: number) => PendingRequest[],
  options: LedgerRequestOptions = {},
): Promise<LedgerRequestOutcome> {
  const now = options.now ?? Date.now;
  const graceMs = options.graceMs ?? DEFAULT_PENDING_GRACE_MS;
  const maxAttempts = options.maxAttempts ?? 20;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const state = await store.read();
    const at = now();
    const resent = abandoned(state, at, graceMs);
    const planned = plan(state, at);
    if (planned.length === 0 && resent.length === 0) return { sent: [], resent: [] };
    if (planned.length > 0 && !(await store.replace(state, reserve(state, planned)))) {
      // Another invocation wrote since we read: plan again around what it reserved.
      await pause(attempt);
      continue;
    }
    await send([...resent, ...planned]);
    await settleRuns(
      store,
      [...resent, ...planned].map((r) => r.runId),
      maxAttempts,
    );
    return { sent: planned, resent };
  }
  throw new Error(
    `the parse ledger of ${store.topic} kept changing under ${maxAttempts} attempts; try again`,
  );
}

async function settleRuns(store: ParseLedgerStore, runIds: string[], maxAttempts: number): Promise<void> {
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const state = await store.read();
    if (!state.pending.some((p) => runIds.includes(p.runId))) return;
    if (await store.replace(state, settle(state, runIds))) return;
    await pause(attempt);
  }
  // The commands are on their topic; left pending, a later invocation settles them after the grace period.
  throw new Error(
    `parse requested, but the ledger of ${store.topic} could not be updated; the next request will`,
  );
}

/** Backs off a little, with jitter, so that invocations racing for the ledger do not collide in lockstep. */
function pause(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 20 * attempt) * (0.5 + Math.random())));
}
