// Stage 3 on the real servers and a real fault: the sample service's repository with a seeded fault (the corpus's
// `gb-label-second-line`, a TypeError two commits into a release) is pushed to Gitea; the faulty release is built and
// run, and the requests of the fault's probe make it fail for real; its log lines go through telemetry.parse (the
// real stage) into the telemetry store, stack trace included. The incident is what anomaly-detect publishes for a
// new error template (its detectors need more history than a test can give; the corpus bench runs the whole chain),
// and the deployments are what the deployer publishes for a canary of the release. diagnosis.analyze runs as a
// service: it must clone the forge's repository, map the stack through source maps it makes itself, and name the
// fault commit and the fault line.
import { fork, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEvent, outsideBeatMeta, type RunningService, type StageEvent } from '@self-healing/shared';
import {
  deploymentRecordedSchema,
  deploymentRecordedSubject,
  type Finding,
  type PayloadOf,
} from '@self-healing/schemas';
import { GiteaForge, pushToForge } from '@self-healing/shared/forge';
import { loadCatalogue } from '@self-healing/shared/catalogue';
import { requestParse, ship, TelemetryReadModel } from '@self-healing/telemetry-parse';
import { IncrementalBuild, materializeFault, runProbe } from '@self-healing/sample-service';
import { exampleCatalogue } from '@self-healing/target';
import { serviceEnv, testEnvironment, type TestEnvironment } from './src/environment.js';
import { testForge, uniqueName, waitFor } from './src/endpoints.js';
import { startDiagnosis, startFixGenerate, startTelemetryParse } from './src/services.js';
import { publishEvent, stageEventsOf, untilRunEnded } from './src/stageEvents.js';

const run = promisify(execFile);
const FAULT = 'gb-label-second-line';
const SERVICE = 'checkout';
const BEATS = [
  'DiagnosisRequested',
  'AnomaliesLoaded',
  'CodebaseInfoLoaded',
  'PerformanceIssuesAnalyzed',
  'BehavioralIssuesAnalyzed',
  'CoverageIssuesAnalyzed',
  'ErrorIssuesAnalyzed',
  'ImpactAssessed',
  'FixesRecommended',
  'DiagnosisStored',
  'DiagnosisCompleted',
];

let env: TestEnvironment;
let work: string;
let release: Awaited<ReturnType<typeof materializeFault>>;
let finding: Finding;
let parseRunId: string;
let vars: Record<string, string>;
let service: RunningService | null = null;
let child: ChildProcess | null = null;

const stageEvents = (key: string, topic = env.topics.diagnosisAnalyzeEvents): Promise<StageEvent[]> =>
  stageEventsOf(env, topic, key);

const completed = (
  key: string,
  timeoutMs = 180_000,
  topic = env.topics.diagnosisAnalyzeEvents,
): Promise<StageEvent[]> => untilRunEnded(env, topic, key, { timeoutMs, message: `diagnosis of ${key}` });

async function publishIncident(incidentId: string): Promise<void> {
  const payload: PayloadOf<'IncidentOpened'> = {
    incidentId,
    fingerprint: `fp-${incidentId}`,
    title: finding.explanation,
    severity: 'high',
    kinds: ['error'],
    services: [SERVICE],
    timeRange: { from: finding.since, until: finding.at + 1 },
    findings: [finding],
    detectionRunId: `det-${incidentId}`,
    parseRunIds: [parseRunId],
  };
  const event = buildEvent(
    'incidents',
    { type: 'IncidentOpened', payload },
    outsideBeatMeta({
      incidentId,
      seq: 1,
      correlationId: `corr-${incidentId}`,
      occurredAt: finding.at,
      producer: 'anomaly-detect/test',
    }),
  );
  await publishEvent(env, env.topics.incidents, incidentId, event);
}

