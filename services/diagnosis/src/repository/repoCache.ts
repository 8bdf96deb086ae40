import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gitRemote } from '@self-healing/shared/forge';

const run = promisify(execFile);
export const SHA = /^[0-9a-f]{40}$/;
const REF = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,200}$/;

/** How git reaches a repository: its URL and, for a private forge, credentials in git's environment. */
export interface RemoteAccess {
  url: string;
  env?: Record<string, string>;
}

/** The forge the platform holds a token for (FORGE_URL, FORGE_TOKEN, FORGE_USER). */
export interface ForgeAccess {
  url: string;
  token: string;
  user: string;
}

/** How git reaches `url`: with the forge's token for the forge's own repositories, as it is for any other. */
export function remoteFor(url: string, forge: ForgeAccess | null): RemoteAccess {
  if (forge && url.startsWith(forge.url.replace(/\/+$/, '') + '/'))
    return { url, env: gitRemote(url, forge.user, forge.token).env };
  return { url };
}

/** The forge settings of a stage's configuration, when both its URL and its token are set. */
export function forgeAccessOf(c: {
  FORGE_URL?: string;
  FORGE_TOKEN?: string;
  FORGE_USER: string;
}): ForgeAccess | null {
  return c.FORGE_URL && c.FORGE_TOKEN ? { url: c.FORGE_URL, token: c.FORGE_TOKEN, user: c.FORGE_USER } : null;
}

/**
 * Bare mirrors of the healed services' repositories, one per URL, under a cache folder: a diagnosis reads the code
 * at the deployed commit from here, never from the platform's own tree and never through a working copy that the
 * healed code could change. A mirror is cloned once and fetched before each use; all reads are `git` plumbing on
 * object ids, so no file of the repository is checked out or run.
 */
export class RepoCache {
  constructor(private readonly dir: string) {}

