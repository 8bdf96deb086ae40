import { afterAll } from 'vitest';
import { MongoClient, type Db } from 'mongodb';
import { testEndpoints, uniqueName } from './endpoints.js';

/**
 * A database of its own for the calling `describe` block on the real MongoDB-compatible server, dropped after it.
 * The client connects on first use (the driver does that by itself), so the block can name it where it is declared.
 */
export function scratchDatabase(prefix: string): Db {
  const client = new MongoClient(testEndpoints().mongodbUri, { serverSelectionTimeoutMS: 10_000 });
  const db = client.db(uniqueName(prefix));
  afterAll(async () => {
    await db.dropDatabase().catch(() => undefined);
    await client.close();
  });
  return db;
}
