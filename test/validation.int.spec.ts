// Stage 5 on the real servers and the real sample application: the repository of a seeded fault (the corpus's
// `gb-label-second-line`, a TypeError in British shipping labels) is pushed to Gitea; patches of it are stored as
// fix.generate stores them and announced with FixGenerationCompleted; validation.run clones the forge's repository,
// applies each patch in fresh worktrees, installs, builds and tests the application in its sandbox, measures
// coverage and latency, checks the docs, and publishes its verdict. Good, useless, breaking, slow and hostile
// patches each get the verdict they deserve, and nothing they start outlives the run.
import { execFile, fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEvent, outsideBeatMeta, type RunningService, type StageEvent } from '@self-healing/shared';
import type { PayloadOf } from '@self-healing/schemas';
import { GiteaForge, pushToForge } from '@self-healing/shared/forge';
import { loadCatalogue } from '@self-healing/shared/catalogue';
import { materializeFault } from '@self-healing/sample-service';
import { patchIdOf } from '@self-healing/fix-generate';
import { exampleCatalogue } from '@self-healing/target';
import { serviceEnv, testEnvironment, type TestEnvironment } from './src/environment.js';
import { testForge, uniqueName, waitFor } from './src/endpoints.js';
import { startValidation } from './src/services.js';
import { publishEvent, stageEventsOf, untilRunEnded } from './src/stageEvents.js';
import type { ValidationDocument } from '@self-healing/validation';

const run = promisify(execFile);
const FAULT = 'gb-label-second-line';
const SERVICE = 'checkout';
const REGRESSION_TEST = 'prints British labels with and without a second line';
const BEATS = [
  'ValidationRequested',
  'PatchLoaded',
  'PatchApplied',
  'TestsExecuted',
  'CoverageChecked',
  'PerformanceVerified',
  'DocumentationValidated',
  'ValidationResultsAggregated',
  'ValidationResultsStored',
  'ValidationCompleted',
];

let env: TestEnvironment;
let work: string;
let release: Awaited<ReturnType<typeof materializeFault>>;
let cloneUrl: string;
let vars: Record<string, string>;
let service: RunningService | null = null;
let child: ChildProcess | null = null;

/** A patch of the faulty release made the way fix.generate makes one: edits in a worktree, diffed against the base. */
async function makePatch(
  name: string,
  edit: (dir: string) => Promise<void>,
): Promise<{ diff: string; patchId: string }> {
  const dir = join(work, 'patches', name);
  await run('git', ['-C', release.repo, 'worktree', 'add', '-q', '--detach', dir, release.faulty]);
  await edit(dir);
  await run('git', ['-C', dir, 'add', '-A']);
  const { stdout: diff } = await run(
    'git',
    ['-C', dir, 'diff', '--cached', '--no-renames', '--no-color', '--full-index', release.faulty],
    { maxBuffer: 64 << 20 },
  );
  return { diff, patchId: patchIdOf(release.faulty, diff) };
}

const replaceIn = async (dir: string, file: string, from: string, to: string) => {
  const text = await readFile(join(dir, file), 'utf8');
  if (!text.includes(from)) throw new Error(`${file} has no ${JSON.stringify(from)}`);
  await writeFile(join(dir, file), text.replace(from, to));
};

/** The corpus's own fix (the code and its revealing test) with the changelog entry fix.generate writes. */
async function theFix(dir: string): Promise<void> {
  await run('git', ['-C', dir, 'apply', join(release.fault.dir, 'fix.patch')]);
  await addChangelogEntry(dir, '- Shipping: British addresses without a second line print again.');
}

/** An entry under "Unreleased", as fix.generate writes it. */
async function addChangelogEntry(dir: string, entry: string): Promise<void> {
  const changelog = join(dir, 'CHANGELOG.md');
  const text = await readFile(changelog, 'utf8').catch(() => '# Changelog\n');
  const [head, ...rest] = text.split('\n');
  await writeFile(changelog, [head, '', '## Unreleased', '', entry, ...rest].join('\n'));
}

