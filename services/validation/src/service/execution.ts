import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ServiceEntry } from '@self-healing/shared/catalogue';
import {
  prepareSandboxRoot,
  runSandboxed,
  type SandboxEnforcement,
  type SandboxLimits,
  type SandboxResult,
} from '../sandbox/index.js';
import type { StepRun } from './case.js';

const run = promisify(execFile);

/** How a service is installed, built and tested, and within which limits: its catalogue entry, or npm's conventions. */
export interface Recipe {
  install: string[];
  build: string[] | null;
  test: string[];
  limits: {
    buildTimeoutMs: number;
    testTimeoutMs: number;
    memoryMb: number;
    maxProcesses: number;
    maxDiskMb: number;
  };
}

export function recipeOf(
  entry: ServiceEntry | null,
  scripts: Record<string, string>,
  settings: { testTimeoutMs: number; maxDiskMb: number },
): Recipe {
  const limits = entry?.deployer.limits ?? { buildTimeoutMs: 300_000, memoryMb: 1024, maxProcesses: 256 };
  return {
    install: entry?.commands.install ?? ['npm', 'ci'],
    build: entry?.commands.build ?? (scripts.build ? ['npm', 'run', 'build'] : null),
    test: entry?.commands.test ?? ['npm', 'test'],
    limits: { ...limits, testTimeoutMs: settings.testTimeoutMs, maxDiskMb: settings.maxDiskMb },
  };
}

const TAIL = 4096;

export function stepOf(step: string, argv: string[], r: SandboxResult): StepRun {
  const out = `${r.stdout}\n${r.stderr}`.trim();
  return {
    step,
    argv,
    exitCode: r.exitCode,
    killedFor: r.killedFor,
    durationMs: Math.round(r.durationMs),
    tail: out.length > TAIL ? `…${out.slice(-TAIL)}` : out,
    sandbox: describeEnforcement(r.enforced),
  };
}

/** One line saying what held the step in, for the evidence people read. */
export function describeEnforcement(e: SandboxEnforcement): string {
  return [
    e.user ? `user ${e.user}` : 'platform user',
    e.pidNamespace ? 'own pid namespace' : 'no pid namespace',
    e.network ? 'no network' : 'network',
    `memory ${e.memory}`,
    `processes ${e.processes}`,
    `disk ${e.disk}`,
  ].join(', ');
}

export const stepOk = (s: StepRun) => s.exitCode === 0 && !s.killedFor;

export function sandboxLimits(recipe: Recipe, timeoutMs: number): SandboxLimits {
  return {
    timeoutMs,
    memoryMb: recipe.limits.memoryMb,
    maxProcesses: recipe.limits.maxProcesses,
    maxDiskMb: recipe.limits.maxDiskMb,
    maxOutputBytes: 1 << 20,
  };
}

/**
 * The application's dependencies, installed once per manifest and lockfile (their hash names the folder) with the
 * catalogue's install command, in the sandbox, with the network (the registry) and npm's download cache shared by
 * all runs, packages' install scripts off (they would run with the network); then sealed (owned by root, so the code
 * of a later run cannot change what the next run loads) and linked into the tree. A second run with the same
 * lockfile installs nothing: `cached` says so. The manifest and lockfile come from the tree's commit, not its files.
 */
export async function installDependencies(p: {
  tree: string;
  manifest: string | undefined;
  lock: string | undefined;
  depsRoot: string;
  npmCache: string;
  recipe: Recipe;
}): Promise<{ step: StepRun; cached: boolean }> {
  const { manifest, lock } = p;
  if (manifest === undefined)
    return {
      step: {
        step: 'install',
        argv: p.recipe.install,
        exitCode: 0,
        killedFor: null,
        durationMs: 0,
        tail: 'no package.json: nothing to install',
      },
      cached: true,
    };
  const key = createHash('sha256')
    .update(`${manifest}\n${lock ?? ''}\n${p.recipe.install.join('\0')}`)
    .digest('hex')
    .slice(0, 24);
  const target = join(p.depsRoot, key);
  let step: StepRun = {
    step: 'install',
    argv: p.recipe.install,
    exitCode: 0,
    killedFor: null,
    durationMs: 0,
    tail: `dependencies ${key} already installed`,
  };
  const cached = existsSync(join(target, 'node_modules'));
  if (!cached) {
    const tmp = `${target}.${process.pid}.${Date.now()}.tmp`;
    await mkdir(tmp, { recursive: true });
    await mkdir(p.npmCache, { recursive: true });
    try {
      await writeFile(join(tmp, 'package.json'), manifest);
      if (lock !== undefined) await writeFile(join(tmp, 'package-lock.json'), lock);
      await prepareSandboxRoot(tmp);
      await prepareSandboxRoot(p.npmCache);
      const r = await runSandboxed({
        argv: p.recipe.install,
        root: tmp,
        writablePaths: [p.npmCache],
        env: {
          npm_config_cache: p.npmCache,
          npm_config_ignore_scripts: 'true',
          npm_config_update_notifier: 'false',
          npm_config_fund: 'false',
          npm_config_audit: 'false',
        },
        limits: sandboxLimits(p.recipe, p.recipe.limits.buildTimeoutMs),
        network: true,
      });
      step = stepOf('install', p.recipe.install, r);
      if (stepOk(step)) {
        await seal(tmp);
        await rename(tmp, target).catch(async (e: NodeJS.ErrnoException) => {
          if (!existsSync(join(target, 'node_modules'))) throw e;
        });
      }
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
  const link = join(p.tree, 'node_modules');
  if (stepOk(step) && existsSync(join(target, 'node_modules'))) {
    await rm(link, { recursive: true, force: true });
    await symlink(join(target, 'node_modules'), link, 'dir');
  }
  return { step, cached };
}

/** Owned by root, readable by all: the sandbox's user can load it, not change it. */
async function seal(dir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  await run('chown', ['-R', '0:0', '--', dir], { timeout: 120_000 });
  await run('chmod', ['-R', 'go-w,a+rX', '--', dir], { timeout: 120_000 });
}

/** One command of the recipe in one tree (no network). */
export async function runStep(p: {
  step: string;
  argv: string[];
  root: string;
  cwd: string;
  recipe: Recipe;
  timeoutMs: number;
  env?: Record<string, string>;
  /** Folders outside the run's folder it may read: the installed dependencies its node_modules links to. */
  readOnly: string[];
}): Promise<{ step: StepRun; result: SandboxResult }> {
  const result = await runSandboxed({
    argv: p.argv,
    root: p.root,
    cwd: p.cwd,
    readOnlyPaths: p.readOnly,
    env: { npm_config_update_notifier: 'false', npm_config_offline: 'true', ...(p.env ?? {}) },
    limits: sandboxLimits(p.recipe, p.timeoutMs),
    network: false,
  });
  return { step: stepOf(p.step, p.argv, result), result };
}

/** The `scripts` of a package.json text (read from a commit), or none. */
export function scriptsOf(manifest: string | undefined): Record<string, string> {
  try {
    const pkg = JSON.parse(manifest ?? '{}') as { scripts?: unknown };
    if (!pkg.scripts || typeof pkg.scripts !== 'object') return {};
    return Object.fromEntries(
      Object.entries(pkg.scripts as Record<string, unknown>).filter(
        (e): e is [string, string] => typeof e[1] === 'string',
      ),
    );
  } catch {
    return {};
  }
}

/** The `name` of a package.json text, or undefined. */
export function packageNameOf(manifest: string | undefined): string | undefined {
  try {
    const name = (JSON.parse(manifest ?? '{}') as { name?: unknown }).name;
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
}
