import { createHash } from 'node:crypto';

/**
 * A patch's id: the hash of its base commit and its diff, so the same patch always has the same id, and validation
 * can tell a patch document changed after it was generated from the patch the incident's timeline names.
 */
export function patchIdOf(baseCommit: string, diff: string): string {
  return `pt-${createHash('sha256').update(`${baseCommit}\n${diff}`).digest('hex').slice(0, 16)}`;
}
