import type { GitRepo } from '@self-healing/diagnosis';
import { confined } from './patch.js';

/**
 * Files of a run's trees read from their commits in the mirror (owned by the platform), never from the worktrees:
 * once the sandbox has run in a worktree, anything in it may be a symlink to a secret, a FIFO or a device, and its
 * `.git` file may point git at a repository whose configuration runs commands. A commit cannot change.
 */
export class Committed {
  constructor(
    private readonly repo: GitRepo,
    readonly commit: string,
  ) {}

  /** The text of a file at the commit (a symlink reads as its target's name), or undefined. */
  async read(path: string): Promise<string | undefined> {
    const p = safe(path);
    if (!p) return undefined;
    return (await this.repo.readFiles(this.commit, [p])).get(p);
  }

  /** Whether a file or folder exists at the commit. */
  async exists(path: string): Promise<boolean> {
    const p = safe(path);
    if (!p) return false;
    return this.repo.git(['cat-file', '-e', `${this.commit}:${p}`]).then(
      () => true,
      () => false,
    );
  }
}

/** Confined to the repository, and nothing git's batch protocol or a revision would read as syntax. */
function safe(path: string): string | null {
  const p = confined(path);
  return p && !/[\u0000-\u001f\u007f]/.test(p) ? p : null;
}