  /**
   * The mirror of `remote` with `commit` (a full id) present, fetched when it lacks it (or, without a commit, always,
   * to see where branches are now); throws when the commit is unknown to the remote too.
   */
  async open(remote: RemoteAccess, commit?: string): Promise<GitRepo> {
    if (commit !== undefined && !SHA.test(commit))
      throw new Error(`not a commit id: ${JSON.stringify(commit)}`);
    const key = createHash('sha256').update(remote.url).digest('hex').slice(0, 24);
    const path = join(this.dir, `${key}.git`);
    const env = { ...process.env, ...remote.env, GIT_TERMINAL_PROMPT: '0' };
    if (!existsSync(path)) {
      // Cloned beside its final name and renamed: two diagnoses cloning at once both succeed, one mirror remains.
      await mkdir(this.dir, { recursive: true });
      const tmp = join(this.dir, `.${key}.${randomUUID()}.tmp`);
      try {
        await run('git', ['clone', '--quiet', '--mirror', '--', remote.url, tmp], { env, timeout: 300_000 });
        await rename(tmp, path).catch(async (e: NodeJS.ErrnoException) => {
          if (!existsSync(path)) throw e;
        });
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
    } else if (commit === undefined || !(await new GitRepo(path).hasCommit(commit))) {
      // A commit already in the mirror never changes: fetched only when it is missing, or to see a branch move.
      await fetchWithRetry(path, env);
    }
    const repo = new GitRepo(path);
    if (commit !== undefined && !(await repo.hasCommit(commit)))
      throw new Error(`commit ${commit} is not in ${remote.url}`);
    return repo;
  }
}

async function fetchWithRetry(path: string, env: NodeJS.ProcessEnv): Promise<void> {
  // A concurrent fetch of the same mirror holds ref locks for a moment: the second one retries instead of failing.
  for (let attempt = 1; ; attempt++) {
    try {
      await run('git', ['-C', path, 'fetch', '--quiet', '--prune', 'origin'], { env, timeout: 300_000 });
      return;
    } catch (e) {
      if (attempt >= 3) throw e;
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
}

export interface CommitMeta {
  sha: string;
  /** Committer time, epoch ms. */
  time: number;
  author: string;
  subject: string;
  parents: string[];
}

/** Read-only git plumbing on one repository (bare or not); every ref and path is validated before it reaches git. */
export class GitRepo {
  constructor(readonly path: string) {}

  async git(args: string[]): Promise<string> {
    const { stdout } = await run('git', ['-C', this.path, ...args], {
      maxBuffer: 256 << 20,
      encoding: 'utf8',
      timeout: 120_000,
    });
    return stdout;
  }

  async hasCommit(sha: string): Promise<boolean> {
    if (!SHA.test(sha)) return false;
    try {
      await this.git(['cat-file', '-e', `${sha}^{commit}`]);
      return true;
    } catch {
      return false;
    }
  }

  /** The commit a branch or tag names. */
  async resolve(ref: string): Promise<string> {
    if (!REF.test(ref) || ref.includes('..')) throw new Error(`invalid ref ${JSON.stringify(ref)}`);
    return (await this.git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])).trim();
  }

  /** Files of the tree at `commit`, repository-relative. */
  async files(commit: string): Promise<string[]> {
    checkSha(commit);
    return (await this.git(['ls-tree', '-r', '--name-only', '-z', commit])).split('\0').filter(Boolean);
  }

  /** The text of many files at `commit` in one `git cat-file --batch` (paths from `files`, never from telemetry). */
  async readFiles(commit: string, paths: readonly string[]): Promise<Map<string, string>> {
    checkSha(commit);
    const out = new Map<string, string>();
    if (paths.length === 0) return out;
    const { stdout } = await new Promise<{ stdout: Buffer }>((resolve, reject) => {
      const child = execFile(
        'git',
        ['-C', this.path, 'cat-file', '--batch'],
        { encoding: 'buffer', maxBuffer: 512 << 20, timeout: 120_000 },
        (err, stdout) => (err ? reject(err) : resolve({ stdout })),
      );
      child.stdin?.end(paths.map((p) => `${commit}:${p}`).join('\n') + '\n');
    });
    let at = 0;
    for (const path of paths) {
      const eol = stdout.indexOf(10, at);
      if (eol < 0) break;
      const header = stdout.subarray(at, eol).toString('utf8');
      at = eol + 1;
      const m = /^[0-9a-f]{40} (\w+) (\d+)$/.exec(header);
      if (!m) continue; // "<object> missing"
      const size = Number(m[2]);
      if (m[1] === 'blob') out.set(path, stdout.subarray(at, at + size).toString('utf8'));
      at += size + 1;
    }
    return out;
  }

  /** Commits reachable from `to` and not from `from` (all of history when `from` is null), newest first. */
  async log(to: string, from: string | null, limit = 500): Promise<CommitMeta[]> {
    checkSha(to);
    if (from !== null) checkSha(from);
    const range = from ? `${from}..${to}` : to;
    const out = await this.git([
      'log',
      `--max-count=${limit}`,
      '--format=%H%x1f%ct%x1f%an <%ae>%x1f%s%x1f%P%x1e',
      range,
      '--',
    ]);
    return out
      .split('\x1e')
      .map((r) => r.trim())
      .filter(Boolean)
      .map((r) => {
        const [sha, time, author, subject, parents] = r.split('\x1f');
        return {
          sha: sha!,
          time: Number(time) * 1000,
          author: author ?? '',
          subject: subject ?? '',
          parents: (parents ?? '').split(' ').filter(Boolean),
        };
      });
  }

  /** `git show -U0` of one commit against its first parent, whitespace ignored (style-only edits vanish). */
  async commitDiff(sha: string): Promise<string> {
    checkSha(sha);
    return this.git(['show', '--format=', '-U0', '-w', '--ignore-blank-lines', '--no-renames', sha]);
  }

  /** `git blame` at `commit`: line (1-based) -> commit that last touched it; style-only commits skipped. */
  async blame(commit: string, path: string, ignore: readonly string[] = []): Promise<Map<number, string>> {
    checkSha(commit);
    const ignoreArgs = ignore.filter((s) => SHA.test(s)).flatMap((s) => ['--ignore-rev', s]);
    const out = await this.git(['blame', '--porcelain', ...ignoreArgs, commit, '--', path]);
    const lines = new Map<number, string>();
    for (const row of out.split('\n')) {
      const m = /^([0-9a-f]{40}) \d+ (\d+)/.exec(row);
      if (m) lines.set(Number(m[2]), m[1]!);
    }
    return lines;
  }
}

function checkSha(sha: string): void {
  if (!SHA.test(sha)) throw new Error(`not a commit id: ${JSON.stringify(sha)}`);
}
