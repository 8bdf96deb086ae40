import { execFile } from 'node:child_process';
import { mkdir, rm, unlink, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { promisify } from 'node:util';
import type { BugSpec } from '../../diagnosis/bench/manifest.js';
import { parseJsonStream } from '../../diagnosis/bench/collect.js';
import { prepareSandboxRoot, runSandboxed } from '../../validation/src/sandbox/index.js';
import { installDependencies, type Recipe } from '../../validation/src/service/execution.js';
import type { TestCaseResult } from '../../validation/src/testing/index.js';
import { resultsOf } from './judge.js';

const run = promisify(execFile);

/** How a bug's project is installed and tested in validation's sandbox: the manifest's commands, generous limits. */
export function recipeOf(bug: BugSpec): Recipe {
  return {
    install: [...bug.install],
    build: null,
    test: [...bug.test],
    limits: {
      buildTimeoutMs: 900_000,
      testTimeoutMs: (bug.timeoutSeconds ?? 600) * 1000,
      memoryMb: 2048,
      maxProcesses: 512,
      maxDiskMb: 4096,
    },
  };
}

/**
 * The folder a bug's suites run in: a plain copy of the buggy tree (git archive, no .git: the sandbox's user could
 * not use a worktree root owns), handed to the sandbox user. Candidates are written into it and taken out again.
 */
export async function makeTestTree(mirror: string, commit: string, root: string): Promise<string> {
  await rm(root, { recursive: true, force: true });
  const tree = join(root, 'tree');
  await mkdir(tree, { recursive: true });
  const tar = join(root, 'tree.tar');
  await run('git', ['-C', mirror, 'archive', '--format=tar', '-o', tar, commit], { maxBuffer: 1 << 20 });
  await run('tar', ['-xf', tar, '-C', tree]);
  await unlink(tar);
  await prepareSandboxRoot(root);
  return tree;
}

export interface Caches {
  /** Installed dependencies, one folder per package.json/lockfile/command (validation's shared install). */
  depsRoot: string;
  /** npm's download cache, shared by every install. */
  npmCache: string;
  /** The bin folder of the manifest's Node.js release (bench/runtime.ts), or null for the machine's. */
  runtimeBin?: string | null;
}

/** A file of the tree's commit (the manifest and lockfile are read from git, not from files the code could change). */
async function fileAt(mirror: string, commit: string, path: string): Promise<string | undefined> {
  try {
    const { stdout } = await run('git', ['-C', mirror, 'show', `${commit}:${path}`], { maxBuffer: 64 << 20 });
    return stdout;
  } catch {
    return undefined;
  }
}

/**
 * Validation's shared install for one tree: installs once per package.json, lockfile and command, later calls only
 * link the installed folder.
 */
export async function install(
  tree: string,
  source: { mirror: string; commit: string },
  recipe: Recipe,
  caches: Caches,
): Promise<{ ok: boolean; cached: boolean; ms: number; tail: string }> {
  const started = performance.now();
  const { step, cached } = await installDependencies({
    tree,
    manifest: await fileAt(source.mirror, source.commit, 'package.json'),
    lock: await fileAt(source.mirror, source.commit, 'package-lock.json'),
    ...caches,
    recipe,
  });
  return {
    ok: step.exitCode === 0 && !step.killedFor,
    cached,
    ms: Math.round(performance.now() - started),
    tail: step.tail.slice(-1000),
  };
}

export interface SuiteResult {
  results: TestCaseResult[];
  ms: number;
  killedFor: string | null;
}

/**
 * Reporter output kept per run. Validation's runStep keeps 1 MiB (head and tail): Express's acceptance tests log every
 * request to stdout, and the reporter lines in the dropped middle would read as tests that did not run.
 */
const MAX_OUTPUT = 64 << 20;

/**
 * The manifest's test command once in validation's sandbox (as its runStep does, with room for the output), without
 * the network; per-test results from mocha's json-stream.
 */
export async function runTests(
  bug: BugSpec,
  root: string,
  tree: string,
  recipe: Recipe,
  caches: Caches,
): Promise<SuiteResult> {
  const result = await runSandboxed({
    argv: recipe.test,
    root,
    cwd: tree,
    readOnlyPaths: [caches.depsRoot],
    ...(caches.runtimeBin ? { nodeBinDir: caches.runtimeBin } : {}),
    env: { npm_config_update_notifier: 'false', npm_config_offline: 'true', ...bug.env },
    limits: {
      timeoutMs: recipe.limits.testTimeoutMs,
      memoryMb: recipe.limits.memoryMb,
      maxProcesses: recipe.limits.maxProcesses,
      maxDiskMb: recipe.limits.maxDiskMb,
      maxOutputBytes: MAX_OUTPUT,
    },
    network: false,
  });
  if (result.stdout.includes('bytes omitted by the sandbox'))
    throw new Error('the reporter output was truncated: raise MAX_OUTPUT');
  return {
    results: resultsOf(parseJsonStream(result.stdout)),
    ms: Math.round(result.durationMs),
    killedFor: result.killedFor,
  };
}

/** A repository-relative path that stays inside the tree (candidates' paths come from strategies: checked anyway). */
function inside(tree: string, path: string): string {
  const n = posix.normalize(path);
  if (!n || n.startsWith('/') || n === '..' || n.startsWith('../') || n.includes('\0'))
    throw new Error(`refused path ${JSON.stringify(path.slice(0, 100))}`);
  return join(tree, n);
}

/** Writes texts into the tree (null deletes). */
export async function writeFiles(tree: string, files: ReadonlyMap<string, string | null>): Promise<void> {
  for (const [path, text] of files) {
    const abs = inside(tree, path);
    if (text === null) await rm(abs, { force: true });
    else {
      await mkdir(join(abs, '..'), { recursive: true });
      await writeFile(abs, text, { mode: 0o644 });
    }
  }
}
