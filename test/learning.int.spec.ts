// Stage 7 on the real servers: deployments as deployment.deploy records them, incidents and findings as
// anomaly-detect stores them, and the window aggregates telemetry-parse stores for the incident's error template,
// before, during and after each fix. learning.track waits out each fix's observation window (a durable timer), judges
// it against the incident's series, counts the outcome once in the remedy models diagnosis ranks with, and announces
// it. Killed while it waits and while it updates the models, it counts every outcome once.
import { fork, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DetectionEventStore, buildEvent, outsideBeatMeta, type RunningService } from '@self-healing/shared';
import { beatsOf, type PayloadOf, type TemplatedEvent, type WindowAggregate } from '@self-healing/schemas';
import { rateFor } from '@self-healing/diagnosis';
import { serviceEnv, testEnvironment, type TestEnvironment } from './src/environment.js';
import { uniqueName, waitFor } from './src/endpoints.js';
import { startLearning } from './src/services.js';
import { storeAsParseRun } from './src/parseRuns.js';
import { publishEvent, stageEventsOf, untilRunEnded } from './src/stageEvents.js';

const SERVICE = 'checkout';
const templateOf = (incidentId: string) => `t-${incidentId}`;
const WINDOW = 10_000;
const BEATS = beatsOf('learning.track').map((b) => b.event);
/** An incident of values: what a release charged instead of what the service charged before. */
const OLD_AMOUNTS = ['24.85', '39.85', '61.80'];
const NEW_AMOUNTS = ['29.80', '44.80', '66.75'];
const LINES_PER_WINDOW = 6;

let env: TestEnvironment;
let vars: Record<string, string>;
let service: RunningService | null = null;
let child: ChildProcess | null = null;

/**
 * One incident fixed by a guard: its error template at about 0.3 errors per 10 s before the onset, `during` errors
 * per window until the deployment, `after` per window once it is out. `observedFor` is the observation window; the
 * deployment ends `deployedAgo` ms before now.
 */
