import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { git } from './git.js';
import { parsePatch, type PatchInfo } from './patch.js';
import { parseTruth, type Truth } from './truth.js';

/** The corpus shipped with this package: `services/sample-service/corpus`. */
export const defaultCorpusDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../corpus');

/** Tags of a materialized single-fault repository. */
export const HEALTHY_TAG = 'healthy';
export const FAULTY_TAG = 'faulty';
/** The version the healthy history ends at, and the release that carries the fault. */
export const HEALTHY_VERSION = 'v1.4.0';
export const RELEASE_VERSION = 'v1.5.0';

export interface Fault {
  truth: Truth;
  dir: string;
  /** The release patches, in order, read and parsed. */
  release: { name: string; path: string; info: PatchInfo }[];
  fix: { path: string; info: PatchInfo };
}

export interface Corpus {
  dir: string;
  history: { name: string; path: string; info: PatchInfo }[];
  faults: Fault[];
}

/** Reads and checks the whole corpus: every patch parses, every truth.json is valid and names existing patches. */
export async function loadCorpus(dir = defaultCorpusDir): Promise<Corpus> {
  const historyDir = join(dir, 'history');
  const historyNames = (await readdir(historyDir)).filter((n) => n.endsWith('.patch')).sort();
  if (historyNames.length === 0) throw new Error(`${historyDir} holds no patches`);
  const history = await Promise.all(historyNames.map((name) => readPatch(join(historyDir, name), name)));
  const faultsDir = join(dir, 'faults');
  const ids = existsSync(faultsDir)
    ? (await readdir(faultsDir, { withFileTypes: true })).filter((d) => d.isDirectory())
    : [];
  const faults = await Promise.all(ids.map((d) => loadFault(join(faultsDir, d.name))));
  faults.sort((a, b) => a.truth.id.localeCompare(b.truth.id));
  return { dir, history, faults };
}

export async function loadFault(dir: string): Promise<Fault> {
  const source = join(dir, 'truth.json');
  const truth = parseTruth(JSON.parse(await readFile(source, 'utf8')) as unknown, source);
  if (truth.id !== dir.split('/').pop())
    throw new Error(`${source}: id ${truth.id} differs from its folder name`);
  const release = await Promise.all(truth.release.map((name) => readPatch(join(dir, name), name)));
  const fix = await readPatch(join(dir, truth.fix.patch), truth.fix.patch);
  return { truth, dir, release, fix: { path: fix.path, info: fix.info } };
}

async function readPatch(
  path: string,
  name: string,
): Promise<{ name: string; path: string; info: PatchInfo }> {
  return { name, path, info: parsePatch(await readFile(path, 'utf8'), path) };
}

/**
 * Applies one format-patch as a commit, authored and committed by its author at its date: the same patch gives
 * the same commit id on every machine.
 */
export async function applyPatch(repo: string, patch: { path: string; info: PatchInfo }): Promise<string> {
  const { name, email } = patch.info.author;
  await git(repo, ['am', '-q', '--committer-date-is-author-date', '--whitespace=nowarn', patch.path], {
    GIT_COMMITTER_NAME: name,
    GIT_COMMITTER_EMAIL: email,
  });
  return (await git(repo, ['rev-parse', 'HEAD'])).trim();
}

/** Creates `out` (which must not exist or be empty) as a git repository holding the healthy history. */
export async function materializeHistory(
  out: string,
  corpus?: Corpus,
): Promise<{ repo: string; healthy: string }> {
  const c = corpus ?? (await loadCorpus());
  if (existsSync(out) && (await readdir(out)).length > 0) throw new Error(`${out} exists and is not empty`);
  await mkdir(out, { recursive: true });
  await git(out, ['init', '-q', '-b', 'main']);
  let head = '';
  for (const patch of c.history) head = await applyPatch(out, patch);
  await git(out, ['tag', HEALTHY_VERSION, head]);
  return { repo: out, healthy: head };
}

export interface Release {
  healthy: string;
  faulty: string;
  /** The release commits in order, with the patch each came from. */
  commits: { patch: string; sha: string; subject: string }[];
  faultSha: string;
}

/** Applies a fault's release on top of the current HEAD (the healthy history). */
export async function applyRelease(repo: string, fault: Fault): Promise<Release> {
  const healthy = (await git(repo, ['rev-parse', 'HEAD'])).trim();
  const commits = [];
  for (const patch of fault.release) {
    commits.push({ patch: patch.name, sha: await applyPatch(repo, patch), subject: patch.info.subject });
  }
  const faultSha = commits.find((c) => c.patch === fault.truth.faultCommit)!.sha;
  return { healthy, faulty: commits.at(-1)!.sha, commits, faultSha };
}

/**
 * One fault as its own repository: the healthy history tagged `healthy` (and v1.4.0), the release with the fault
 * on top tagged `faulty` (and v1.5.0), on branch `main`.
 */
export async function materializeFault(
  id: string,
  out: string,
  corpus?: Corpus,
): Promise<Release & { repo: string; fault: Fault }> {
  const c = corpus ?? (await loadCorpus());
  const fault = c.faults.find((f) => f.truth.id === id);
  if (!fault)
    throw new Error(`no fault ${id} in the corpus (known: ${c.faults.map((f) => f.truth.id).join(', ')})`);
  await materializeHistory(out, c);
  await git(out, ['tag', HEALTHY_TAG]);
  const release = await applyRelease(out, fault);
  await git(out, ['tag', RELEASE_VERSION]);
  await git(out, ['tag', FAULTY_TAG]);
  return { ...release, repo: out, fault };
}

/**
 * Every fault in one repository: the healthy history on `main` (tag v1.4.0), each fault's release on branch
 * `fault/<id>` with tag `fault/<id>`. Replaying the history once makes the whole corpus cheap to materialize.
 */
export async function materializeCorpus(
  out: string,
  corpus?: Corpus,
): Promise<{ repo: string; healthy: string; releases: Map<string, Release> }> {
  const c = corpus ?? (await loadCorpus());
  const { healthy } = await materializeHistory(out, c);
  const releases = new Map<string, Release>();
  for (const fault of c.faults) {
    await git(out, ['checkout', '-q', '-b', `fault/${fault.truth.id}`, healthy]);
    const release = await applyRelease(out, fault);
    await git(out, ['tag', `fault/${fault.truth.id}`]);
    releases.set(fault.truth.id, release);
  }
  await git(out, ['checkout', '-q', 'main']);
  return { repo: out, healthy, releases };
}
