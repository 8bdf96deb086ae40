// Pushing a local git repository to a forge (the application's repository, a fix branch): the repository is
// ensured, git runs without a shell and gets the token only through its environment (see remote.ts), and the call
// returns once the forge's API shows every pushed branch at the pushed commit (Gitea records pushes in a queue).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Branch, Forge, RepoRef, Repository } from './types.js';
import { waitForBranchAt } from './wait.js';

const run = promisify(execFile);

/** `src:dst`, `+src:dst` or `src`; ref names only (no options, no spaces), `*` for patterns like tags. */
const REFSPEC = /^\+?[A-Za-z0-9._/*-]+(:[A-Za-z0-9._/*-]+)?$/;

export type PushResult = { repo: Repository; created: boolean; branches: Branch[] };

export async function pushToForge(
  forge: Forge,
  repo: RepoRef,
  opts: { dir: string; refspecs: string[]; timeoutMs?: number },
): Promise<PushResult> {
  for (const r of opts.refspecs) {
    if (!REFSPEC.test(r) || r.replace(/^\+/, '').startsWith('-'))
      throw new Error(`not a refspec: ${JSON.stringify(r)}`);
  }
  const { repo: found, created } = await forge.ensureRepo(repo);
  const remote = await forge.gitRemote(repo);
  const git = async (...args: string[]) =>
    (
      await run('git', args, {
        cwd: opts.dir,
        env: { ...process.env, ...remote.env },
        timeout: opts.timeoutMs ?? 120_000,
        maxBuffer: 16 * 1024 * 1024,
      })
    ).stdout.trim();
  await git('push', '--quiet', remote.url, '--', ...opts.refspecs);

  // Branches pushed by name (not patterns, not tags): wait until the API shows each at the local commit.
  const branches: Branch[] = [];
  for (const spec of opts.refspecs) {
    const [src, dst = src] = spec.replace(/^\+/, '').split(':') as [string, string?];
    if (src.includes('*') || src.startsWith('refs/tags/') || dst.startsWith('refs/tags/')) continue;
    const sha = await git('rev-parse', '--verify', `${src}^{commit}`);
    const name = dst.replace(/^refs\/heads\//, '');
    branches.push(await waitForBranchAt(forge, repo, name, sha, { timeoutMs: opts.timeoutMs ?? 30_000 }));
  }
  return { repo: found, created, branches };
}