async function seed(p: {
  incidentId: string;
  during: number;
  after: number;
  deployedAgo: number;
  observeForMs: number;
  rolledBack?: boolean;
  /**
   * An incident of values instead of errors: the release charged NEW_AMOUNTS (an `unseen-values` finding names them)
   * and the fix charges OLD_AMOUNTS again (`restored`) or still the new ones (`kept`). Lines go to the detection
   * events as a parse run keeps them, `during`/`after` are then unused.
   */
  values?: 'restored' | 'kept';
  /**
   * An incident of a skipped step: the release stopped confirming half the orders it charged (a `missing-companion`
   * finding: the confirmation line no longer accompanies the charge line), and the fix confirms them all again
   * (`restored`) or not (`kept`). Sessions go to the detection events like `values`' lines.
   */
  companions?: 'restored' | 'kept';
  /** The service, `checkout` unless a test needs one no other incident of this file touches. */
  service?: string;
}): Promise<{ deploymentId: string }> {
  const service = p.service ?? SERVICE;
  const deployedAt = Math.floor((Date.now() - p.deployedAgo) / WINDOW) * WINDOW;
  const onset = deployedAt - 12 * WINDOW;
  const deploymentId = `dp-${p.incidentId}`;
  const patchId = `pt-${p.incidentId}`;
  const diagnosisId = `dg-${p.incidentId}`;
  const findingId = `f-${p.incidentId}`;
  // Each incident its own template: the incidents of this file overlap in time on one service.
  const template = templateOf(p.incidentId);
  await env.db.collection('anomaly_findings').insertOne({
    _id: findingId as never,
    id: findingId,
    ...(p.values
      ? { kind: 'behavioral', rule: 'unseen-values', subject: `${template}#1` }
      : p.companions
        ? { kind: 'behavioral', rule: 'missing-companion', subject: template }
        : { kind: 'error', rule: 'error-burst', subject: template }),
    service: service,
    templateIds: p.companions ? [template, `${template}-charged`] : [template],
    since: onset,
    at: deployedAt,
    magnitude: 8,
    explanation: p.values
      ? 'amounts charged never seen before'
      : p.companions
        ? 'orders charged without a confirmation'
        : 'label errors',
    evidence: p.values
      ? { parameter: 1, newValueList: JSON.stringify(NEW_AMOUNTS) }
      : p.companions
        ? { companionOf: `${template}-charged` }
        : {},
  });
  await env.db.collection('anomaly_incidents').insertOne({
    _id: p.incidentId as never,
    service: service,
    severity: 'medium',
    openedAt: onset + WINDOW,
    lastSeen: deployedAt,
    findingIds: [findingId],
  });
  await env.db.collection('diagnoses').insertOne({
    _id: diagnosisId as never,
    diagnosisId,
    incidentId: p.incidentId,
    issues: [
      {
        kind: 'error',
        title: 'TypeError in formatAddress',
        evidence: { errorTemplate: "TypeError: Cannot read properties of undefined (reading 'trim')" },
        lines: [{ path: 'src/shipping/labels.ts', line: 42, symbol: 'formatAddress' }],
        innermostFrame: { path: 'src/shipping/labels.ts', line: 42 },
      },
    ],
    remedyKinds: { 'r-1': 'guard' },
  });
  await env.db.collection('patches').insertOne({
    _id: patchId as never,
    patchId,
    incidentId: p.incidentId,
    diagnosisId,
    diff: 'diff --git a/src/shipping/labels.ts b/src/shipping/labels.ts\n',
    chosen: { strategy: 'null-guard', remedyId: 'r-1' },
  });
  await env.db.collection('deployment_cases').insertOne({
    _id: p.incidentId as never,
    incidentId: p.incidentId,
    deploymentId,
    patchId,
    loaded: { service: service, strategy: 'null-guard', remedyKind: 'patch' },
    pullRequest: { url: `http://forge/pulls/${p.incidentId}` },
    rollout: { finishedAt: deployedAt, version: '1.5.1', commit: 'c'.repeat(40) },
    verification: { healthy: !p.rolledBack, rolledBack: !!p.rolledBack },
  });
  // The error template's windows, as telemetry-parse stores them: 60 before the onset, 12 during, then after.
  const windows: WindowAggregate[] = [];
  const lines: TemplatedEvent[] = [];
  for (let t = onset - 60 * WINDOW; t < deployedAt + p.observeForMs; t += WINDOW) {
    const errors = t < onset ? ((t / WINDOW) % 3 === 0 ? 1 : 0) : t < deployedAt ? p.during : p.after;
    if (p.values) {
      const newOnes = t >= onset && (t < deployedAt || p.values === 'kept');
      for (let i = 0; i < LINES_PER_WINDOW; i++)
        lines.push({
          timestamp: t + i * 1_000,
          service: service,
          host: null,
          level: 'info',
          component: null,
          templateId: template,
          template: 'charged <*> EUR to card <*>',
          params: [(newOnes ? NEW_AMOUNTS : OLD_AMOUNTS)[i % 3]!, '4242'],
          traceId: `tr-${t}-${i}`,
          spanId: null,
          sessionId: null,
          numbers: {},
          stack: [],
        });
    }
    if (p.companions) {
      const skipping = t >= onset && (t < deployedAt || p.companions === 'kept');
      for (let i = 0; i < LINES_PER_WINDOW; i++) {
        const session = { traceId: null, spanId: null, sessionId: `s-${t}-${i}`, numbers: {}, stack: [] };
        const line = { service, host: null, level: 'info' as const, component: null, params: [], ...session };
        lines.push({
          ...line,
          timestamp: t + i * 1_000,
          templateId: `${template}-charged`,
          template: 'charged',
        });
        if (!skipping || i % 2 === 0)
          lines.push({
            ...line,
            timestamp: t + i * 1_000 + 300,
            templateId: template,
            template: 'confirmed',
          });
      }
    }
    windows.push({
      service: service,
      templateId: template,
      template: p.values ? 'charged <*> EUR to card <*>' : 'label failed: <*>',
      windowStart: t,
      windowMs: WINDOW,
      count: p.values || p.companions ? LINES_PER_WINDOW : errors,
      errorCount: p.values || p.companions ? 0 : errors,
      latency: null,
      latencySketch: null,
      firstSeen: t,
      lastSeen: t + WINDOW - 1,
      newTemplate: false,
    });
  }
  // Only the windows that have closed by now exist; the rest arrive while the run waits.
  const closed = windows.filter((w) => w.windowStart + WINDOW <= Date.now());
  const later = windows.filter((w) => w.windowStart + WINDOW > Date.now());
  const store = async (runId: string, part: WindowAggregate[]) => {
    const from = part[0]!.windowStart;
    const until = part.at(-1)!.windowStart + WINDOW;
    const kept = lines.filter((e) => e.timestamp >= from && e.timestamp < until);
    // The events first: the run's document, written last, is what makes the run visible to readers.
    if (kept.length) await new DetectionEventStore(env.db).write(runId, kept);
    await storeAsParseRun(env.db, runId, part);
  };
  if (closed.length) await store(`parse-${p.incidentId}`, closed);
  if (later.length)
    setTimeout(
      () => void store(`parse-${p.incidentId}-later`, later),
      Math.max(0, Math.max(...later.map((w) => w.windowStart + WINDOW)) - Date.now()),
    );
  return { deploymentId };
}

