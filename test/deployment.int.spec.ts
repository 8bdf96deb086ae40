// Stage 6 on the real servers: the sample application's faulty release is on the real forge (Gitea) and serves real
// traffic through the real load balancer (HAProxy, driven by the target's agent). Fixes, stored and validated as the
// earlier stages leave them, are announced with ValidationCompleted; deployment.deploy asks for approval where the
// policy says so, pushes the fix commit, opens the pull request, runs CI on its head commit (the application's own
// suite, posted as the `ci/validation` status), merges, deploys the merge commit as a canary, judges it against the
// stable version under the traffic, and promotes it or rolls it back.
import { execFile, fork, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCommand, buildEvent, outsideBeatMeta, type RunningService } from '@self-healing/shared';
import { beatsOf, type PayloadOf } from '@self-healing/schemas';
import { GiteaForge, pushToForge, type RepoRef } from '@self-healing/shared/forge';
import { loadCatalogue } from '@self-healing/shared/catalogue';
import { materializeFault } from '@self-healing/sample-service';
import { changelogEntry, patchIdOf, withEntry } from '@self-healing/fix-generate';
import { exampleCatalogue, type DeploymentRecord, type RunningAgent } from '@self-healing/target';
import { serviceEnv, testEnvironment, type TestEnvironment } from './src/environment.js';
import { testForge, uniqueName, waitFor } from './src/endpoints.js';
import { startDeployment } from './src/services.js';
import { publishEvent, stageEventsOf, untilRunEnded } from './src/stageEvents.js';
import { withTraffic as trafficWhile } from './src/traffic.js';
import { autoHealing, startTestTarget } from './src/target.js';

const run = promisify(execFile);
const FAULT = 'gb-label-second-line';
const SERVICE = 'checkout';
/** The stage's beats' events, in contract order. */
const ALL_BEATS = beatsOf('deployment.deploy').map((b) => b.event);
const CANARY = { steps: [25, 60], stepDurationMs: 9000 };

let env: TestEnvironment;
let work: string;
let release: Awaited<ReturnType<typeof materializeFault>>;
let forge: GiteaForge;
let repoRef: RepoRef;
let cloneUrl: string;
let agent: RunningAgent | null = null;
let service: RunningService | null = null;
let serviceVars: Record<string, string>;
let child: ChildProcess | null = null;
/** What the target's deployer did, as it records each action. */
const deployments: DeploymentRecord[] = [];

/** A patch of the faulty release, made the way fix.generate makes one: edits in a worktree, diffed against the base. */
async function makePatch(
  name: string,
  edit: (dir: string) => Promise<void>,
  base = release.faulty,
): Promise<{ diff: string; patchId: string; base: string }> {
  const dir = join(work, 'patches', name);
  await run('git', ['-C', release.repo, 'worktree', 'add', '-q', '--detach', dir, base]);
  await edit(dir);
  await run('git', ['-C', dir, 'add', '-A']);
  const { stdout: diff } = await run(
    'git',
    ['-C', dir, 'diff', '--cached', '--no-renames', '--no-color', '--full-index', base],
    { maxBuffer: 64 << 20 },
  );
  return { diff, patchId: patchIdOf(base, diff), base };
}

const theFix = (dir: string) =>
  run('git', ['-C', dir, 'apply', join(release.fault.dir, 'fix.patch')]).then(() => undefined);

/**
 * The fix, plus a change to the product listing that the application's suite never exercises (it asks for pages of
 * 5 products, or the default) and production traffic does on most listings: any request for more than 10 fails.
 * (A first version that failed every explicit page size was caught by CI: the suite asks for `limit=5`.)
 */
async function theFixAndABreakage(dir: string): Promise<void> {
  await theFix(dir);
  const routes = join(dir, 'src', 'http', 'routes.ts');
  const text = await readFile(routes, 'utf8');
  const anchor = "const offset = nonNegativeInt(query.get('offset'), 0, 'offset');";
  if (!text.includes(anchor)) throw new Error('routes.ts changed: the breakage no longer applies');
  await writeFile(
    routes,
    text.replace(
      anchor,
      `${anchor}\n      if (Number(query.get('limit') ?? 0) > 10) throw new Error('pages above 10 products are no longer served');`,
    ),
  );
}

