// First-use downloads and builds, all from package registries: Maven Central (Kafka, Apicurio) and the Go module
// proxy (FerretDB). Each result lands in a versioned directory with a `.complete` file holding a fingerprint of
// the recipe (pom/go files), so a changed recipe triggers a rebuild and an interrupted one is simply redone.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LocalLayout } from './config.js';
import { GITEA_BUILD, VERSIONS } from './config.js';
import { CommandFailedError, run, runOutput } from './process.js';

/** infra/local, next to src/ and dist/. */
export const RECIPES_DIR = fileURLToPath(new URL('../local/', import.meta.url));

const COMPLETE = '.complete';

export type InstallReport = {
  name: 'kafka' | 'registry' | 'ferretdb' | 'gitea';
  action: 'cached' | 'installed';
  ms: number;
};

export class InstallError extends Error {
  constructor(
    readonly server: string,
    message: string,
    readonly output: string,
  ) {
    super(`${server}: ${message}${output ? `\n--- last output ---\n${output}` : ''}`);
    this.name = 'InstallError';
  }
}

async function fingerprint(files: string[]): Promise<string> {
  const h = createHash('sha256');
  // Names relative to the recipes dir, not absolute paths: two clones sharing one cache must agree.
  for (const f of files) {
    h.update(relative(RECIPES_DIR, f)).update('\0');
    h.update(await readFile(f));
  }
  return h.digest('hex').slice(0, 16);
}

async function isComplete(dir: string, fp: string): Promise<boolean> {
  try {
    return (await readFile(join(dir, COMPLETE), 'utf8')).trim() === fp;
  } catch {
    return false;
  }
}

