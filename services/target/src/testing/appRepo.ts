import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

/** The commits of a service repository built for deploy tests, by what each one is for. */
export interface AppRepo {
  /** URL the deployer clones (a bare repository: what a forge serves). */
  url: string;
  commits: { a: string; b: string; brokenBuild: string; neverHealthy: string };
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      GIT_AUTHOR_NAME: 'target-test',
      GIT_AUTHOR_EMAIL: 'target-test@example.invalid',
      GIT_COMMITTER_NAME: 'target-test',
      GIT_COMMITTER_EMAIL: 'target-test@example.invalid',
      GIT_CONFIG_NOSYSTEM: '1',
    },
  }).trim();
}

/**
 * A real git repository of the sample checkout service (services/sample-service/app), pushed to a bare
 * repository, with four commits: A, B (a later version), one whose build fails (a type error) and one that builds
 * but never answers its health check (it never listens). Sources only: node_modules and dist are left behind.
 */
export function materializeAppRepo(
  appDir: string,
  into = mkdtempSync(join(tmpdir(), 'target-repo-')),
): AppRepo {
  const work = join(into, 'work');
  const bare = join(into, 'checkout.git');
  cpSync(appDir, work, {
    recursive: true,
    filter: (src) => !/(^|\/)(node_modules|dist|coverage)(\/|$)/.test(relative(appDir, src)),
  });
  git(into, 'init', '--quiet', '--bare', '--initial-branch=main', bare);
  git(work, 'init', '--quiet', '--initial-branch=main');
  const commit = (message: string) => {
    git(work, 'add', '--all');
    git(work, 'commit', '--quiet', '--allow-empty', '-m', message);
    return git(work, 'rev-parse', 'HEAD');
  };
  const main = join(work, 'src', 'main.ts');
  const original = readFileSync(main, 'utf8');
  const a = commit('version A');
  writeFileSync(join(work, 'src', 'release.ts'), "export const release = 'B';\n");
  const b = commit('version B');
  writeFileSync(main, `${original}\nconst broken: number = 'not a number';\nexport { broken };\n`);
  const brokenBuild = commit('a change that does not build');
  git(work, 'reset', '--quiet', '--hard', b);
  writeFileSync(
    main,
    `setInterval(() => undefined, 60_000);\nawait new Promise(() => undefined);\n${original}`,
  );
  const neverHealthy = commit('a change that never becomes healthy');
  git(
    work,
    'push',
    '--quiet',
    bare,
    `${neverHealthy}:refs/heads/never-healthy`,
    `${brokenBuild}:refs/heads/broken`,
    `${b}:refs/heads/main`,
  );
  return { url: `file://${bare}`, commits: { a, b, brokenBuild, neverHealthy } };
}
