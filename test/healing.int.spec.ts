// The healing stages in a row on a real fault, nobody touching it: the corpus's `gb-label-second-line` (British
// labels without a second address line throw a TypeError) is released and serves real traffic behind HAProxy; its
// incident, as anomaly-detect opens it for the new error template, goes to diagnosis.analyze, which names the fault
// commit; fix.generate writes and checks a patch with a regression test; validation.run proves it in the sandbox;
// deployment.deploy opens the pull request, runs CI, merges, and rolls the fix out as a canary judged against the
// faulty version under the traffic, then promotes it; learning.track watches the fix's own telemetry (the new
// version's logs under the traffic, through the real parse stage) and finds the incident resolved. Detection on live
// traffic (stages 1-2) is not in this chain yet: see the README.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService, StageEvent } from '@self-healing/shared';
import type { PayloadOf } from '@self-healing/schemas';
import type { RunningAgent } from '@self-healing/target';
import { testEnvironment, type TestEnvironment } from './src/environment.js';
import { uniqueName } from './src/endpoints.js';
import { requestParse, ship } from '@self-healing/telemetry-parse';
import { faultIncident, type FaultIncident } from './src/faultIncident.js';
import {
  startDeployment,
  startDiagnosis,
  startFixGenerate,
  startLearning,
  startTelemetryParse,
  startValidation,
} from './src/services.js';
import { stageEventsOf, untilRunEnded } from './src/stageEvents.js';
import { withTraffic } from './src/traffic.js';
import { autoHealing, startTestTarget } from './src/target.js';

const FAULT = 'gb-label-second-line';
const SERVICE = 'checkout';

let env: TestEnvironment;
let work: string;
let fixture: FaultIncident;
let agent: RunningAgent | null = null;
let targetLogs: string;
const services: RunningService[] = [];

beforeAll(async () => {
  env = await testEnvironment('hl');
  work = await mkdtemp(join(tmpdir(), 'healing-'));
  fixture = await faultIncident(env, work, { fault: FAULT, service: SERVICE, repoPrefix: 'checkout_hl' });
  // Nobody approves: the platform may merge and deploy a tested fix of any incident, any time.
  const target = await startTestTarget({
    work,
    service: SERVICE,
    entry: fixture.entry,
    healing: autoHealing('critical', { steps: [50], stepDurationMs: 9000 }),
    catalogueName: 'healing-catalogue.json',
  });
  agent = target.agent;
  const { cataloguePath, targetHome } = target;
  expect(agent.deployer.current().stable?.commit).toBe(fixture.release.faulty);
  const vars = {
    ...fixture.vars,
    CATALOGUE: cataloguePath,
    FIX_WORK_DIR: join(work, 'fix'),
    VALIDATION_WORK_DIR: join(work, 'validation'),
    DEPLOYMENT_WORK_DIR: join(work, 'deployment'),
    TARGET_HOME: targetHome,
    TEST_TIMEOUT_MS: '60000',
    MAX_DISK_MB: '512',
    TEST_RERUNS: '1',
    PERF_SAMPLES: '60',
    CI_POLL_MS: '1000',
    // The fix is watched for 40 s; its telemetry is parsed in 10 s windows and has 25 s to arrive.
    OBSERVE_FOR_MS: '40000',
    SETTLE_MS: '0',
    TELEMETRY_LAG_MS: '25000',
    WINDOW_MS: '10000',
  };
  services.push(
    await startDiagnosis(vars, (value) => env.codec.registry.decode(value)),
    await startFixGenerate(vars),
    await startValidation(vars),
    await startDeployment(vars),
    await startLearning(vars),
    await startTelemetryParse(vars),
  );
  targetLogs = join(targetHome, 'target', SERVICE, 'logs');
}, 600_000);

afterAll(async () => {
  for (const s of services) await s.stop();
  if (agent) {
    await agent.deployer.down().catch(() => undefined);
    await agent.close();
  }
  await env?.mongo.close();
  if (work) await rm(work, { recursive: true, force: true });
});

const ended = (topic: string, incidentId: string, timeoutMs: number): Promise<StageEvent[]> =>
  untilRunEnded(env, topic, incidentId, { timeoutMs, message: `${topic} of ${incidentId}` });

