import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { localize } from '../locate/localize.js';
import { blame } from './git.js';
import { suspectCommits } from './suspects.js';

// A constructed history: the fault comes in with "introduce fault", a later commit only reindents, and a recent
// commit touches an unrelated line. Fonte should name the fault commit, looking through the style-only one.
const dir = mkdtempSync(join(tmpdir(), 'suspects-'));
const git = (...args: string[]): string =>
  execFileSync('git', ['-C', dir, ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.com',
    },
  }).trim();
const commit = (file: string, text: string, message: string): string => {
  writeFileSync(join(dir, file), text);
  git('add', file);
  git('commit', '-q', '-m', message);
  return git('rev-parse', 'HEAD');
};

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('suspectCommits on a real git repository', () => {
  git('init', '-q', '-b', 'main');
  commit('a.js', 'function f(x) {\nreturn x + 1;\n}\nfunction g() {\nreturn 0;\n}\n', 'initial');
  const fault = commit(
    'a.js',
    'function f(x) {\nreturn x - 1;\n}\nfunction g() {\nreturn 0;\n}\n',
    'introduce fault',
  );
  const style = commit(
    'a.js',
    'function f(x) {\n  return x - 1;\n}\nfunction g() {\n  return 0;\n}\n',
    'reindent',
  );
  const recent = commit('b.js', 'module.exports = 1;\n', 'unrelated');

  it('ranks the commit that introduced the suspicious line first, ignoring the style-only commit', async () => {
    const localization = localize(
      [
        { id: 'fails', failed: true, coverage: { 'a.js': [1, 2] } },
        { id: 'passes', failed: false, coverage: { 'a.js': [4, 5], 'b.js': [1] } },
      ],
      { repoRoot: dir },
    );
    const report = await suspectCommits(dir, 'main', localization, {
      innermostFrame: { path: 'a.js', line: 2 },
      incidentTime: Date.now(),
    });
    expect(report.commits[0]?.sha).toBe(fault);
    expect(report.commits.map((c) => c.sha)).not.toContain(style);
    expect(report.commits.map((c) => c.sha)).not.toContain(recent);
    expect(report.sentry?.sha).toBe(fault);
  });

  it('refuses to blame a path outside the repository', async () => {
    await expect(blame(dir, 'main', '../../etc/passwd')).rejects.toThrow(/outside/);
  });
});