/** Stores the patch (and the diagnosis it names) as fix.generate would, and announces it. */
async function announce(
  incidentId: string,
  patch: { diff: string; patchId: string },
  test: { files: string[]; names: string[] },
  over: Record<string, unknown> = {},
): Promise<void> {
  const diagnosisId = `dg-${incidentId}`;
  await env.db.collection('diagnoses').replaceOne(
    { _id: diagnosisId as never },
    {
      diagnosisId,
      incidentId,
      codebase: {
        service: SERVICE,
        url: cloneUrl,
        bad: release.faulty,
        good: release.healthy,
        source: 'test',
      },
      issues: [
        { id: 'i-1', kind: 'error', title: 'TypeError in formatAddress', confidence: 0.9, evidence: {} },
      ],
      recommendations: [],
    },
    { upsert: true },
  );
  await env.db.collection('patches').replaceOne(
    { _id: patch.patchId as never },
    {
      patchId: patch.patchId,
      incidentId,
      diagnosisId,
      repository: cloneUrl,
      baseCommit: release.faulty,
      title: `Fix ${incidentId}`,
      description: 'test patch',
      diff: patch.diff,
      test: {
        files: test.files.map((path) => ({ path, text: '' })),
        testNames: test.names,
        framework: 'node:test',
      },
      ...over,
    },
    { upsert: true },
  );
  const payload: PayloadOf<'FixGenerationCompleted'> = {
    patchId: patch.patchId,
    diagnosisId,
    recommendationIds: ['r-1'],
    baseCommit: release.faulty,
    title: `Fix ${incidentId}`,
    filesChanged: 2,
    linesAdded: 1,
    linesRemoved: 1,
    syntaxValid: true,
    document: { collection: 'patches', id: patch.patchId },
  };
  const event = buildEvent(
    'fix.generate',
    { type: 'FixGenerationCompleted', payload },
    {
      ...outsideBeatMeta({
        incidentId,
        seq: 9,
        correlationId: `corr-${incidentId}`,
        occurredAt: Date.now(),
        producer: 'fix-generate/test',
      }),
      sequenceId: 'fix.generate',
      beat: 9,
      handler: 'generateFixCompleted',
    },
  );
  await publishEvent(env, env.topics.fixGenerateEvents, incidentId, event);
}

const stageEvents = (key: string): Promise<StageEvent[]> =>
  stageEventsOf(env, env.topics.validationRunEvents, key);

async function verdictOf(
  key: string,
  timeoutMs = 300_000,
): Promise<{ events: StageEvent[]; done: PayloadOf<'ValidationCompleted'>; doc: ValidationDocument }> {
  const events = await untilRunEnded(env, env.topics.validationRunEvents, key, {
    timeoutMs,
    message: `validation of ${key}`,
  });
  const last = events.at(-1)!;
  expect(last.meta.type).toBe('ValidationCompleted');
  const done = last.payload as PayloadOf<'ValidationCompleted'>;
  const doc = (await env.db
    .collection<ValidationDocument>('validations')
    .findOne({ _id: done.validationId as never }))!;
  if (process.env.DEBUG_VALIDATION)
    console.log(
      JSON.stringify(
        {
          reasons: doc.reasons,
          checks: doc.checks,
          steps: doc.tests?.steps,
          regression: doc.tests?.regression,
        },
        null,
        1,
      ),
    );
  return { events, done, doc };
}

/** Processes whose command line or working folder lies in the validation's work folder: none may outlive a run. */
async function processesIn(folder: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    const { readlink } = await import('node:fs/promises');
    const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => '');
    if (cmd.includes(folder) || cwd.startsWith(folder))
      found.push(`${pid}: ${cmd.replace(/\0/g, ' ').slice(0, 200)}`);
  }
  return found;
}

