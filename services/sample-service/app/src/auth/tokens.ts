import { createHash, timingSafeEqual } from 'node:crypto';
import { HttpError } from '../errors.js';

export interface User {
  id: string;
  email: string;
}

interface Account extends User {
  /** SHA-256 of the API token: the service never stores tokens themselves. */
  tokenHash: string;
}

const hash = (token: string): string => createHash('sha256').update(token).digest('hex');

/**
 * Customer accounts of the storefront's API. The seeded tokens are the development accounts the storefront and
 * the load tests log in with.
 */
export class Accounts {
  private readonly byHash = new Map<string, Account>();

  constructor(seed: readonly { id: string; email: string; token: string }[]) {
    for (const { id, email, token } of seed)
      this.byHash.set(hash(token), { id, email, tokenHash: hash(token) });
  }

  /** The user of an `Authorization: Bearer <token>` header. */
  authenticate(header: string | undefined): User {
    const token = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : '';
    if (token === '') throw new HttpError(401, 'unauthenticated', 'a Bearer token is required');
    const digest = hash(token);
    const account = this.byHash.get(digest);
    if (!account || !timingSafeEqual(Buffer.from(account.tokenHash), Buffer.from(digest))) {
      throw new HttpError(401, 'unauthenticated', 'unknown token');
    }
    return { id: account.id, email: account.email };
  }
}

export const developmentAccounts = [
  { id: 'u-1001', email: 'ada@example.com', token: 'tok-ada-5f1c' },
  { id: 'u-1002', email: 'grace@example.com', token: 'tok-grace-9b2e' },
  { id: 'u-1003', email: 'linus@example.com', token: 'tok-linus-03d7' },
];