async function completeDeployment(
  incidentId: string,
  deploymentId: string,
  rolledBack = false,
): Promise<void> {
  const payload: PayloadOf<'DeploymentCompleted'> = {
    deploymentId,
    patchId: `pt-${incidentId}`,
    outcome: rolledBack ? 'rolled_back' : 'deployed',
    environment: 'production',
    mergeCommit: 'c'.repeat(40),
    pullRequestUrl: `http://forge/pulls/${incidentId}`,
    deployedAt: Date.now(),
    revertPullRequestUrl: null,
    revertFailure: null,
    rollbackOf: null,
  };
  await publishEvent(
    env,
    env.topics.deploymentDeployEvents,
    incidentId,
    buildEvent(
      'deployment.deploy',
      { type: 'DeploymentCompleted', payload },
      {
        ...outsideBeatMeta({
          incidentId,
          seq: 11,
          correlationId: `corr-${incidentId}`,
          occurredAt: Date.now(),
          producer: 'deployment/test',
        }),
        sequenceId: 'deployment.deploy',
        beat: 11,
        handler: 'deployCompleted',
      },
    ),
  );
}

const tracked = async (incidentId: string, timeoutMs = 120_000) => {
  const events = await untilRunEnded(env, env.topics.learningTrackEvents, incidentId, {
    timeoutMs,
    message: `tracking of ${incidentId}`,
  });
  return events.filter((e) => e.meta.type !== 'EffectivenessTrackingWaiting');
};

beforeAll(async () => {
  env = await testEnvironment('lt');
  vars = serviceEnv(env, {
    OBSERVE_FOR_MS: String(6 * WINDOW),
    SETTLE_MS: '0',
    BASELINE_MS: String(60 * WINDOW),
    TELEMETRY_LAG_MS: '3000',
  });
  service = await startLearning(vars);
}, 120_000);

afterAll(async () => {
  child?.kill('SIGKILL');
  await service?.stop();
  await env?.mongo.close();
});