beforeAll(async () => {
  env = await testEnvironment('va');
  work = await mkdtemp(join(tmpdir(), 'validation-'));
  release = await materializeFault(FAULT, join(work, 'repo'));
  const { url, token } = testForge();
  const forge = new GiteaForge({ url, token });
  const repoRef = { owner: (await forge.currentUser()).login, name: uniqueName('checkout_va') };
  await pushToForge(forge, repoRef, {
    dir: release.repo,
    refspecs: ['main:main', 'refs/tags/*:refs/tags/*'],
  });
  cloneUrl = (await forge.gitRemote(repoRef)).url;

  const entry = loadCatalogue(exampleCatalogue()).services[SERVICE]!;
  const cataloguePath = join(work, 'catalogue.json');
  await writeFile(
    cataloguePath,
    JSON.stringify({
      version: 1,
      services: { [SERVICE]: { ...entry, repository: { ...entry.repository, url: cloneUrl } } },
    }),
  );
  vars = serviceEnv(env, {
    CATALOGUE: cataloguePath,
    REPO_CACHE_DIR: join(work, 'repos'),
    VALIDATION_WORK_DIR: join(work, 'validation'),
    FORGE_URL: url,
    FORGE_TOKEN: token,
    FORGE_USER: repoRef.owner,
    TEST_TIMEOUT_MS: '20000',
    MAX_DISK_MB: '512',
    TEST_RERUNS: '1',
    PERF_SAMPLES: '60',
  });
  service = await startValidation(vars);
}, 600_000);

