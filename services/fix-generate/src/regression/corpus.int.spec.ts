import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import {
  IncrementalBuild,
  loadCorpus,
  materializeCorpus,
  type Fault,
  type Release,
} from '@self-healing/sample-service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IssueView, RepoView } from '../strategies/types.js';
import { generateRegressionTest } from './index.js';

const run = promisify(execFile);

/**
 * The regression tests on the seeded-fault corpus, checked the way validation checks them: each fault's human fix
 * (its code only, not its test) is the candidate; the generated test is built and run in the application with
 * its own `node --test`, on the faulty release (it must fail) and with the fix (it must pass). Faults where a
 * sound test is derivable must get one; for every fault, a test that is generated must be sound.
 */

/** Faults whose evidence and fix admit a sound test (a guard's failing read, a bound moved by one). */
const EXPECTED = [
  'gb-label-second-line',
  'email-not-string',
  'max-quantity-exclusive',
  'bulk-threshold-exclusive',
];
/** Faults with no statically derivable test (computed comparisons, reordered steps): generation must skip them. */
const OTHERS = [
  'free-shipping-exclusive',
  'last-unit-unsellable',
  'traceparent-split',
  'carrier-fallback-dropped',
];

/** The errors the diagnosis mines for the error faults (the runtime's own TypeError messages). */
const ERRORS: Record<string, string> = {
  'gb-label-second-line': "TypeError: Cannot read properties of undefined (reading 'toUpperCase')",
  'email-not-string': 'TypeError: fields.email.trim is not a function',
  'traceparent-split': "TypeError: Cannot read properties of undefined (reading 'length')",
};

const git = async (cwd: string, args: string[]) =>
  (await run('git', args, { cwd, maxBuffer: 64 << 20 })).stdout;

let root = '';
let repo = '';
let work = '';
let builder: IncrementalBuild;
let releases = new Map<string, Release>();
const faults = new Map<string, Fault>();

beforeAll(async () => {
  const corpus = await loadCorpus();
  for (const f of corpus.faults) faults.set(f.truth.id, f);
  root = await mkdtemp(join(tmpdir(), 'regression-corpus-'));
  repo = join(root, 'repo');
  ({ releases } = await materializeCorpus(repo, corpus));
  work = join(root, 'work');
  await git(repo, ['worktree', 'add', '-q', '--detach', work, 'main']);
  // The npm cache is shared with every other install on the machine: offline after the first run.
  await run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: work });
  builder = new IncrementalBuild(work);
}, 600_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

function repoView(sha: string, files: Set<string>): RepoView {
  return {
    baseCommit: sha,
    files,
    read: async (path) => (files.has(path) ? git(repo, ['show', `${sha}:${path}`]) : undefined),
    commitDiff: async (c) => git(repo, ['show', '-U0', '-w', c]),
    log: async () => [],
  };
}

/** The fix's code changes (not its tests) as a candidate: the files as the fix leaves them. */
async function humanFix(fault: Fault, faulty: string): Promise<Map<string, string | null>> {
  await git(work, ['checkout', '-q', '-f', '--detach', faulty]);
  await git(work, ['apply', '--exclude=test/*', fault.fix.path]);
  const changed = (await git(work, ['diff', '--name-only'])).split('\n').filter(Boolean);
  const out = new Map<string, string | null>();
  for (const p of changed) out.set(p, await readFile(join(work, p), 'utf8'));
  await git(work, ['checkout', '-q', '-f', '--detach', faulty]);
  return out;
}

/** Builds the worktree as it is and runs one compiled test file with the app's own runner. */
async function buildAndRun(testPath: string): Promise<{ built: string[]; ok: boolean; output: string }> {
  const built = builder.build();
  if (built.length > 0) return { built, ok: false, output: '' };
  const compiled = testPath.replace(/\.ts$/, '.js');
  try {
    const { stdout } = await run(process.execPath, ['--test', join('dist', compiled)], {
      cwd: work,
      maxBuffer: 16 << 20,
    });
    return { built, ok: true, output: stdout };
  } catch (error) {
    return { built, ok: false, output: String((error as { stdout?: string }).stdout ?? error) };
  }
}