beforeAll(async () => {
  env = await testEnvironment('dg');
  work = await mkdtemp(join(tmpdir(), 'diagnosis-'));

  // The repository, on the forge.
  release = await materializeFault(FAULT, join(work, 'repo'));
  const { url, token } = testForge();
  const forge = new GiteaForge({ url, token });
  const repoRef = { owner: (await forge.currentUser()).login, name: uniqueName('checkout_dg') };
  await pushToForge(forge, repoRef, {
    dir: release.repo,
    refspecs: ['main:main', 'refs/tags/*:refs/tags/*'],
  });
  const cloneUrl = (await forge.gitRemote(repoRef)).url;

  // The faulty release, built and run: the probe's British checkout without a second address line fails.
  await run('git', ['-C', release.repo, 'checkout', '-q', 'faulty']);
  await run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], {
    cwd: release.repo,
  });
  expect(new IncrementalBuild(release.repo).build()).toEqual([]);
  const probed = await runProbe(release.repo, release.fault.truth.probe);
  expect(probed.responses.at(-1)?.status).toBe(500);
  const logFile = join(env.logRoot, 'checkout.log');
  await writeFile(logFile, probed.logs.map((l) => JSON.stringify(l)).join('\n') + '\n');

  // Its telemetry, through the real parse stage.
  vars = serviceEnv(env);
  const parse = await startTelemetryParse(vars);
  try {
    parseRunId = uniqueName('parse');
    const shipped = await ship(env.kafka, [logFile], {
      service: SERVICE,
      topic: env.topics.telemetryRaw,
      linesPerRecord: 500,
    });
    await requestParse(env.kafka, env.codec, env.topics.commands, parseRunId, shipped, { service: SERVICE });
    const telemetry = new TelemetryReadModel(env.db);
    const errors = await waitFor(
      async () => {
        const events = await telemetry.detectionEventsOf({
          parseRunIds: [parseRunId],
          services: [SERVICE],
          timeRange: null,
        });
        const withStack = events.filter((e) => e.level === 'error' && e.stack.length > 0);
        return withStack.length > 0 ? withStack : undefined;
      },
      { timeoutMs: 120_000, maxIntervalMs: 1000, message: 'the parsed error with its stack' },
    );
    const error = errors[0]!;
    finding = {
      id: `f-${FAULT}`,
      kind: 'error',
      rule: 'new-error-template',
      service: SERVICE,
      subject: error.templateId,
      templateIds: [error.templateId],
      since: error.timestamp,
      at: error.timestamp,
      magnitude: errors.length,
      explanation: `New error template "${error.template}"`,
      evidence: { count: errors.length, frames: error.stack.slice(0, 5).join(' < ') },
    };
  } finally {
    await parse.stop();
  }

  // The deployments around the onset, as the deployer publishes them: the healthy release, then the faulty one
  // as a canary.
  const subject = `${env.prefix}${deploymentRecordedSubject}`;
  const record = (over: Record<string, unknown>) => ({
    service: SERVICE,
    environment: 'test',
    action: 'deploy',
    outcome: 'succeeded',
    trafficPercent: 100,
    instances: 2,
    reason: null,
    deployer: 'process-haproxy',
    host: 'test',
    ...over,
  });
  const producer = env.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  for (const r of [
    record({
      deploymentId: 'd-1',
      commit: release.healthy,
      version: '1.4.0',
      previousCommit: null,
      startedAt: finding.since - 3_600_000,
      finishedAt: finding.since - 3_590_000,
    }),
    record({
      deploymentId: 'd-2',
      commit: release.faulty,
      version: '1.5.0',
      previousCommit: release.healthy,
      action: 'canary',
      trafficPercent: 50,
      startedAt: finding.since - 120_000,
      finishedAt: finding.since - 100_000,
    }),
  ])
    await producer.send({
      topic: env.topics.deployments,
      acks: -1,
      messages: [
        {
          key: `${SERVICE}/test`,
          value: await env.codec.encodeRecord(subject, deploymentRecordedSchema, r),
        },
      ],
    });
  await producer.disconnect();

  // The catalogue: the sample service, its repository on the forge.
  const example = loadCatalogue(exampleCatalogue());
  const entry = example.services[SERVICE]!;
  const cataloguePath = join(work, 'catalogue.json');
  await writeFile(
    cataloguePath,
    JSON.stringify({
      version: 1,
      services: { [SERVICE]: { ...entry, repository: { ...entry.repository, url: cloneUrl } } },
    }),
  );
  vars = {
    ...vars,
    CATALOGUE: cataloguePath,
    REPO_CACHE_DIR: join(work, 'repos'),
    FORGE_URL: url,
    FORGE_TOKEN: token,
    FORGE_USER: repoRef.owner,
  };
}, 600_000);

afterAll(async () => {
  child?.kill('SIGKILL');
  await service?.stop();
  await env?.mongo.close();
  if (work) await rm(work, { recursive: true, force: true });
});

