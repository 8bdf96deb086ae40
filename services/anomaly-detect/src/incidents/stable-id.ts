import { createHash } from 'node:crypto';
import type { FindingKind } from '@self-healing/schemas';

/**
 * A short id derived only from its parts, so that every replica and every replay of the same input computes the
 * same id. The separator cannot occur in the hashed text because parts are length-prefixed.
 */
export function stableId(prefix: string, ...parts: Array<string | number>): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    const text = String(part);
    hash.update(`${text.length}:${text};`);
  }
  return `${prefix}-${hash.digest('hex').slice(0, 20)}`;
}

/** The `Finding.id` rule of the domain: (kind, rule, service, subject, since), plus what tells two sessions apart. */
export function findingId(
  kind: FindingKind,
  rule: string,
  service: string,
  subject: string,
  since: number,
  ...discriminators: string[]
): string {
  return stableId('f', kind, rule, service, subject, since, ...discriminators);
}