interface Result {
  id: string;
  generated: boolean;
  reason?: string;
  failsBefore?: boolean;
  passesAfter?: boolean;
  test?: string;
}

/** The error line as a template miner may leave it: the runtime's message hidden behind <*>. */
const OPAQUE = 'unhandled error in POST /checkout: <*>';

async function check(id: string, errorTemplate = ERRORS[id]): Promise<Result> {
  const fault = faults.get(id)!;
  const release = releases.get(id)!;
  const files = new Set(
    (await git(repo, ['ls-tree', '-r', '--name-only', release.faulty])).split('\n').filter(Boolean),
  );
  const candidate = await humanFix(fault, release.faulty);
  const t = fault.truth;
  const issue: IssueView = {
    id: `issue-${id}`,
    kind: t.symptom === 'error' ? 'error' : t.symptom === 'latency' ? 'performance' : 'behavioral',
    title: t.title,
    hypothesis: t.description,
    confidence: 0.8,
    lines: [],
    suspects: [],
    evidence: errorTemplate ? { errorTemplate } : {},
    bounded: true,
  };
  const outcome = await generateRegressionTest({
    repo: repoView(release.faulty, files),
    issue,
    candidate: {
      strategy: 'human-fix',
      strategyVersion: '1',
      remedyId: 'r-1',
      files: candidate,
      rationale: '',
      fit: 1,
    },
    incidentId: `inc-${id}`,
  });
  if ('skippedReason' in outcome) return { id, generated: false, reason: outcome.skippedReason };
  const [only] = [...outcome.files];
  if (!only) throw new Error(`${id}: a generated test without a file`);
  const [path, text] = only;
  const write = async (p: string, body: string) => {
    await mkdir(dirname(join(work, p)), { recursive: true });
    await writeFile(join(work, p), body);
  };
  // On the faulty release: the test must fail (and compile: a test that does not build fails for the wrong reason).
  await git(work, ['checkout', '-q', '-f', '--detach', release.faulty]);
  await write(path, text);
  const before = await buildAndRun(path);
  // With the candidate: it must pass.
  for (const [p, body] of candidate) if (body !== null) await write(p, body);
  const after = await buildAndRun(path);
  await rm(join(work, path));
  await rm(join(work, 'dist', path.replace(/\.ts$/, '.js')), { force: true });
  await git(work, ['checkout', '-q', '-f', '--detach', release.faulty]);
  expect(before.built, `${id}: the generated test builds on the faulty code`).toEqual([]);
  expect(after.built, `${id}: the generated test builds on the fixed code`).toEqual([]);
  return { id, generated: true, failsBefore: !before.ok, passesAfter: after.ok, test: text };
}

describe('regression tests on the seeded-fault corpus', () => {
  const results: Result[] = [];
  afterAll(() => {
    // The per-fault table the report quotes.
    for (const r of results)
      process.stderr.write(
        `[regression] ${r.id}: ${r.generated ? `generated, fails before: ${String(r.failsBefore)}, passes after: ${String(r.passesAfter)}` : `skipped (${r.reason})`}\n`,
      );
  });

  it.each(EXPECTED)(
    '%s: a test that fails on the fault and passes with the human fix',
    async (id) => {
      const r = await check(id);
      results.push(r);
      expect(r.generated, r.reason).toBe(true);
      expect(r.failsBefore, r.test).toBe(true);
      expect(r.passesAfter, r.test).toBe(true);
    },
    120_000,
  );

  it.each(['gb-label-second-line', 'email-not-string'])(
    '%s: the same from the code alone when the mined error hides the message',
    async (id) => {
      const r = await check(id, OPAQUE);
      results.push({ ...r, id: `${id} (opaque error)` });
      expect(r.generated, r.reason).toBe(true);
      expect(r.failsBefore, r.test).toBe(true);
      expect(r.passesAfter, r.test).toBe(true);
    },
    120_000,
  );

  it.each(OTHERS)(
    '%s: no unsound test',
    async (id) => {
      const r = await check(id);
      results.push(r);
      if (r.generated) {
        expect(r.failsBefore, r.test).toBe(true);
        expect(r.passesAfter, r.test).toBe(true);
      } else expect(r.reason).toMatch(/\w/);
    },
    120_000,
  );
});