/** Stores the patch and its passed validation as fix.generate and validation.run leave them, and announces it. */
async function announce(
  incidentId: string,
  severity: 'low' | 'medium' | 'high' | 'critical',
  patch: { diff: string; patchId: string; base: string },
): Promise<void> {
  const validationId = `va-${incidentId}`;
  await env.db
    .collection('anomaly_incidents')
    .replaceOne({ _id: incidentId as never }, { severity, service: SERVICE }, { upsert: true });
  await env.db.collection('patches').replaceOne(
    { _id: patch.patchId as never },
    {
      patchId: patch.patchId,
      incidentId,
      diagnosisId: `dg-${incidentId}`,
      repository: cloneUrl,
      baseCommit: patch.base,
      title: 'Print British labels without a second address line',
      description: 'formatAddress no longer reads line2 when the address has none.',
      diff: patch.diff,
      chosen: { strategy: 'null-guard' },
      candidates: [{ strategy: 'null-guard', remedyKind: 'patch' }],
    },
    { upsert: true },
  );
  const checks = [
    { check: 'tests', verdict: 'passed', summary: 'the regression test fails before and passes after' },
    { check: 'coverage', verdict: 'passed', summary: 'changed lines covered' },
  ];
  await env.db.collection('validations').replaceOne(
    { _id: validationId as never },
    {
      validationId,
      incidentId,
      patchId: patch.patchId,
      service: SERVICE,
      repository: cloneUrl,
      baseCommit: patch.base,
      headCommit: null,
      verdict: 'passed',
      checks,
    },
    { upsert: true },
  );
  const payload: PayloadOf<'ValidationCompleted'> = {
    validationId,
    patchId: patch.patchId,
    verdict: 'passed',
    checks: checks.map((c) => ({
      check: c.check as 'tests',
      verdict: 'passed' as const,
      summary: c.summary,
    })),
    headCommit: null,
    document: { collection: 'validations', id: validationId },
  };
  const event = buildEvent(
    'validation.run',
    { type: 'ValidationCompleted', payload },
    {
      ...outsideBeatMeta({
        incidentId,
        seq: 10,
        correlationId: `corr-${incidentId}`,
        occurredAt: Date.now(),
        producer: 'validation/test',
      }),
      sequenceId: 'validation.run',
      beat: 10,
      handler: 'validateCompleted',
    },
  );
  await publishEvent(env, env.topics.validationRunEvents, incidentId, event);
}

const eventsOf = (incidentId: string) => stageEventsOf(env, env.topics.deploymentDeployEvents, incidentId);
const ended = (incidentId: string, timeoutMs = 480_000, afterSeq = 0) =>
  untilRunEnded(env, env.topics.deploymentDeployEvents, incidentId, {
    timeoutMs,
    message: `deployment of ${incidentId}`,
    afterSeq,
  });
/** The commands the stage sent the fix stage for the incident (its next candidate). */
const nextCandidateAsks = async (incidentId: string) =>
  (await stageEventsOf(env, env.topics.commands, incidentId)).filter(
    (e) => e.meta.type === 'GenerateFixCommand',
  );
/** The default branch's file as the forge has it now. */
async function onMain(path: string): Promise<string> {
  await run('git', ['-C', release.repo, 'fetch', '-q', cloneUrl, 'main']);
  return (await run('git', ['-C', release.repo, 'show', `FETCH_HEAD:${path}`], { maxBuffer: 16 << 20 }))
    .stdout;
}
/** Shoppers through the target's frontend while `during` runs. */
const withTraffic = <T>(during: () => Promise<T>) =>
  trafficWhile(`http://127.0.0.1:${agent!.deployer.current().frontendPort}`, during);

beforeAll(async () => {
  env = await testEnvironment('dp');
  work = await mkdtemp(join(tmpdir(), 'deployment-'));
  release = await materializeFault(FAULT, join(work, 'repo'));
  const { url, token } = testForge();
  forge = new GiteaForge({ url, token });
  repoRef = { owner: (await forge.currentUser()).login, name: uniqueName('checkout_dp') };
  // Public: the deployer clones without credentials.
  await forge.ensureRepo(repoRef, {
    private: false,
    description: 'sample checkout service (deployment test)',
  });
  await pushToForge(forge, repoRef, { dir: release.repo, refspecs: ['main:main'] });
  cloneUrl = (await forge.gitRemote(repoRef)).url;

  // The target, as `healctl target up` runs it: HAProxy and the agent, serving the faulty release.
  const example = loadCatalogue(exampleCatalogue()).services[SERVICE]!;
  const target = await startTestTarget({
    work,
    service: SERVICE,
    entry: { ...example, repository: { url: cloneUrl, defaultBranch: 'main' } },
    healing: autoHealing('medium', CANARY),
    catalogueName: 'catalogue.json',
    recorder: (r) => void deployments.push(r),
  });
  agent = target.agent;
  const { cataloguePath, targetHome } = target;
  expect(agent.deployer.current().stable?.commit).toBe(release.faulty);

  serviceVars = serviceEnv(env, {
    CATALOGUE: cataloguePath,
    REPO_CACHE_DIR: join(work, 'repos'),
    DEPLOYMENT_WORK_DIR: join(work, 'deployment'),
    TARGET_HOME: targetHome,
    FORGE_URL: url,
    FORGE_TOKEN: token,
    FORGE_USER: repoRef.owner,
    CI_POLL_MS: '1000',
    REVIEW_POLL_MS: '2000',
    TEST_TIMEOUT_MS: '60000',
    MAX_DISK_MB: '512',
  });
  service = await startDeployment(serviceVars);
}, 600_000);

