import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ServiceEntry } from '@self-healing/shared/catalogue';
import {
  prepareSandboxRoot,
  runSandboxed,
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
  };
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
 * The application's dependencies, installed once per lockfile (its hash names the folder) with the catalogue's
 * install command, in the sandbox, with the network (the registry) and npm's download cache shared by all runs;
 * then sealed (owned by root, so the code of a later run cannot change what the next run loads) and linked into
 * both trees. A second run with the same lockfile installs nothing: `cached` says so.
 */
export async function installDependencies(p: {
  trees: string[];
  depsRoot: string;
  npmCache: string;
  recipe: Recipe;
}): Promise<{ step: StepRun; cached: boolean }> {
  const first = p.trees[0]!;
  const lock = await readFile(join(first, 'package-lock.json'), 'utf8').catch(() => null);
  const manifest = await readFile(join(first, 'package.json'), 'utf8').catch(() => null);
  if (manifest === null)
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
      await cp(join(first, 'package.json'), join(tmp, 'package.json'));
      if (lock !== null) await writeFile(join(tmp, 'package-lock.json'), lock);
      await prepareSandboxRoot(tmp);
      await prepareSandboxRoot(p.npmCache);
      const r = await runSandboxed({
        argv: p.recipe.install,
        root: tmp,
        writablePaths: [p.npmCache],
        env: {
          npm_config_cache: p.npmCache,
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
  if (stepOk(step))
    for (const tree of p.trees) {
      const link = join(tree, 'node_modules');
      if (!existsSync(link) && existsSync(join(target, 'node_modules')))
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

export async function packageScripts(dir: string): Promise<Record<string, string>> {
  try {
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { scripts?: unknown };
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
