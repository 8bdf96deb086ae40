// A `git push` returns when the forge has the objects, not when its API knows about them: Gitea updates its
// branch table (and clears a repository's "empty" flag) in a queue after the post-receive hook. Until then the API
// answers 404, "Git Repository is empty" or even a 500. Anything that pushes and then uses the API waits here.
import type { Branch, Forge, RepoRef } from './types.js';

export async function waitForBranchAt(
  forge: Forge,
  repo: RepoRef,
  branch: string,
  sha: string,
  opts: { timeoutMs?: number } = {},
): Promise<Branch> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let delay = 50;
  let last: unknown;
  for (;;) {
    try {
      const b = await forge.getBranch(repo, branch);
      if (b?.sha === sha) return b;
      last = new Error(b ? `${branch} is at ${b.sha}` : `${branch} not visible yet`);
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${repo.owner}/${repo.name}: ${branch} did not reach ${sha}: ${(last as Error).message}`,
      );
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(1_000, delay * 2);
  }
}
