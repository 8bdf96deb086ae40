import { createHash } from 'node:crypto';
import type { GitRepo } from '@self-healing/diagnosis';
import { lineStats } from './candidates.js';

export interface FileChangeRecord {
  path: string;
  change: 'added' | 'modified' | 'deleted' | 'renamed';
  previousPath: string | null;
  linesAdded: number;
  linesRemoved: number;
  sha256: string | null;
}

/** FileChange records (the contract's) for new texts of files against the base commit. */
export async function fileChanges(
  repo: GitRepo,
  baseCommit: string,
  files: ReadonlyArray<{ path: string; text: string | null }>,
): Promise<FileChangeRecord[]> {
  const before = await repo.readFiles(
    baseCommit,
    files.map((f) => f.path),
  );
  return files.map((f) => {
    const old = before.get(f.path) ?? null;
    const { added, removed } = lineStats(old, f.text);
    return {
      path: f.path,
      change: f.text === null ? 'deleted' : old === null ? 'added' : 'modified',
      previousPath: null,
      linesAdded: added,
      linesRemoved: removed,
      sha256: f.text === null ? null : createHash('sha256').update(f.text).digest('hex'),
    };
  });
}