/** Builds into `<dir>.tmp-<pid>` and renames into place, so a half-done install is never mistaken for a whole one. */
async function installInto(dir: string, fp: string, build: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  try {
    await build(tmp);
    await writeFile(join(tmp, COMPLETE), fp + '\n');
    await rm(dir, { recursive: true, force: true });
    await mkdir(dirname(dir), { recursive: true });
    await rename(tmp, dir);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

async function timed(name: InstallReport['name'], f: () => Promise<boolean>): Promise<InstallReport> {
  const t0 = Date.now();
  const installed = await f();
  return { name, action: installed ? 'installed' : 'cached', ms: Date.now() - t0 };
}

function wrap(server: string, e: unknown): never {
  if (e instanceof CommandFailedError) throw new InstallError(server, e.message, e.output);
  throw new InstallError(server, (e as Error).message, '');
}

function mvn(layout: LocalLayout, pom: string, args: string[]) {
  // A private local repository keeps the whole download inside the cache dir: deleting it is a real cold start.
  return { command: 'mvn', args: ['-q', '-B', `-Dmaven.repo.local=${layout.m2Repo}`, '-f', pom, ...args] };
}

export async function ensureKafka(layout: LocalLayout, log: (l: string) => void): Promise<InstallReport> {
  const pom = join(RECIPES_DIR, 'kafka', 'pom.xml');
  const dir = dirname(layout.kafkaLibs);
  const fp = await fingerprint([pom]);
  return timed('kafka', async () => {
    if (await isComplete(dir, fp)) return false;
    log(`kafka: fetching Apache Kafka ${VERSIONS.kafka} from Maven Central into ${dir}`);
    await installInto(dir, fp, async (tmp) => {
      await run(
        mvn(layout, pom, ['dependency:copy-dependencies', `-DoutputDirectory=${join(tmp, 'libs')}`]),
      ).catch((e) => wrap('kafka', e));
      const jars = await readdir(join(tmp, 'libs'));
      if (!jars.some((j) => j.startsWith('kafka_2.13-')))
        wrap('kafka', new Error('kafka_2.13 jar missing after download'));
    });
    return true;
  });
}

export async function ensureApicurio(layout: LocalLayout, log: (l: string) => void): Promise<InstallReport> {
  const pom = join(RECIPES_DIR, 'apicurio', 'pom.xml');
  const dir = layout.apicurioDir;
  const fp = await fingerprint([pom]);
  return timed('registry', async () => {
    if (await isComplete(dir, fp)) return false;
    log(`registry: fetching Apicurio Registry ${VERSIONS.apicurio} from Maven Central into ${dir}`);
    await installInto(dir, fp, async (tmp) => {
      const dl = join(tmp, 'download');
      await run(mvn(layout, pom, ['dependency:copy', `-DoutputDirectory=${dl}`])).catch((e) =>
        wrap('registry', e),
      );
      const archive = (await readdir(dl)).find((f) => f.endsWith('.tar.gz'));
      if (!archive) wrap('registry', new Error('no .tar.gz after download'));
      await run({ command: 'tar', args: ['-xzf', join(dl, archive), '-C', tmp] }).catch((e) =>
        wrap('registry', e),
      );
      // The archive stays in the Maven repository; no need for a second copy.
      await rm(dl, { recursive: true, force: true });
      const jar = join(tmp, `apicurio-registry-app-${VERSIONS.apicurio}-runner.jar`);
      if (!existsSync(jar)) wrap('registry', new Error(`${jar} missing after unpacking`));
    });
    return true;
  });
}

export async function ensureFerretdb(layout: LocalLayout, log: (l: string) => void): Promise<InstallReport> {
  const src = join(RECIPES_DIR, 'ferretdb');
  const dir = layout.ferretdbDir;
  const fp = await fingerprint(['go.mod', 'go.sum', 'main.go'].map((f) => join(src, f)));
  return timed('ferretdb', async () => {
    if (await isComplete(dir, fp)) return false;
    log(
      `ferretdb: building FerretDB ${VERSIONS.ferretdb} (Go module proxy) into ${dir}; the first build takes a minute or two`,
    );
    await installInto(dir, fp, async (tmp) => {
      await run(
        {
          command: 'go',
          args: ['build', '-trimpath', '-o', join(tmp, 'ferretdb-embedded'), '.'],
          env: {
            GOMODCACHE: layout.goModCache,
            GOCACHE: layout.goBuildCache,
            // Module cache files are read-only by default, which would make `rm -rf <cache>` fail.
            GOFLAGS: '-modcacherw -mod=readonly',
            // Never download a Go toolchain: only the module proxy is allowed, and the local Go is new enough.
            GOTOOLCHAIN: 'local',
            // FerretDB's SQLite driver is pure Go; a static binary avoids depending on the C toolchain.
            CGO_ENABLED: '0',
          },
        },
        { cwd: src },
      ).catch((e) => wrap('ferretdb', e));
    });
    return true;
  });
}

/** A recipe that lives in code rather than in files under infra/local: its fingerprint is a hash of its text. */
export function recipeFingerprint(recipe: unknown): string {
  return createHash('sha256').update(JSON.stringify(recipe)).digest('hex').slice(0, 16);
}

function goEnv(layout: LocalLayout): Record<string, string> {
  return {
    GOMODCACHE: layout.goModCache,
    GOCACHE: layout.goBuildCache,
    GOFLAGS: '-modcacherw -mod=readonly',
    GOTOOLCHAIN: 'local',
  };
}

/**
 * Gitea from the Go module proxy. `go install code.gitea.io/gitea@...` is refused (replace directives in its
 * go.mod), so: let the proxy download the module, copy its source out of the module cache, build it there (the
 * build downloads the dependencies through the proxy), keep the binary and the folders STATIC_ROOT_PATH needs.
 * The first build compiles for a quarter of an hour on two cores; it runs under `nice` so the machine stays usable.
 */
export async function ensureGitea(layout: LocalLayout, log: (l: string) => void): Promise<InstallReport> {
  const dir = layout.giteaDir;
  const fp = recipeFingerprint(GITEA_BUILD);
  return timed('gitea', async () => {
    if (await isComplete(dir, fp)) return false;
    log(
      `gitea: building Gitea ${VERSIONS.gitea} (Go module proxy) into ${dir}; the first build takes 5-25 minutes ` +
        `on two cores (build log: ${join(dirname(dir), 'build.log')})`,
    );
    const buildLog = join(dirname(dir), 'build.log');
    await mkdir(dirname(dir), { recursive: true });
    await writeFile(buildLog, `gitea ${GITEA_BUILD.version} build started ${new Date().toISOString()}\n`);
    await installInto(dir, fp, async (tmp) => {
      const env = goEnv(layout);
      const src = join(tmp, 'src');
      const downloaded = await runOutput(
        {
          command: 'go',
          args: ['mod', 'download', '-json', `${GITEA_BUILD.module}@${GITEA_BUILD.version}`],
          env,
        },
        { cwd: tmp },
      ).catch((e) => wrap('gitea', e));
      const moduleDir = (JSON.parse(downloaded) as { Dir?: string }).Dir;
      if (!moduleDir || !existsSync(moduleDir))
        wrap('gitea', new Error(`go mod download gave no source dir`));
      await cp(moduleDir, src, { recursive: true });
      // Module cache files are read-only; the copy must be removable (and the build writes nothing into it).
      await run({ command: 'chmod', args: ['-R', 'u+w', src] });
      await run(
        {
          command: 'nice',
          args: ['-n', '15', 'go', ...GITEA_BUILD.args, join(tmp, 'gitea'), '.'],
          env: { ...env, ...GITEA_BUILD.env },
        },
        { cwd: src, logFile: buildLog },
      ).catch((e) => wrap('gitea', e));
      const statics = join(tmp, 'static');
      await mkdir(statics);
      for (const d of GITEA_BUILD.staticDirs) await rename(join(src, d), join(statics, d));
      await rm(src, { recursive: true, force: true });
    });
    return true;
  });
}

/** Checks the tools the launcher shells out to, all at once, so the error names every missing one. */
export async function checkTools(): Promise<void> {
  const tools = [
    {
      name: 'java',
      cmd: { command: 'java', args: ['-version'] },
      hint: 'install a JDK 17+ (Debian: openjdk-17-jre-headless)',
    },
    { name: 'mvn', cmd: { command: 'mvn', args: ['-v'] }, hint: 'install Maven 3.8+ (Debian: maven)' },
    {
      name: 'go',
      cmd: { command: 'go', args: ['version'] },
      hint: 'install Go 1.24+ (https://go.dev/doc/install)',
    },
    { name: 'tar', cmd: { command: 'tar', args: ['--version'] }, hint: 'install tar' },
  ];
  const results = await Promise.allSettled(tools.map((t) => run(t.cmd)));
  const missing = tools.filter((_, i) => results[i]?.status === 'rejected');
  if (missing.length > 0) {
    throw new Error(
      `the local launcher needs ${missing.map((t) => t.name).join(', ')}:\n` +
        missing.map((t) => `  - ${t.name}: ${t.hint}`).join('\n'),
    );
  }
}
