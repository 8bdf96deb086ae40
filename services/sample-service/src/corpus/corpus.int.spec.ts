import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncrementalBuild } from './check/build.js';
import { runProbe, stable, type ProbeRun } from './check/probe.js';
import { git } from './git.js';
import {
  applyPatch,
  applyRelease,
  loadCorpus,
  materializeCorpus,
  materializeHistory,
  type Fault,
  type Release,
} from './materialize.js';

const run = promisify(execFile);

// The whole corpus in one repository (the history replayed once), checked out in one worktree that is rebuilt
// incrementally from state to state: on two shared cores a full compile per state would take many minutes.
const corpus = await loadCorpus();

/**
 * Faults whose own test suite is also run: the faulty release passes it, the fix's tests fail on the fault, the
 * fixed release passes. Three by default (a suite run is slow on two cores); CORPUS_SUITES=all runs every fault.
 */
const SUITE_FAULTS = new Set(
  process.env.CORPUS_SUITES === 'all'
    ? corpus.faults.map((f) => f.truth.id)
    : ['gb-label-second-line', 'percent-truncated', 'last-unit-unsellable'],
);

const IDENTITY = {
  GIT_AUTHOR_NAME: 'Corpus Check',
  GIT_AUTHOR_EMAIL: 'check@example.invalid',
  GIT_COMMITTER_NAME: 'Corpus Check',
  GIT_COMMITTER_EMAIL: 'check@example.invalid',
};

let root = '';
let repo = '';
let work = '';
let healthy = '';
let releases = new Map<string, Release>();
let builder: IncrementalBuild;
const healthyRuns = new Map<string, ProbeRun>();

async function checkout(sha: string): Promise<void> {
  await git(work, ['checkout', '-q', '-f', '--detach', sha]);
}

function buildNow(): void {
  expect(builder.build()).toEqual([]);
}

/** The app's own `node --test dist/test/`: its exit status and its TAP output. */
async function appTests(): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout } = await run(process.execPath, ['--test', 'dist/test/'], {
      cwd: work,
      maxBuffer: 32 << 20,
    });
    return { ok: true, output: stdout };
  } catch (error) {
    return { ok: false, output: String((error as { stdout?: string }).stdout ?? error) };
  }
}

/** A log template (`charged <*> EUR ...`) as a regular expression over whole messages. */
function templatePattern(template: string): RegExp {
  const escaped = template.split('<*>').map((part) => part.replace(/[.*+?^$()|[\]{}\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*?')}$`);
}

const lastOf = (r: ProbeRun) => r.responses.at(-1)!;
const statuses = (r: ProbeRun) => r.responses.map((x) => x.status);
/** Milliseconds the service logged for the given steps over the whole probe. */
const stepMs = (r: ProbeRun, steps: readonly string[]) =>
  r.logs
    .filter((l) => steps.includes(String(l.step)) && typeof l.durationMs === 'number')
    .reduce((total, l) => total + (l.durationMs as number), 0);
const observation = (r: ProbeRun) => ({
  responses: r.responses.map((x) => ({ status: x.status, body: stable(x.body) })),
  steps: r.steps,
});

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sample-corpus-'));
  repo = join(root, 'repo');
  ({ healthy, releases } = await materializeCorpus(repo, corpus));
  work = join(root, 'work');
  await git(repo, ['worktree', 'add', '-q', '--detach', work, healthy]);
  // The npm cache is shared with every other install on the machine: offline after the first run.
  await run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: work });
  builder = new IncrementalBuild(work);
}, 600_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('the materialized sample application', () => {
  it('has the healthy history: several authors, tagged, same tree as services/sample-service/app', async () => {
    const authors = new Set((await git(repo, ['log', '--format=%an', 'v1.4.0'])).trim().split('\n'));
    expect(authors.size).toBeGreaterThanOrEqual(4);
    expect((await git(repo, ['rev-parse', 'v1.4.0'])).trim()).toBe(healthy);
    expect(corpus.faults.length).toBeGreaterThanOrEqual(24);
  });

  it('is deterministic: materializing again gives the same commit ids', async () => {
    const again = await materializeHistory(join(root, 'again'), corpus);
    expect(again.healthy).toBe(healthy);
    const fault = corpus.faults[0]!;
    await git(again.repo, ['checkout', '-q', '-b', 'x']);
    expect((await applyRelease(again.repo, fault)).faulty).toBe(releases.get(fault.truth.id)!.faulty);
  });

  it('builds at the healthy tag, passes its own tests, and answers every probe', async () => {
    await checkout(healthy);
    buildNow();
    const suite = await appTests();
    expect(suite.ok, suite.output.slice(-2000)).toBe(true);
    for (const fault of corpus.faults) {
      const probe = await runProbe(work, fault.truth.probe);
      expect(probe.crashed, fault.truth.id).toBe(false);
      healthyRuns.set(fault.truth.id, probe);
    }
  }, 600_000);
});