// Deployment records are plain Avro records: decoded with the registry alone, as main.ts wires it.
const startInProcess = (): Promise<RunningService> =>
  startDiagnosis(vars, (value) => env.codec.registry.decode(value));

let first: PayloadOf<'DiagnosisCompleted'>;

describe('diagnosis.analyze on a real fault', () => {
  it('given an incident of the faulty release, then it names the fault commit, the fault line and a revert', async () => {
    service = await startInProcess();
    await publishIncident('inc-dg-1');
    const events = await completed('inc-dg-1');
    expect(events.map((e) => e.meta.type)).toEqual(BEATS);
    const byType = Object.fromEntries(events.map((e) => [e.meta.type, e.payload])) as Record<string, unknown>;
    const code = byType.CodebaseInfoLoaded as PayloadOf<'CodebaseInfoLoaded'>;
    expect(code.commit).toBe(release.faulty);
    expect(code.logCallSites).toBeGreaterThan(10);
    const errors = byType.ErrorIssuesAnalyzed as PayloadOf<'ErrorIssuesAnalyzed'>;
    const issue = errors.issues[0]!;
    expect(issue.suspectCommits[0]).toBe(release.faultSha);
    const [loc] = issue.locations;
    expect(loc).toMatchObject({ file: 'src/shipping/address.ts' });
    const truthLines = release.fault.truth.locations[0]!.lines.flatMap(([a, b]) =>
      Array.from({ length: b - a + 1 }, (_, i) => a + i),
    );
    expect(truthLines).toContain(loc!.line);
    first = byType.DiagnosisCompleted as PayloadOf<'DiagnosisCompleted'>;
    expect(first.rootCause).toContain('src/shipping/address.ts');
    const top = first.recommendations[0]!;
    expect(top).toMatchObject({ strategy: 'revert_commit', automatable: true });
    expect(top.summary).toContain(release.faultSha.slice(0, 7));
    expect(first.recommendedId).toBe(top.id);
    // Stored, with the evidence: the document behind the event.
    const doc = await env.db.collection('diagnoses').findOne({ _id: first.diagnosisId as never });
    expect(doc).toMatchObject({
      incidentId: 'inc-dg-1',
      codebase: { bad: release.faulty, good: release.healthy },
    });
  });

  it('given the same incident delivered again, then nothing more happens', async () => {
    await publishIncident('inc-dg-1');
    await new Promise((r) => setTimeout(r, 5000));
    expect((await stageEvents('inc-dg-1')).length).toBe(BEATS.length);
    await service?.stop();
    service = null;
  });

  it('given a SIGKILL mid-diagnosis, then the restarted service ends with the result of an uninterrupted run', async () => {
    const main = join(import.meta.dirname, '..', 'services', 'diagnosis', 'src', 'main.ts');
    const start = () =>
      fork(main, [], {
        env: { ...process.env, ...vars, HTTP_PORT: '0' },
        execArgv: ['--conditions=development', '--import', 'tsx'],
        stdio: 'ignore',
      });
    child = start();
    await publishIncident('inc-dg-2');
    const before = await waitFor(
      async () => {
        const n = (await stageEvents('inc-dg-2')).length;
        return n >= 3 ? n : undefined;
      },
      { timeoutMs: 120_000, maxIntervalMs: 200, message: 'the diagnosis under way' },
    );
    child.kill('SIGKILL');
    // Killed with beats still to run: otherwise this test would prove nothing about a restart.
    expect(before).toBeLessThan(BEATS.length);
    child = start();
    const events = await completed('inc-dg-2');
    child.kill('SIGTERM');
    expect(events.map((e) => e.meta.type)).toEqual(BEATS);
    const again = events.at(-1)!.payload as PayloadOf<'DiagnosisCompleted'>;
    const shape = (p: PayloadOf<'DiagnosisCompleted'>) => ({
      rootCause: p.rootCause,
      confidence: p.confidence,
      priority: p.priority,
      recommendations: p.recommendations.map((r) => [r.rank, r.strategy, r.summary, r.confidence, r.targets]),
    });
    expect(shape(again)).toEqual(shape(first));
  });
});