afterAll(async () => {
  child?.kill('SIGKILL');
  await service?.stop();
  await env?.mongo.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('validation.run on patches of a real fault', () => {
  it('given the right fix with its regression test, then every check passes and the run leaves nothing behind', async () => {
    const patch = await makePatch('good', theFix);
    await announce('inc-va-good', patch, { files: ['test/input.test.ts'], names: [REGRESSION_TEST] });
    const { events, done, doc } = await verdictOf('inc-va-good');
    expect(events.map((e) => e.meta.type)).toEqual(BEATS);
    expect(doc.tests!.regression.verdict).toBe('passed');
    expect(doc.tests!.broken).toEqual([]);
    expect(doc.tests!.passed).toBeGreaterThan(40);
    expect(doc.coverage!.changedLines).toBeGreaterThan(0);
    expect(doc.coverage!.changedLinesCovered).toBe(doc.coverage!.changedLines);
    expect(doc.documentation!.problems).toEqual([]);
    expect(done.verdict, JSON.stringify(doc.reasons)).toBe('passed');
    expect(done.headCommit).toMatch(/^[0-9a-f]{40}$/);
    // The second install of the same lockfile comes from the shared install.
    expect(doc.tests!.steps.map((s) => s.step)).toContain('install patched (cached)');
    expect(await processesIn(join(work, 'validation'))).toEqual([]);
    expect(await readdir(join(work, 'validation', 'runs'))).toEqual([]);
  });

  it('given the fault’s file given back as the healthy release had it, with no regression test, then passed: production ran that code', async () => {
    const patch = await makePatch('restore', async (dir) => {
      await run('git', ['-C', dir, 'checkout', release.healthy, '--', 'src/shipping/address.ts']);
      await addChangelogEntry(dir, '- Shipping: the second address line is printed as before 1.5.0.');
    });
    await announce('inc-va-restore', patch, { files: [], names: [] });
    const { done, doc } = await verdictOf('inc-va-restore');
    expect(doc.tests!.regression.verdict).toBe('inconclusive');
    expect(doc.tests!.regression.reason).toMatch(/gives back the code production ran before the release/);
    expect(doc.tests!.broken).toEqual([]);
    expect(done.verdict, JSON.stringify(doc.reasons)).toBe('passed');
  });

  it('given a fix whose new test passes on the faulty code too, then it is failed: the test proves nothing', async () => {
    const patch = await makePatch('useless', async (dir) => {
      await theFix(dir);
      // The revealing test swapped for one the fault does not affect.
      await replaceIn(
        dir,
        'test/input.test.ts',
        "assert.deepEqual(formatAddress(parseAddress(gb)), ['Ada Lovelace', 'Invalidenstr. 1', 'London SW1A 2AA', 'GB']);",
        "assert.equal(formatAddress(parseAddress({ ...gb, line2: 'x' })).length, 5);",
      );
    });
    await announce('inc-va-useless', patch, { files: ['test/input.test.ts'], names: [REGRESSION_TEST] });
    const { done, doc } = await verdictOf('inc-va-useless');
    expect(done.verdict).toBe('failed');
    expect(doc.tests!.regression.verdict).toBe('rejected');
    expect(doc.reasons.map((r) => r.code)).toContain('regression-test-passes-on-base');
  });

  it('given a fix that breaks another test, then it is failed and the broken test is named', async () => {
    const patch = await makePatch('breaking', async (dir) => {
      await theFix(dir);
      // American labels lose their "city ZIP" order: the existing label test catches it, the new one does not.
      await replaceIn(
        dir,
        'src/shipping/address.ts',
        "address.country === 'GB' || address.country === 'US'",
        "address.country === 'GB'",
      );
    });
    await announce('inc-va-breaking', patch, { files: ['test/input.test.ts'], names: [REGRESSION_TEST] });
    const { done, doc } = await verdictOf('inc-va-breaking');
    expect(done.verdict).toBe('failed');
    expect(doc.tests!.broken.length).toBeGreaterThan(0);
    expect(doc.reasons.map((r) => r.code)).toContain('tests-broken');
    // The failed candidate sends fix.generate to the next one, once, saying why.
    const asks = (await stageEventsOf(env, env.topics.commands, 'inc-va-breaking')).filter(
      (e) => e.meta.type === 'GenerateFixCommand',
    );
    expect(asks).toHaveLength(1);
    expect(asks[0]!.payload).toMatchObject({
      incidentId: 'inc-va-breaking',
      diagnosisId: 'dg-inc-va-breaking',
      requestedBy: 'stage:validation.run',
    });
    expect((asks[0]!.payload as PayloadOf<'GenerateFixCommand'>).comment).toContain(patch.patchId);
  });

  it('given a patch with a test that hangs, then the suite is killed at its time limit and nothing keeps running', async () => {
    const patch = await makePatch('hanging', async (dir) => {
      await theFix(dir);
      await writeFile(
        join(dir, 'test', 'hang.test.ts'),
        [
          "import { test } from 'node:test';",
          "import { spawn } from 'node:child_process';",
          "test('waits forever', async () => {",
          "  spawn('sleep', ['3600'], { detached: true, stdio: 'ignore' }).unref();",
          '  await new Promise(() => setInterval(() => undefined, 1000));',
          '});',
          '',
        ].join('\n'),
      );
    });
    await announce('inc-va-hang', patch, {
      files: ['test/input.test.ts', 'test/hang.test.ts'],
      names: [REGRESSION_TEST],
    });
    const { done, doc } = await verdictOf('inc-va-hang');
    expect(['failed', 'inconclusive']).toContain(done.verdict);
    expect(doc.tests!.steps.some((s) => s.killedFor === 'timeout')).toBe(true);
    // A failed verdict asks for the next candidate; an inconclusive one leaves the incident with people.
    const asks = (await stageEventsOf(env, env.topics.commands, 'inc-va-hang')).filter(
      (e) => e.meta.type === 'GenerateFixCommand',
    );
    expect(asks).toHaveLength(done.verdict === 'failed' ? 1 : 0);
    expect(await processesIn(join(work, 'validation'))).toEqual([]);
  }, 300_000);

  it('given a patch whose test forks without end, then the suite is stopped at its process limit and nothing is left', async () => {
    const patch = await makePatch('forkbomb', async (dir) => {
      await theFix(dir);
      await writeFile(
        join(dir, 'test', 'fork.test.ts'),
        [
          "import { test } from 'node:test';",
          "import { spawn } from 'node:child_process';",
          "test('forks', async () => {",
          "  for (;;) { spawn('sleep', ['600'], { stdio: 'ignore' }); await new Promise((r) => setImmediate(r)); }",
          '});',
          '',
        ].join('\n'),
      );
    });
    await announce('inc-va-fork', patch, {
      files: ['test/input.test.ts', 'test/fork.test.ts'],
      names: [REGRESSION_TEST],
    });
    const { done, doc } = await verdictOf('inc-va-fork');
    expect(['failed', 'inconclusive']).toContain(done.verdict);
    const killed = doc.tests!.steps.map((s) => s.killedFor).filter(Boolean);
    expect(killed.length).toBeGreaterThan(0);
    expect(await processesIn(join(work, 'validation'))).toEqual([]);
  }, 300_000);

  it('given a patch that changes the dependencies so they no longer install, then it is failed', async () => {
    const patch = await makePatch('badinstall', async (dir) => {
      await theFix(dir);
      // The manifest names a package the lockfile does not have: `npm ci` refuses it.
      await replaceIn(
        dir,
        'package.json',
        '"pino": "^9.7.0"',
        '"pino": "^9.7.0",\n    "left-pad-that-is-not-there": "1.0.0"',
      );
    });
    await announce('inc-va-install', patch, { files: ['test/input.test.ts'], names: [REGRESSION_TEST] });
    const { done, doc } = await verdictOf('inc-va-install');
    expect(done.verdict).toBe('failed');
    expect(doc.reasons.map((r) => r.code)).toContain('install-failed');
  });

  it('given a patch outside the repository or one changed after it was made, then it is failed without running anything', async () => {
    const good = await makePatch('good2', theFix);
    const escaping = good.diff
      .replaceAll('a/test/input.test.ts', 'a/../../evil.ts')
      .replaceAll('b/test/input.test.ts', 'b/../../evil.ts');
    const outside = { diff: escaping, patchId: patchIdOf(release.faulty, escaping) };
    await announce('inc-va-outside', outside, { files: [], names: [] });
    const a = await verdictOf('inc-va-outside');
    expect(a.done.verdict).toBe('failed');
    expect(a.doc.reasons.map((r) => r.code)).toContain('path-outside-repository');
    expect(a.doc.tests!.steps).toEqual([]);

    await announce(
      'inc-va-tampered',
      good,
      { files: ['test/input.test.ts'], names: [REGRESSION_TEST] },
      {
        diff: good.diff.replace('toUpperCase()', 'toLowerCase()'),
      },
    );
    const b = await verdictOf('inc-va-tampered');
    expect(b.done.verdict).toBe('failed');
    expect(b.doc.reasons.map((r) => r.code)).toContain('hash-mismatch');
  });

  it('given a slower fix, then it is failed on performance', async () => {
    const patch = await makePatch('slow', async (dir) => {
      await theFix(dir);
      await replaceIn(
        dir,
        'src/shipping/address.ts',
        'export function formatAddress(address: Address): string[] {',
        'export function formatAddress(address: Address): string[] {\n  const until = Date.now() + 25;\n  while (Date.now() < until);',
      );
    });
    await announce('inc-va-slow', patch, { files: ['test/input.test.ts'], names: [REGRESSION_TEST] });
    const { done, doc } = await verdictOf('inc-va-slow');
    expect(done.verdict).toBe('failed');
    expect(doc.performance!.regressions).toBeGreaterThan(0);
  });

  it('given a SIGKILL mid-validation, then the restarted service gives the same verdict and no process survives', async () => {
    // From here on the service runs as a process of its own, which the test kills.
    await service?.stop();
    service = null;
    const main = join(import.meta.dirname, '..', 'services', 'validation', 'src', 'main.ts');
    const start = () =>
      fork(main, [], {
        env: { ...process.env, ...vars, HTTP_PORT: '0' },
        execArgv: ['--conditions=development', '--import', 'tsx'],
        stdio: 'ignore',
      });
    const patch = await makePatch('killed', theFix);
    child = start();
    await announce('inc-va-kill', patch, { files: ['test/input.test.ts'], names: [REGRESSION_TEST] });
    await waitFor(
      async () =>
        (await stageEvents('inc-va-kill')).some((e) => e.meta.type === 'PatchApplied') ? true : undefined,
      { timeoutMs: 120_000, maxIntervalMs: 200, message: 'the validation under way' },
    );
    // Let the sandbox start building or testing, then kill the service outright.
    await new Promise((r) => setTimeout(r, 4000));
    child.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 1000));
    expect(await processesIn(join(work, 'validation'))).toEqual([]);
    expect((await stageEvents('inc-va-kill')).length).toBeLessThan(BEATS.length);
    child = start();
    const { events, done } = await verdictOf('inc-va-kill');
    child.kill('SIGTERM');
    expect(events.map((e) => e.meta.type)).toEqual(BEATS);
    expect(done.verdict).toBe('passed');
  });
});