describe.each(corpus.faults.map((f) => [f.truth.id, f] as const))('fault %s', (id: string, fault: Fault) => {
  it('release and fix apply, both build, and the fault shows on its probe as declared', async () => {
    const truth = fault.truth;
    const release = releases.get(id)!;
    const healthyRun = healthyRuns.get(id);
    expect(healthyRun, 'the healthy probes ran').toBeDefined();

    // The release touches no dependency: one install serves every state.
    const changed = (await git(repo, ['diff', '--name-only', healthy, release.faulty])).split('\n');
    expect(changed).not.toContain('package-lock.json');

    // The fix is a commit on top of the faulty release.
    await git(repo, ['checkout', '-q', '-f', '-B', `fix/${id}`, release.faulty]);
    const fixed = await applyPatch(repo, fault.fix);
    await git(repo, ['checkout', '-q', 'main']);

    // What the truth says about a plain revert holds: it applies when it fixes; when it does not, it conflicts
    // or leaves a tree that no longer builds (a later commit uses what the fault introduced).
    await checkout(release.faulty);
    const revertApplies = await git(work, ['revert', '--no-commit', release.faultSha], IDENTITY).then(
      () => true,
      () => false,
    );
    const revertBuilds =
      revertApplies && !truth.fix.revertFixes ? builder.build().length === 0 : revertApplies;
    await git(work, ['revert', '--quit']);
    await git(work, ['reset', '-q', '--hard']);
    if (truth.fix.revertFixes) expect(revertApplies, 'git revert of the fault commit applies').toBe(true);
    else expect(revertBuilds, 'a plain revert conflicts or does not build').toBe(false);

    // Declared locations exist in the faulty tree and hold the lines the fault commit added.
    const faultPatch = fault.release.find((p) => p.name === truth.faultCommit)!;
    for (const location of truth.locations) {
      const lines = (await git(repo, ['show', `${release.faulty}:${location.file}`])).split('\n');
      for (const [, end] of location.lines) expect(end).toBeLessThanOrEqual(lines.length);
      const added = new Set(
        faultPatch.info.files
          .find((f) => f.path === location.file)
          ?.addedText.map((l) => l.trim())
          .filter((l) => l.length > 3) ?? [],
      );
      if (added.size === 0) continue;
      const declared = location.lines.flatMap(([s, e]) => lines.slice(s - 1, e).map((l) => l.trim()));
      expect(
        declared.some((l) => added.has(l)),
        `${location.file} ${JSON.stringify(location.lines)}`,
      ).toBe(true);
    }

    // Faulty and fixed releases build and answer the probe.
    await checkout(release.faulty);
    buildNow();
    const faultyRun = await runProbe(work, truth.probe);
    if (SUITE_FAULTS.has(id)) {
      const faultySuite = await appTests();
      expect(faultySuite.ok, 'the faulty release passes its own tests').toBe(true);
      await git(work, ['checkout', '-q', fixed, '--', 'test']);
      buildNow();
      const revealing = await appTests();
      expect(revealing.ok, 'the fix tests fail on the fault').toBe(false);
      if (truth.fix.revealingTest) expect(revealing.output).toContain(`not ok`);
      if (truth.fix.revealingTest) expect(revealing.output).toContain(truth.fix.revealingTest.name);
    }
    await checkout(fixed);
    buildNow();
    const fixedRun = await runProbe(work, truth.probe);
    if (SUITE_FAULTS.has(id)) {
      const fixedSuite = await appTests();
      expect(fixedSuite.ok, fixedSuite.output.slice(-2000)).toBe(true);
    }

    const h = healthyRun!;
    // Every declared log template is a real log call of the service, seen in the faulty run or, for a step
    // the fault skips, in the healthy one.
    const messages = [...faultyRun.logs, ...h.logs].map((l) => String(l.msg));
    for (const template of truth.logTemplates) {
      const pattern = templatePattern(template);
      expect(
        messages.some((m) => pattern.test(m)),
        template,
      ).toBe(true);
    }
    if (truth.probe.expectStatus) {
      expect(lastOf(h).status, 'healthy').toBe(truth.probe.expectStatus.healthy);
      expect(lastOf(faultyRun).status, 'faulty').toBe(truth.probe.expectStatus.faulty);
      expect(lastOf(fixedRun).status, 'fixed').toBe(truth.probe.expectStatus.healthy);
    }
    expect(statuses(fixedRun), 'the fix answers like the healthy release').toEqual(statuses(h));
    switch (truth.symptom) {
      case 'error':
        expect(statuses(h).some((s) => s === 0 || s >= 500)).toBe(false);
        expect(statuses(faultyRun).some((s) => s === 0 || s >= 500) || faultyRun.crashed).toBe(true);
        break;
      case 'behaviour':
      case 'coverage':
        expect(observation(faultyRun)).not.toEqual(observation(fixedRun));
        // The same steps as the healthy release; their order is not compared here, because a step that finishes
        // after the response (a declined charge's log line) may be logged before or after `respond`.
        expect([...fixedRun.steps].sort()).toEqual([...h.steps].sort());
        break;
      case 'latency': {
        // Time spent in the declared steps as the service itself logs it (durationMs), not wall time around the
        // request: on a loaded machine the client's view is dominated by scheduling noise.
        const slowdown =
          stepMs(faultyRun, truth.steps) - Math.max(stepMs(h, truth.steps), stepMs(fixedRun, truth.steps));
        expect(
          slowdown,
          `${truth.steps.join(', ')}: faulty ${stepMs(faultyRun, truth.steps)} ms`,
        ).toBeGreaterThanOrEqual(truth.probe.minSlowdownMs!);
        break;
      }
    }
    console.log(
      `[corpus] ${id}: last status healthy ${statuses(h).at(-1)} faulty ${statuses(faultyRun).at(-1)} fixed ` +
        `${statuses(fixedRun).at(-1)}; ms in ${truth.steps.join('+') || '-'}: ${stepMs(h, truth.steps)} / ` +
        `${stepMs(faultyRun, truth.steps)} / ${stepMs(fixedRun, truth.steps)}`,
    );
  }, 300_000);
});