afterAll(async () => {
  child?.kill('SIGKILL');
  await service?.stop();
  if (agent) {
    await agent.deployer.down().catch(() => undefined);
    await agent.close();
  }
  await env?.mongo.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('deployment.deploy on the real forge, HAProxy and the application', { timeout: 600_000 }, () => {
  let firstMerge = '';
  /** The incident of the chaos test, whose fix is promoted: the rollback test takes it out again. */
  let chaosIncident = '';

  it('a fix that needs a person waits with its pull request open, and goes out after the approval', async () => {
    const incidentId = uniqueName('inc_dp_approve');
    const patch = await makePatch('fix', theFix);
    // A high incident is above what the policy lets the platform do alone.
    await announce(incidentId, 'high', patch);
    const waiting = await waitFor(
      async () => (await eventsOf(incidentId)).find((e) => e.meta.type === 'DeploymentWaiting'),
      { timeoutMs: 120_000, maxIntervalMs: 1000, message: 'the deployment to wait for approval' },
    );
    expect(String((waiting.payload as { reason: string }).reason)).toMatch(/severity-too-high/);
    const before = await eventsOf(incidentId);
    expect(before.map((e) => e.meta.type)).not.toContain('ApprovalChecked');
    // The person asked has a pull request to read before approving.
    const open = await forge.findOpenPullRequest(repoRef, { head: `heal/${incidentId}`, base: 'main' });
    expect(open?.state).toBe('open');
    expect(open?.body).toContain(incidentId);

    const requested = before.find((e) => e.meta.type === 'DeploymentRequested')!
      .payload as PayloadOf<'DeploymentRequested'>;
    const approve: PayloadOf<'ApproveDeploymentCommand'> = {
      incidentId,
      deploymentId: requested.deploymentId,
      patchId: requested.patchId,
      requestedBy: 'user:alice',
      comment: 'read the diff',
    };
    await publishEvent(
      env,
      env.topics.commands,
      incidentId,
      buildCommand('ApproveDeploymentCommand', approve, incidentId, 'healctl'),
    );

    const { value: events, requests } = await withTraffic(() => ended(incidentId));
    expect(events.map((e) => e.meta.type).filter((t) => t !== 'DeploymentWaiting')).toEqual(ALL_BEATS);
    const approval = events.find((e) => e.meta.type === 'ApprovalChecked')!
      .payload as PayloadOf<'ApprovalChecked'>;
    expect(approval).toMatchObject({ status: 'approved', mode: 'person', approver: 'user:alice' });
    const pr = events.find((e) => e.meta.type === 'PullRequestCreated')!
      .payload as PayloadOf<'PullRequestCreated'>;
    // The one opened for review before the approval: recorded then, not opened again.
    expect(pr).toMatchObject({ number: open!.number, existed: false });
    const ci = events.find((e) => e.meta.type === 'CIChecksConcluded')!
      .payload as PayloadOf<'CIChecksConcluded'>;
    expect(ci.conclusion).toBe('success');
    const merged = events.find((e) => e.meta.type === 'PullRequestMerged')!
      .payload as PayloadOf<'PullRequestMerged'>;
    const verified = events.find((e) => e.meta.type === 'DeploymentVerified')!
      .payload as PayloadOf<'DeploymentVerified'>;
    if (!verified.healthy) console.log(JSON.stringify(verified, null, 1));
    expect(verified).toMatchObject({ healthy: true, rolledBack: false });
    expect(verified.checks.map((c) => c.name)).toEqual(['canary.step.25', 'canary.step.60', 'promoted']);
    // Judged against the baseline the policy asks for: the faulty release started afresh with the fix's canary.
    expect(verified.checks[0]!.detail).toContain('on the baseline');
    const done = events.at(-1)!.payload as PayloadOf<'DeploymentCompleted'>;
    expect(done).toMatchObject({
      outcome: 'deployed',
      mergeCommit: merged.mergeCommit,
      pullRequestUrl: open!.htmlUrl,
    });

    // On the forge: merged, its head green; on the target: the merge commit serves everything.
    const onForge = await forge.getPullRequest(repoRef, open!.number);
    expect(onForge.state).toBe('merged');
    expect(
      (await forge.getCombinedStatus(repoRef, ci.headCommit)).statuses.find(
        (s) => s.context === 'ci/validation',
      )?.state,
    ).toBe('success');
    const state = agent!.deployer.current();
    expect(state.stable?.commit).toBe(merged.mergeCommit);
    expect(state.canary).toBeNull();
    // The canary served real requests before it took everything, and the fix broke none of them.
    const byFix = requests.filter((r) => r.server?.startsWith(state.stable!.group));
    const byFaulty = requests.filter((r) => r.server && !r.server.startsWith(state.stable!.group));
    expect(byFix.length).toBeGreaterThan(30);
    expect(byFix.filter((r) => r.status >= 500 || r.status === 0)).toEqual([]);
    // The faulty release failed British shoppers meanwhile: the fix is what the canary judge saw improve.
    expect(byFaulty.some((r) => r.status === 500)).toBe(true);
    firstMerge = merged.mergeCommit;
  });

  it('a fix that is bad in production is rolled back at its first canary step', async () => {
    expect(firstMerge).not.toBe('');
    const incidentId = uniqueName('inc_dp_bad');
    const patch = await makePatch('bad', theFixAndABreakage);
    await announce(incidentId, 'medium', patch);
    const { value: all, requests } = await withTraffic(() => ended(incidentId));
    if (all.at(-1)!.meta.type !== 'DeploymentCompleted') console.log(JSON.stringify(all.at(-1)!.payload));
    // The canary's looks between beats are waits; the beats' own events come in contract order.
    const events = all.filter((e) => e.meta.type !== 'DeploymentWaiting');
    expect(events.map((e) => e.meta.type)).toEqual(ALL_BEATS);
    expect((events[2]!.payload as PayloadOf<'ApprovalChecked'>).mode).toBe('policy');
    // The suite never asks for more than 10 products: CI passes it.
    expect((events[6]!.payload as PayloadOf<'CIChecksConcluded'>).conclusion).toBe('success');
    const verified = events[9]!.payload as PayloadOf<'DeploymentVerified'>;
    expect(verified).toMatchObject({ healthy: false, rolledBack: true });
    expect(verified.rollbackReason).toMatch(/canary unhealthy: errors \d+\/\d+ on the canary/);
    const done = events[10]!.payload as PayloadOf<'DeploymentCompleted'>;
    expect(done.outcome).toBe('rolled_back');

    // The bad fix is out of the default branch again (a revert pull request that went through CI and merged), and
    // the fix stage is asked for the next candidate, once.
    expect(done.revertFailure).toBeNull();
    expect(done.revertPullRequestUrl).toMatch(/\/pulls\/\d+$/);
    const revertPr = await forge.getPullRequest(
      repoRef,
      Number(done.revertPullRequestUrl!.split('/').at(-1)),
    );
    expect(revertPr.state).toBe('merged');
    expect(revertPr.head.ref).toBe(`revert/${incidentId}`);
    expect(await onMain('src/http/routes.ts')).not.toContain('pages above 10 products');
    expect(await onMain('src/shipping/address.ts')).toContain('line2');
    const asks = await nextCandidateAsks(incidentId);
    expect(asks).toHaveLength(1);
    expect(asks[0]!.payload).toMatchObject({
      incidentId,
      diagnosisId: `dg-${incidentId}`,
      recommendationIds: [],
      requestedBy: 'stage:deployment.deploy',
    });
    expect((asks[0]!.payload as PayloadOf<'GenerateFixCommand'>).comment).toContain(patch.patchId);

    // The stable version serves alone again, and only the canary's share of requests met the bad fix.
    const state = agent!.deployer.current();
    expect(state.stable?.commit).toBe(firstMerge);
    expect(state.canary).toBeNull();
    const failed = requests.filter((r) => r.status >= 500 || r.status === 0);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.length / requests.length).toBeLessThan(CANARY.steps[0]! / 100);
  });

  it('a rejected fix closes its pull request and deploys nothing', async () => {
    const incidentId = uniqueName('inc_dp_reject');
    const patch = await makePatch('rejected', theFix);
    await announce(incidentId, 'critical', patch);
    await waitFor(async () => (await eventsOf(incidentId)).some((e) => e.meta.type === 'DeploymentWaiting'), {
      timeoutMs: 120_000,
      maxIntervalMs: 1000,
      message: 'the deployment to wait for approval',
    });
    const requested = (await eventsOf(incidentId))[0]!.payload as PayloadOf<'DeploymentRequested'>;
    const reject: PayloadOf<'RejectDeploymentCommand'> = {
      incidentId,
      deploymentId: requested.deploymentId,
      patchId: requested.patchId,
      reason: 'we would rather revert the release',
      requestedBy: 'user:bob',
      comment: null,
    };
    await publishEvent(
      env,
      env.topics.commands,
      incidentId,
      buildCommand('RejectDeploymentCommand', reject, incidentId, 'healctl'),
    );
    const events = await ended(incidentId, 120_000);
    const last = events.at(-1)!;
    expect(last.meta.type).toBe('DeploymentRejected');
    expect((last.payload as PayloadOf<'DeploymentRejected'>).reasons[0]).toMatchObject({
      code: 'rejected-by-person',
    });
    expect((last.payload as PayloadOf<'DeploymentRejected'>).reasons[0]!.message).toContain('user:bob');
    const pr = await forge.findOpenPullRequest(repoRef, { head: `heal/${incidentId}`, base: 'main' });
    expect(pr).toBeUndefined();
    expect(agent!.deployer.current().canary).toBeNull();
  });

  it('killed at every beat and mid-canary, it opens one pull request, merges once and deploys once', async () => {
    const merged = agent!.deployer.current().stable!.commit;
    expect(merged).toBe(firstMerge);
    // The same consumer group, now in a process of its own that is SIGKILLed again and again.
    await service?.stop();
    service = null;
    const main = join(import.meta.dirname, '..', 'services', 'deployment', 'src', 'main.ts');
    // Its stderr is kept: a process that dies by itself (not killed here) says why.
    const stderr = openSync(join(work, 'deployment-chaos.log'), 'a');
    const start = () =>
      fork(main, [], {
        env: {
          ...process.env,
          ...serviceVars,
          HTTP_PORT: '0',
          SESSION_TIMEOUT_MS: '6000',
          LOG_LEVEL: 'warn',
        },
        execArgv: ['--conditions=development', '--import', 'tsx'],
        stdio: ['ignore', 'ignore', stderr, 'ipc'],
      });
    const exited = (p: ChildProcess) => p.exitCode !== null || p.signalCode !== null;
    // A small fix on main as it is now (the bad fix was reverted there when its canary rolled it back).
    await run('git', ['-C', release.repo, 'fetch', '-q', cloneUrl, 'main']);
    const head = (await run('git', ['-C', release.repo, 'rev-parse', 'FETCH_HEAD'])).stdout.trim();
    const patch = await makePatch(
      'chaos',
      async (dir) => {
        const routes = join(dir, 'src', 'http', 'routes.ts');
        const text = await readFile(routes, 'utf8');
        if (text.includes('pages above 10 products')) throw new Error('main still carries the breakage');
        await writeFile(routes, `${text}\n// Reviewed after incident: listing pages are served whole.\n`);
      },
      head,
    );
    const incidentId = uniqueName('inc_dp_chaos');
    chaosIncident = incidentId;
    const before = deployments.length;
    child = start();
    await announce(incidentId, 'medium', patch);

    const { value: events } = await withTraffic(async () => {
      const killedAt: string[] = [];
      let seen = 0;
      let killedInCanary = false;
      for (const deadline = Date.now() + 480_000; Date.now() < deadline;) {
        const now = await eventsOf(incidentId);
        const beats = now.filter((e) => e.meta.type !== 'DeploymentWaiting');
        if (beats.some((e) => /(Completed|Rejected|Failed)$/.test(e.meta.type))) return { now, killedAt };
        const inCanary =
          beats.at(-1)?.meta.type === 'DeployedToProduction' && now.at(-1)?.meta.type === 'DeploymentWaiting';
        if (exited(child!)) {
          // Nothing may take the service down but the kills below.
          const log = await readFile(join(work, 'deployment-chaos.log'), 'utf8');
          throw new Error(`the service exited by itself (${child!.exitCode}): ${log.slice(-2000)}`);
        }
        if (beats.length > seen || (inCanary && !killedInCanary)) {
          // Each new beat event: the next beat has just begun. Kill it there, and once while the canary runs.
          if (beats.length > seen) seen = beats.length;
          else killedInCanary = true;
          killedAt.push(inCanary && killedInCanary ? 'canary step' : (beats.at(-1)?.meta.type ?? 'start'));
          const dying = new Promise((r) => child!.once('exit', r));
          child!.kill('SIGKILL');
          await dying;
          child = start();
        }
        await new Promise((r) => setTimeout(r, 150));
      }
      throw new Error(`the chaos run did not end; killed after ${killedAt.join(', ')}`);
    });
    const beats = events.now.filter((e) => e.meta.type !== 'DeploymentWaiting');
    if (beats.at(-1)!.meta.type !== 'DeploymentCompleted') console.log(JSON.stringify(beats.at(-1)!.payload));
    expect(beats.map((e) => e.meta.type)).toEqual(ALL_BEATS);
    // Beats that follow each other within one look are killed once between them: most beats, not every one.
    console.log(`deployment chaos: SIGKILLed after ${events.killedAt.join(', ')}`);
    expect(events.killedAt.length).toBeGreaterThanOrEqual(6);
    expect(events.killedAt).toContain('canary step');
    const done = beats.at(-1)!.payload as PayloadOf<'DeploymentCompleted'>;
    expect(done.outcome).toBe('deployed');

    // Exactly once, as the forge and the deployer saw it.
    const { url, token } = testForge();
    const pulls = (await (
      await fetch(`${url}/api/v1/repos/${repoRef.owner}/${repoRef.name}/pulls?state=all&limit=50`, {
        headers: { authorization: `token ${token}` },
      })
    ).json()) as Array<{ head: { ref: string }; merged: boolean }>;
    const ours = pulls.filter((p) => p.head.ref === `heal/${incidentId}`);
    expect(ours).toHaveLength(1);
    expect(ours[0]!.merged).toBe(true);
    await run('git', ['-C', release.repo, 'fetch', '-q', cloneUrl, 'main']);
    const merges = (
      await run('git', ['-C', release.repo, 'log', '--merges', '--format=%s', 'FETCH_HEAD'])
    ).stdout
      .split('\n')
      .filter((l) => l.includes(`heal/${incidentId}`));
    expect(merges).toHaveLength(1);
    const actions = deployments
      .slice(before)
      .filter((d) => d.commit === done.mergeCommit && d.outcome === 'succeeded');
    expect(actions.map((d) => `${d.action} ${d.trafficPercent}`)).toEqual([
      'canary 25',
      'shift 60',
      'promote 100',
    ]);
    const state = agent!.deployer.current();
    expect(state.stable?.commit).toBe(done.mergeCommit);
    expect(state.canary).toBeNull();
  });

  it('a fix that conflicts with the moved-on default branch is refused at the merge, its pull request left for people', async () => {
    const incidentId = uniqueName('inc_dp_conflict');
    // Another fix of the same lines, made on the faulty release: main has had the first fix merged since.
    const patch = await makePatch('conflict', async (dir) => {
      const file = join(dir, 'src', 'shipping', 'address.ts');
      const text = await readFile(file, 'utf8');
      const bug = "  if (address.country === 'GB') lines.push(address.line2!.toUpperCase());";
      if (!text.includes(bug)) throw new Error('address.ts changed: the conflict no longer applies');
      await writeFile(
        file,
        text.replace(
          bug,
          "  if (address.country === 'GB' && address.line2) lines.push(address.line2.toUpperCase());",
        ),
      );
    });
    await announce(incidentId, 'medium', patch);
    const events = (await ended(incidentId)).filter((e) => e.meta.type !== 'DeploymentWaiting');
    expect(events.map((e) => e.meta.type)).toEqual([...ALL_BEATS.slice(0, 7), 'DeploymentRejected']);
    const reason = (events.at(-1)!.payload as PayloadOf<'DeploymentRejected'>).reasons[0]!;
    expect(reason.code).toBe('merge-refused');
    expect(reason.message).toMatch(/conflicts with the default branch/);
    const open = await forge.findOpenPullRequest(repoRef, { head: `heal/${incidentId}`, base: 'main' });
    expect(open?.state).toBe('open');
  });

  it('a fix whose only conflict is a changelog entry merged first is replayed on the moved-on branch, through CI again, and merged', async () => {
    // Another fix of the service merged first, through its own pull request and CI: it wrote the changelog.
    await run('git', ['-C', release.repo, 'fetch', '-q', cloneUrl, 'main']);
    const mainHead = (await run('git', ['-C', release.repo, 'rev-parse', 'FETCH_HEAD'])).stdout.trim();
    const otherEntry = changelogEntry({
      incidentId: 'inc-merged-first',
      symptom: 'Labels printed twice',
      cause: 'A loop ran once more.',
      change: 'It stops at the last label.',
    });
    const other = await makePatch(
      'merged-first',
      async (dir) => {
        const log = withEntry(null, otherEntry);
        await writeFile(join(dir, log.path), log.text);
      },
      mainHead,
    );
    const otherDir = join(work, 'patches', 'merged-first');
    await run('git', ['-C', otherDir, 'commit', '-q', '-m', 'Changelog: labels printed twice'], {
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'dev',
        GIT_AUTHOR_EMAIL: 'dev@example.org',
        GIT_COMMITTER_NAME: 'dev',
        GIT_COMMITTER_EMAIL: 'dev@example.org',
      },
    });
    const otherCommit = (await run('git', ['-C', otherDir, 'rev-parse', 'HEAD'])).stdout.trim();
    expect(other.diff).toContain('CHANGELOG.md');
    await pushToForge(forge, repoRef, {
      dir: otherDir,
      refspecs: [`${otherCommit}:refs/heads/other/changelog`],
    });
    const { pr: otherPr } = await forge.ensurePullRequest(repoRef, {
      head: 'other/changelog',
      base: 'main',
      title: 'Changelog: labels printed twice',
      body: 'merged before the platform fix below',
    });
    await forge.createCommitStatus(repoRef, otherCommit, {
      state: 'success',
      context: 'ci/validation',
      description: 'green',
    });
    expect(
      (await forge.mergePullRequest(repoRef, otherPr.number, { method: 'merge', sha: otherCommit })).kind,
    ).not.toBe('refused');

    // The platform's fix, made on the faulty release as validation saw it: a code change of its own, and its entry
    // at the same place of a changelog that did not exist then.
    const incidentId = uniqueName('inc_dp_replay');
    const patch = await makePatch('replay', async (dir) => {
      const ids = join(dir, 'src', 'ids.ts');
      await writeFile(ids, `// Identifiers are opaque to callers.\n${await readFile(ids, 'utf8')}`);
      const log = withEntry(
        null,
        changelogEntry({ incidentId, symptom: 'Opaque ids', cause: 'A cause.', change: 'A change.' }),
      );
      await writeFile(join(dir, log.path), log.text);
    });
    await announce(incidentId, 'medium', patch);
    const { value: all } = await withTraffic(() => ended(incidentId));
    const events = all.filter((e) => e.meta.type !== 'DeploymentWaiting');
    if (events.at(-1)!.meta.type !== 'DeploymentCompleted')
      console.log(JSON.stringify(events.at(-1)!.payload));
    expect(events.map((e) => e.meta.type)).toEqual(ALL_BEATS);
    const pushed = (events[4]!.payload as PayloadOf<'ChangesApplied'>).commit;
    const ci = events[6]!.payload as PayloadOf<'CIChecksConcluded'>;
    expect(ci).toMatchObject({ conclusion: 'success', headCommit: pushed });
    // One pull request, merged from a replay of the fix on the branch as the other fix left it, with its own CI.
    const pr = events[5]!.payload as PayloadOf<'PullRequestCreated'>;
    const onForge = await forge.getPullRequest(repoRef, pr.number);
    expect(onForge.state).toBe('merged');
    const replayed = onForge.head.sha;
    expect(replayed).not.toBe(pushed);
    const parents = (
      await run('git', ['-C', release.repo, 'fetch', '-q', cloneUrl, 'main']).then(() =>
        run('git', ['-C', release.repo, 'log', '-1', '--format=%P', replayed]),
      )
    ).stdout.trim();
    expect(parents.split(' ')).toHaveLength(1);
    const status = await forge.getCombinedStatus(repoRef, replayed);
    expect(status.statuses.find((x) => x.context === 'ci/validation')?.state).toBe('success');
    const merged = events[7]!.payload as PayloadOf<'PullRequestMerged'>;
    expect(merged.headCommit).toBe(replayed);
    expect(merged.replayedOnto).toEqual([parents]);
    const changelog = await onMain('CHANGELOG.md');
    expect(changelog.match(/^## Unreleased$/gm)).toHaveLength(1);
    expect(changelog).toContain('incident inc-merged-first');
    expect(changelog).toContain('- Fixed: Opaque ids (incident');
    expect(await onMain('src/ids.ts')).toMatch(/^\/\/ Identifiers are opaque to callers\./);
    const done = events[10]!.payload as PayloadOf<'DeploymentCompleted'>;
    expect(done).toMatchObject({ outcome: 'deployed', mergeCommit: merged.mergeCommit });
    expect(agent!.deployer.current().stable?.commit).toBe(merged.mergeCommit);
  });

  it('a promoted fix is taken out again through the same beats: revert pull request, CI, merge, canary', async () => {
    expect(chaosIncident).not.toBe('');
    const incidentId = chaosIncident;
    const first = await eventsOf(incidentId);
    const promoted = first.at(-1)!.payload as PayloadOf<'DeploymentCompleted'>;
    expect(promoted.outcome).toBe('deployed');
    const rollback: PayloadOf<'RollbackDeploymentCommand'> = {
      incidentId,
      deploymentId: promoted.deploymentId,
      reason: 'learning measured more errors after it',
      nextCandidate: true,
      requestedBy: 'stage:learning.track',
      comment: null,
    };
    const command = buildCommand('RollbackDeploymentCommand', rollback, incidentId, 'test');
    await publishEvent(env, env.topics.commands, incidentId, command);
    // A second copy of the command (a redelivery, an operator's replay) starts nothing more.
    await publishEvent(env, env.topics.commands, incidentId, command);
    const lastSeq = first.at(-1)!.meta.seq;
    const { value: all } = await withTraffic(() => ended(incidentId, 480_000, lastSeq));
    const events = all.filter((e) => e.meta.type !== 'DeploymentWaiting');
    if (events.at(-1)!.meta.type !== 'DeploymentCompleted')
      console.log(JSON.stringify(events.at(-1)!.payload));
    expect(events.map((e) => e.meta.type)).toEqual(ALL_BEATS);
    const requested = events[0]!.payload as PayloadOf<'DeploymentRequested'>;
    expect(requested.rollbackOf).toBe(promoted.deploymentId);
    expect(requested.deploymentId).not.toBe(promoted.deploymentId);
    expect((events[2]!.payload as PayloadOf<'ApprovalChecked'>).status).toBe('approved');
    const pr = events[5]!.payload as PayloadOf<'PullRequestCreated'>;
    const onForge = await forge.getPullRequest(repoRef, pr.number);
    expect(onForge.head.ref).toBe(`revert/${incidentId}-2`);
    expect(onForge.state).toBe('merged');
    const done = events[10]!.payload as PayloadOf<'DeploymentCompleted'>;
    expect(done).toMatchObject({ outcome: 'deployed', rollbackOf: promoted.deploymentId });
    expect(await onMain('src/http/routes.ts')).not.toContain('listing pages are served whole');
    // The revert serves, and the incident goes on to its next candidate.
    expect(agent!.deployer.current().stable?.commit).toBe(done.mergeCommit);
    const asks = await nextCandidateAsks(incidentId);
    expect(asks).toHaveLength(1);
    expect((asks[0]!.payload as PayloadOf<'GenerateFixCommand'>).comment).toContain(
      'learning measured more errors after it',
    );
    // One rollback run: the second copy of the command was not a third round.
    expect((await eventsOf(incidentId)).filter((e) => e.meta.type === 'DeploymentRequested')).toHaveLength(2);
  });

  it('a fix whose service never becomes healthy is not deployed, and the stable version keeps serving', async () => {
    const stable = agent!.deployer.current().stable!.commit;
    const incidentId = uniqueName('inc_dp_unhealthy');
    await run('git', ['-C', release.repo, 'fetch', '-q', cloneUrl, 'main']);
    const head = (await run('git', ['-C', release.repo, 'rev-parse', 'FETCH_HEAD'])).stdout.trim();
    // The suite never starts the server: this passes CI and dies at every start in production.
    const patch = await makePatch(
      'unhealthy',
      async (dir) => {
        const file = join(dir, 'src', 'main.ts');
        const text = await readFile(file, 'utf8');
        const anchor = '  const logger = createLogger();';
        await writeFile(
          file,
          text.replace(
            anchor,
            `${anchor}\n  if (process.env.PORT) throw new Error('PAYMENT_KEY is required');`,
          ),
        );
      },
      head,
    );
    await announce(incidentId, 'medium', patch);
    const events = (await ended(incidentId)).filter((e) => e.meta.type !== 'DeploymentWaiting');
    expect(events.map((e) => e.meta.type)).toEqual([...ALL_BEATS.slice(0, 8), 'DeploymentRejected']);
    const reason = (events.at(-1)!.payload as PayloadOf<'DeploymentRejected'>).reasons[0]!;
    expect(reason.code).toBe('deploy-failed');
    expect(reason.message).toContain(`${stable.slice(0, 12)} still serves`);
    const state = agent!.deployer.current();
    expect(state.stable?.commit).toBe(stable);
    expect(state.canary).toBeNull();
    const res = await fetch(`http://127.0.0.1:${state.frontendPort}/healthz`);
    expect(res.status).toBe(200);
  });
});
