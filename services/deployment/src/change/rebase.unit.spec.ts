import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitRepo } from '@self-healing/diagnosis';
import { changelogEntry, withEntry } from '@self-healing/fix-generate';
import { replayOnto } from './rebase.js';

const run = promisify(execFile);
let dir: string;
const git = async (...args: string[]) =>
  (
    await run('git', ['-C', dir, ...args], {
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@t',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@t',
      },
    })
  ).stdout.trim();

/** Writes the files on a new commit whose parent is `parent` (detached), and answers the commit. */
async function commitOn(parent: string, files: Record<string, string>, message: string): Promise<string> {
  await git('checkout', '-q', '--detach', parent);
  for (const [path, text] of Object.entries(files)) await writeFile(join(dir, path), text);
  await git('add', '-A');
  await git('commit', '-q', '-m', message);
  return git('rev-parse', 'HEAD');
}

const entry = (incident: string, symptom: string) =>
  changelogEntry({ incidentId: incident, symptom, cause: 'A cause.', change: 'A change.' });
const show = (rev: string) => git('show', rev);
/** The fix commit replayed onto `onto` in the test repository, at a fixed time. */
const replay = (commit: string, onto: string) =>
  replayOnto(new GitRepo(dir), { commit, onto, at: 1_700_000_000_000, note: 'Replayed.' });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rebase-'));
  await git('init', '-q', '-b', 'main');
  await writeFile(join(dir, 'pricing.ts'), 'export const rate = 1;\n');
  await writeFile(join(dir, 'shipping.ts'), 'export const free = 50;\n');
  await git('add', '-A');
  await git('commit', '-q', '-m', 'base');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('a fix replayed on a default branch that moved on', () => {
  it('given two fixes that each created the changelog, the second is replayed with both entries under one heading', async () => {
    const base = await git('rev-parse', 'HEAD');
    const first = withEntry(null, entry('inc-1', 'Shipping charged below the threshold'));
    const merged = await commitOn(
      base,
      { 'shipping.ts': 'export const free = 49;\n', [first.path]: first.text },
      'fix 1',
    );
    const second = withEntry(null, entry('inc-2', 'Bulk discount missing at ten units'));
    const fix = await commitOn(
      base,
      { 'pricing.ts': 'export const rate = 2;\n', [second.path]: second.text },
      'fix 2',
    );

    const replayed = await replay(fix, merged);

    expect(replayed.kind).toBe('replayed');
    if (replayed.kind !== 'replayed') return;
    expect(replayed.unioned).toEqual(['CHANGELOG.md']);
    // One parent, the moved-on branch: a replay, not a merge.
    expect(await git('log', '-1', '--format=%P', replayed.commit)).toBe(merged);
    const changelog = await show(`${replayed.commit}:CHANGELOG.md`);
    expect(changelog.match(/^## Unreleased$/gm)).toHaveLength(1);
    expect(changelog).toContain('incident inc-1');
    expect(changelog).toContain('incident inc-2');
    expect(changelog).not.toMatch(/^[<=>]{7}/m);
    expect(await show(`${replayed.commit}:shipping.ts`)).toBe('export const free = 49;');
    expect(await show(`${replayed.commit}:pricing.ts`)).toBe('export const rate = 2;');
    const message = await git('log', '-1', '--format=%B', replayed.commit);
    expect(message).toMatch(/^fix 2\n\nReplayed\.$/);
  });

  it('given a changelog both sides added to, every earlier entry stays once', async () => {
    const withOld = withEntry(null, entry('inc-0', 'An old fix'));
    const base = await commitOn(await git('rev-parse', 'HEAD'), { [withOld.path]: withOld.text }, 'old');
    const a = withEntry(withOld, entry('inc-1', 'First'));
    const merged = await commitOn(base, { [a.path]: a.text }, 'fix 1');
    const b = withEntry(withOld, entry('inc-2', 'Second'));
    const fix = await commitOn(base, { [b.path]: b.text, 'pricing.ts': 'export const rate = 3;\n' }, 'fix 2');

    const replayed = await replay(fix, merged);

    if (replayed.kind !== 'replayed') throw new Error(replayed.kind);
    const changelog = await show(`${replayed.commit}:CHANGELOG.md`);
    for (const id of ['inc-0', 'inc-1', 'inc-2']) expect(changelog.split(`incident ${id}`)).toHaveLength(2);
  });

  it('given code both sides changed, nothing is made: the conflicting file is named for people', async () => {
    const base = await git('rev-parse', 'HEAD');
    const merged = await commitOn(base, { 'pricing.ts': 'export const rate = 4;\n' }, 'other');
    const fix = await commitOn(base, { 'pricing.ts': 'export const rate = 5;\n' }, 'fix');

    const replayed = await replay(fix, merged);

    expect(replayed).toEqual({ kind: 'conflict', files: ['pricing.ts'] });
  });

  it('given a default branch that no longer holds the fix base, nothing is made', async () => {
    const base = await git('rev-parse', 'HEAD');
    const fix = await commitOn(base, { 'pricing.ts': 'export const rate = 6;\n' }, 'fix');
    await git('checkout', '-q', '--orphan', 'rewritten');
    await git('commit', '-q', '-m', 'history rewritten');
    const rewritten = await git('rev-parse', 'HEAD');

    const replayed = await replay(fix, rewritten);

    expect(replayed.kind).toBe('diverged');
  });
});
