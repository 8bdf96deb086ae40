import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { confinePath } from '../locate/paths.js';
import type { CommitInfo } from './rank.js';

const run = promisify(execFile);
const SHA = /^[0-9a-f]{40}$/;
const REF = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,200}$/;

async function git(repo: string, args: string[]): Promise<string> {
  const { stdout } = await run('git', ['-C', repo, ...args], { maxBuffer: 64 << 20, encoding: 'utf8' });
  return stdout;
}

/**
 * The newest `limit` commits reachable from `ref`, newest first, with style-only commits marked: a commit whose
 * diff is empty once whitespace and blank lines are ignored.
 */
export async function history(repo: string, ref: string, limit = 500): Promise<CommitInfo[]> {
  if (!REF.test(ref)) throw new Error(`invalid ref ${JSON.stringify(ref)}`);
  const log = await git(repo, ['log', `--max-count=${limit}`, '--format=%H %ct', ref, '--']);
  const commits: CommitInfo[] = [];
  for (const [depth, row] of log.trim().split('\n').filter(Boolean).entries()) {
    const [sha, time] = row.split(' ');
    if (!sha || !SHA.test(sha)) continue;
    const diff = await git(repo, ['show', '--format=', '-w', '--ignore-blank-lines', sha]);
    commits.push({ sha, depth, time: Number(time) * 1000, styleOnly: diff.trim() === '' });
  }
  return commits;
}

/**
 * `git blame` of a repository file at `ref`, line -> commit, skipping the given (style-only) commits. The path is
 * evidence from the incident: it is confined to the repository first, and refused when it points outside.
 */
export async function blame(
  repo: string,
  ref: string,
  path: string,
  ignore: readonly string[] = [],
): Promise<Map<number, string>> {
  if (!REF.test(ref)) throw new Error(`invalid ref ${JSON.stringify(ref)}`);
  const rel = confinePath(path, repo);
  if (rel === null) throw new Error(`path outside the repository: ${JSON.stringify(path)}`);
  const ignoreArgs = ignore.filter((s) => SHA.test(s)).flatMap((s) => ['--ignore-rev', s]);
  const out = await git(repo, ['blame', '--porcelain', ...ignoreArgs, ref, '--', rel]);
  const lines = new Map<number, string>();
  for (const row of out.split('\n')) {
    const m = /^([0-9a-f]{40}) \d+ (\d+)/.exec(row);
    if (m) lines.set(Number(m[2]), m[1]!);
  }
  return lines;
}