describe('learning.track on the real servers', { timeout: 300_000 }, () => {
  it('a fix that stops the errors resolves the incident, after its observation window', async () => {
    const incidentId = uniqueName('inc_lt_resolved');
    // Deployed 20 s ago: the observation runs for 40 s more, and the run waits for it.
    const { deploymentId } = await seed({
      incidentId,
      during: 8,
      after: 0,
      deployedAgo: 20_000,
      observeForMs: 6 * WINDOW,
    });
    const started = Date.now();
    await completeDeployment(incidentId, deploymentId);
    const events = await tracked(incidentId);
    expect(events.map((e) => e.meta.type)).toEqual(BEATS);
    expect(Date.now() - started).toBeGreaterThan(30_000);
    const all = await stageEventsOf(env, env.topics.learningTrackEvents, incidentId);
    expect(all.some((e) => e.meta.type === 'EffectivenessTrackingWaiting')).toBe(true);
    const compared = events[3]!.payload as PayloadOf<'MetricsCompared'>;
    expect(compared.comparisons).toHaveLength(1);
    expect(compared.comparisons[0]).toMatchObject({
      metric: 'errors',
      verdict: 'improved',
      subject: templateOf(incidentId),
    });
    const done = events.at(-1)!.payload as PayloadOf<'EffectivenessTrackingCompleted'>;
    expect(done).toMatchObject({
      outcome: 'resolved',
      resolvesIncident: true,
      findingsCleared: 1,
      improvementScore: 1,
    });
    const doc = await env.db.collection('learning_effectiveness').findOne({ _id: incidentId as never });
    expect(doc?.summary).toMatch(/null-guard \(guard\) resolved the incident/);
  });

  it('a fix that does nothing ends no_change; one that makes it worse ends regressed; a rolled-back canary counts as a failure', async () => {
    const same = uniqueName('inc_lt_same');
    const worse = uniqueName('inc_lt_worse');
    const rolled = uniqueName('inc_lt_rolled');
    const a = await seed({
      incidentId: same,
      during: 8,
      after: 8,
      deployedAgo: 30 * WINDOW,
      observeForMs: 6 * WINDOW,
    });
    const b = await seed({
      incidentId: worse,
      during: 8,
      after: 20,
      deployedAgo: 30 * WINDOW,
      observeForMs: 6 * WINDOW,
    });
    const c = await seed({
      incidentId: rolled,
      during: 8,
      after: 8,
      deployedAgo: 30 * WINDOW,
      observeForMs: 6 * WINDOW,
      rolledBack: true,
    });
    await completeDeployment(same, a.deploymentId);
    await completeDeployment(worse, b.deploymentId);
    await completeDeployment(rolled, c.deploymentId, true);
    const outcome = async (id: string) =>
      ((await tracked(id)).at(-1)!.payload as PayloadOf<'EffectivenessTrackingCompleted'>).outcome;
    expect(await outcome(same)).toBe('no_change');
    expect(await outcome(worse)).toBe('regressed');
    expect(await outcome(rolled)).toBe('regressed');
    const assessed = (await tracked(worse))[5]!.payload as PayloadOf<'SuccessAssessed'>;
    expect(assessed.rollbackRecommended).toBe(true);
    // What follows: the fix that changed nothing and the one that made things worse are taken out again through the
    // deployment stage, and the next candidate asked for; the canary that rolled back already did both.
    const asks = async (id: string) =>
      (await stageEventsOf(env, env.topics.commands, id))
        .filter((e) => e.meta.type === 'RollbackDeploymentCommand')
        .map((e) => e.payload as PayloadOf<'RollbackDeploymentCommand'>);
    for (const [id, deploymentId, wording] of [
      [same, a.deploymentId, 'changing nothing'],
      [worse, b.deploymentId, 'making things worse'],
    ] as const) {
      const sent = await asks(id);
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({
        deploymentId,
        nextCandidate: true,
        requestedBy: 'stage:learning.track',
      });
      expect(sent[0]!.reason).toContain(wording);
    }
    expect(await asks(rolled)).toEqual([]);
  });

  it('counts each outcome once in the models, killed while waiting and while updating them', async () => {
    await service?.stop();
    service = null;
    const main = new URL('../services/learning/src/main.ts', import.meta.url).pathname;
    const start = () =>
      fork(main, [], {
        env: { ...process.env, ...vars, HTTP_PORT: '0', SESSION_TIMEOUT_MS: '6000', LOG_LEVEL: 'warn' },
        execArgv: ['--conditions=development', '--import', 'tsx'],
        stdio: 'ignore',
      });
    const incidentId = uniqueName('inc_lt_chaos');
    const { deploymentId } = await seed({
      incidentId,
      during: 8,
      after: 0,
      deployedAgo: 10_000,
      observeForMs: 4 * WINDOW,
    });
    child = start();
    await completeDeployment(incidentId, deploymentId);
    const kill = async () => {
      const dying = new Promise((r) => child!.once('exit', r));
      child!.kill('SIGKILL');
      await dying;
      child = start();
    };
    // Killed while it waits for the observation to end ...
    await waitFor(
      async () =>
        (await stageEventsOf(env, env.topics.learningTrackEvents, incidentId)).some(
          (e) => e.meta.type === 'EffectivenessTrackingWaiting',
        ),
      { timeoutMs: 60_000, maxIntervalMs: 200, message: 'the run to wait for its window' },
    );
    await kill();
    // ... and as soon as the models' update begins (the outcome is the event before it).
    await waitFor(
      async () =>
        (await stageEventsOf(env, env.topics.learningTrackEvents, incidentId)).some(
          (e) => e.meta.type === 'SuccessAssessed',
        ),
      { timeoutMs: 120_000, maxIntervalMs: 100, message: 'the outcome to be assessed' },
    );
    await kill();
    const events = await tracked(incidentId);
    expect(events.map((e) => e.meta.type)).toEqual(BEATS);

    // Five outcomes of `guard` on this fault, each counted once: one resolved, three failures, this one resolved.
    const outcomes = await env.db.collection('learning_outcomes').countDocuments({});
    expect(outcomes).toBe(5);
    const rates = await env.db
      .collection<{ _id: string; attempts: number; successes: number }>('learning_strategy_rates')
      .find({})
      .toArray();
    const guard = rates.find((r) => r._id === 'guard');
    expect(guard).toMatchObject({ attempts: 5, successes: 2 });
    // What diagnosis now ranks with: below the prior of 0.4 on this fault, with the measured outcomes behind it.
    const counts = new Map(rates.map((r) => [r._id, { attempts: r.attempts, successes: r.successes }]));
    const signature = [
      'error',
      'error:TypeError',
      'error:TypeError@src/shipping/labels.ts',
      'error:TypeError@src/shipping/labels.ts#formatAddress',
    ];
    const learned = rateFor('guard', signature, counts);
    expect(learned.samples).toBe(5);
    expect(learned.mean).toBeLessThan(0.4);
  });

  /**
   * Two incidents of one kind on a service of their own (findings of the file's other incidents fall in these
   * observation windows, and a new finding on the service during the observation counts against a fix): one fixed
   * (`restored`), one not (`kept`). Returns each one's comparisons and outcome.
   */
  const fixedAndNot = async (kind: 'values' | 'companions', service: string) => {
    const seeded = { service, during: 0, after: 0, deployedAgo: 30 * WINDOW, observeForMs: 6 * WINDOW };
    const ids = { restored: uniqueName(`inc_lt_${kind}_back`), kept: uniqueName(`inc_lt_${kind}_kept`) };
    const a = await seed({ incidentId: ids.restored, ...seeded, [kind]: 'restored' });
    const b = await seed({ incidentId: ids.kept, ...seeded, [kind]: 'kept' });
    await completeDeployment(ids.restored, a.deploymentId);
    await completeDeployment(ids.kept, b.deploymentId);
    const judged = async (id: string) => {
      const events = await tracked(id);
      return {
        comparisons: (events[3]!.payload as PayloadOf<'MetricsCompared'>).comparisons,
        outcome: (events.at(-1)!.payload as PayloadOf<'EffectivenessTrackingCompleted'>).outcome,
      };
    };
    return { back: await judged(ids.restored), still: await judged(ids.kept) };
  };

  // Last: the model counts of the test above are of the outcomes before it.
  it('a fix that brings back the amounts charged before resolves an incident of new values; one that keeps them does not', async () => {
    const { back, still } = await fixedAndNot('values', 'pricing');
    expect(back.comparisons).toHaveLength(1);
    // 6 lines a window carried the new amounts during the incident: 36 a minute; none before it, none after the fix.
    expect(back.comparisons[0]).toMatchObject({ metric: 'values', verdict: 'improved', observed: 0 });
    expect(back.comparisons[0]!.baseline).toBe(0);
    expect(back.outcome).toBe('resolved');
    expect(still.comparisons[0]).toMatchObject({ metric: 'values', verdict: 'unchanged' });
    expect(still.outcome).toBe('no_change');
  });

  it('a fix that confirms every order again resolves an incident of a skipped confirmation; one that does not, not', async () => {
    const { back, still } = await fixedAndNot('companions', 'orders');
    expect(back.comparisons).toHaveLength(1);
    // 3 of 6 charged sessions a window went unconfirmed during the incident; none before, none after the fix.
    expect(back.comparisons[0]).toMatchObject({
      metric: 'companions',
      verdict: 'improved',
      observed: 0,
      baseline: 0,
    });
    expect(back.outcome).toBe('resolved');
    expect(still.comparisons[0]).toMatchObject({ metric: 'companions', verdict: 'unchanged' });
    expect(still.outcome).toBe('no_change');
  });
});