describe('fix.generate on that diagnosis', () => {
  it('given the diagnosis of the fault, then a checked patch reverts the fault commit, with a changelog entry', async () => {
    service = await startFixGenerate({ ...vars, FIX_WORK_DIR: join(work, 'fix') });
    const events = await completed('inc-dg-1', 300_000, env.topics.fixGenerateEvents);
    expect(events.map((e) => e.meta.type)).toEqual([
      'FixGenerationRequested',
      'DiagnosisLoaded',
      'CodeFixGenerated',
      'TestFixGenerated',
      'DocumentationFixGenerated',
      'PatchCreated',
      'PatchSyntaxValidated',
      'PatchStored',
      'FixGenerationCompleted',
    ]);
    const done = events.at(-1)!.payload as PayloadOf<'FixGenerationCompleted'>;
    expect(done).toMatchObject({ baseCommit: release.faulty, syntaxValid: true });
    const patch = await env.db.collection('patches').findOne({ _id: done.patchId as never });
    const diff = String(patch?.diff);
    expect(diff).toContain('+++ b/src/shipping/address.ts');
    expect(diff).toContain('+++ b/CHANGELOG.md');
    // Applied to the faulty release, the patch gives back the healthy address module.
    const tree = join(work, 'applied');
    await run('git', ['-C', release.repo, 'worktree', 'add', '-q', '--detach', tree, release.faulty]);
    await writeFile(join(work, 'fix.diff'), diff);
    await run('git', ['-C', tree, 'apply', join(work, 'fix.diff')]);
    const healthy = (
      await run('git', ['-C', release.repo, 'show', `${release.healthy}:src/shipping/address.ts`])
    ).stdout;
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(join(tree, 'src/shipping/address.ts'), 'utf8')).toBe(healthy);
    await new Promise((r) => setTimeout(r, 3000));
    expect((await stageEvents('inc-dg-1', env.topics.fixGenerateEvents)).length).toBe(9);
    // The run's worktrees are gone once its patch is stored.
    const { readdir } = await import('node:fs/promises');
    expect((await readdir(join(work, 'fix', 'trees'))).filter((n) => n.startsWith('inc-dg-1-'))).toEqual([]);
    await service.stop();
    service = null;
  });

  it('given a SIGKILL mid-generation, then the restarted stage gives the same fix, each beat once', async () => {
    // A third incident of the same fault, diagnosed first.
    service = await startInProcess();
    await publishIncident('inc-dg-3');
    await completed('inc-dg-3');
    await service.stop();
    service = null;
    const main = join(import.meta.dirname, '..', 'services', 'fix-generate', 'src', 'main.ts');
    const start = () =>
      fork(main, [], {
        env: { ...process.env, ...vars, FIX_WORK_DIR: join(work, 'fix'), HTTP_PORT: '0' },
        execArgv: ['--conditions=development', '--import', 'tsx'],
        stdio: 'ignore',
      });
    child = start();
    const before = await waitFor(
      async () => {
        const n = (await stageEvents('inc-dg-3', env.topics.fixGenerateEvents)).length;
        return n >= 2 ? n : undefined;
      },
      { timeoutMs: 180_000, maxIntervalMs: 200, message: 'fix generation under way' },
    );
    child.kill('SIGKILL');
    expect(before).toBeLessThan(9);
    child = start();
    const events = await completed('inc-dg-3', 300_000, env.topics.fixGenerateEvents);
    child.kill('SIGTERM');
    expect(new Set(events.map((e) => e.meta.type)).size).toBe(events.length);
    const done = events.at(-1)!.payload as PayloadOf<'FixGenerationCompleted'>;
    const first = await env.db.collection('patches').findOne({ incidentId: 'inc-dg-1' });
    const again = await env.db.collection('patches').findOne({ _id: done.patchId as never });
    // The same change of the code (the changelog entry names its own incident).
    const fileDiff = (diff: string, path: string) => {
      const at = diff.indexOf(`diff --git a/${path} `);
      const next = diff.indexOf('diff --git ', at + 1);
      return at < 0 ? '' : diff.slice(at, next < 0 ? undefined : next);
    };
    const fixed = fileDiff(String(first?.diff), 'src/shipping/address.ts');
    expect(fixed).toContain('+++ b/src/shipping/address.ts');
    expect(fileDiff(String(again?.diff), 'src/shipping/address.ts')).toBe(fixed);
    // Chosen the same way (the remedy ids differ: they name their incident's issue).
    expect(again?.chosen).toMatchObject({ strategy: first?.chosen.strategy, score: first?.chosen.score });
  });
});