describe('the healing stages in a row', { timeout: 900_000 }, () => {
  it('an incident of a released fault ends with the fault fixed in production, through a merged pull request', async () => {
    const incidentId = uniqueName('inc_heal');
    const { frontendPort } = agent!.deployer.current();
    const { value, requests } = await withTraffic(`http://127.0.0.1:${frontendPort}`, async () => {
      await fixture.publishIncident(incidentId);
      const deployment = await ended(env.topics.deploymentDeployEvents, incidentId, 840_000);
      // The fixed version serves alone now: 40 s of its telemetry, shipped and parsed as any service's would be.
      await new Promise((r) => setTimeout(r, 42_000));
      const commit = agent!.deployer.current().stable!.commit.slice(0, 12);
      const logs = (await readdir(targetLogs)).filter((f) => f.startsWith(commit) && f.endsWith('.log'));
      const shipped = await ship(
        env.kafka,
        logs.map((f) => join(targetLogs, f)),
        { service: SERVICE, topic: env.topics.telemetryRaw, linesPerRecord: 500 },
      );
      await requestParse(env.kafka, env.codec, env.topics.commands, uniqueName('parse_fix'), shipped, {
        service: SERVICE,
      });
      const learning = await ended(env.topics.learningTrackEvents, incidentId, 180_000);
      return { deployment, learning };
    });
    const { deployment } = value;
    /** The run's last event, which must be its stage's completion; its payload otherwise printed to say why. */
    const last = (events: StageEvent[], type: string): unknown => {
      const e = events.at(-1)!;
      if (e.meta.type !== type) console.log(JSON.stringify(e.payload).slice(0, 2000));
      expect(e.meta.type).toBe(type);
      return e.payload;
    };
    const diagnosis = last(
      await stageEventsOf(env, env.topics.diagnosisAnalyzeEvents, incidentId),
      'DiagnosisCompleted',
    ) as PayloadOf<'DiagnosisCompleted'>;
    expect(diagnosis.recommendations[0]!.summary).toContain(fixture.release.faultSha.slice(0, 7));
    const fix = last(
      await stageEventsOf(env, env.topics.fixGenerateEvents, incidentId),
      'FixGenerationCompleted',
    ) as PayloadOf<'FixGenerationCompleted'>;
    expect(fix.syntaxValid).toBe(true);
    const validation = last(
      await stageEventsOf(env, env.topics.validationRunEvents, incidentId),
      'ValidationCompleted',
    ) as PayloadOf<'ValidationCompleted'>;
    expect(validation).toMatchObject({ patchId: fix.patchId, verdict: 'passed' });
    const done = last(deployment, 'DeploymentCompleted') as PayloadOf<'DeploymentCompleted'>;
    expect(done).toMatchObject({ patchId: fix.patchId, outcome: 'deployed' });

    // On the forge: the pull request merged; in production: the merge commit serves everything.
    const pr = await fixture.forge.getPullRequest(
      fixture.repoRef,
      Number(done.pullRequestUrl!.split('/').at(-1)),
    );
    expect(pr.state).toBe('merged');
    const state = agent!.deployer.current();
    expect(state.stable?.commit).toBe(done.mergeCommit);
    expect(state.canary).toBeNull();
    // The faulty version failed British checkouts meanwhile; the fixed one failed none.
    const fixedGroup = state.stable!.group;
    const failed = (r: (typeof requests)[number]) => r.status >= 500 || r.status === 0;
    expect(requests.filter((r) => r.server && !r.server.startsWith(fixedGroup)).some(failed)).toBe(true);
    const byFix = requests.filter((r) => r.server?.startsWith(fixedGroup));
    expect(byFix.length).toBeGreaterThan(30);
    expect(byFix.filter(failed)).toEqual([]);

    // Learning, on the fixed version's own telemetry: the error template is gone while the service's others go on.
    const learned = last(
      value.learning,
      'EffectivenessTrackingCompleted',
    ) as PayloadOf<'EffectivenessTrackingCompleted'>;
    const compared = value.learning.find((e) => e.meta.type === 'MetricsCompared')!
      .payload as PayloadOf<'MetricsCompared'>;
    expect(compared.comparisons.map((c) => c.metric)).toEqual(['errors']);
    expect(learned).toMatchObject({ patchId: fix.patchId, outcome: 'resolved', resolvesIncident: true });
  });
});
