import {
  MongoClient,
  MongoServerError,
  type Collection,
  type Db,
  type Document,
  type OptionalUnlessRequiredId,
} from 'mongodb';

export async function connectMongo(uri: string, dbName: string): Promise<{ client: MongoClient; db: Db }> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000 });
  await client.connect();
  return { client, db: client.db(dbName) };
}

/** True for a unique-index violation: in a version-guarded upsert it means "someone already applied this". */
export function isDuplicateKey(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === 11000;
}

/**
 * The positions (in the batch) of the documents an unordered `insertMany` found already there, when that is all
 * that went wrong; null when anything else failed (then the error is the caller's to throw).
 */
export function duplicateKeyIndexes(error: unknown): number[] | null {
  const raw = (error as { writeErrors?: unknown }).writeErrors;
  const list = (Array.isArray(raw) ? raw : raw ? [raw] : []) as Array<{ code?: number; index?: number }>;
  if (list.length === 0 || list.some((w) => w.code !== 11000 || w.index === undefined)) return null;
  return list.map((w) => w.index!);
}

/**
 * Insert-to-win: inserts the document unless one with its `_id` is already there (a retried beat, a racing
 * attempt), which then stands. True when this call inserted it. FerretDB's unique inserts are atomic where its
 * conditional updates are not, so this is how a run's first record is written once.
 */
export async function insertOnce<T extends Document>(
  collection: Collection<T>,
  doc: OptionalUnlessRequiredId<T>,
): Promise<boolean> {
  try {
    await collection.insertOne(doc);
    return true;
  } catch (error) {
    if (isDuplicateKey(error)) return false;
    throw error;
  }
}
