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
import {
  buildEvent,
  nextCandidateCommand,
  outsideBeatMeta,
  type RunningService,
  type StageEvent,
} from '@self-healing/shared';
import type { Finding, PayloadOf } from '@self-healing/schemas';
import type { materializeFault } from '@self-healing/sample-service';
import { testEnvironment, type TestEnvironment } from './src/environment.js';
import { waitFor } from './src/endpoints.js';
import { faultIncident, type FaultIncident } from './src/faultIncident.js';
import { startDiagnosis, startFixGenerate } from './src/services.js';
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

let fixture: FaultIncident;
const publishIncident = (incidentId: string) => fixture.publishIncident(incidentId);

beforeAll(async () => {
  env = await testEnvironment('dg');
  work = await mkdtemp(join(tmpdir(), 'diagnosis-'));
  fixture = await faultIncident(env, work, { fault: FAULT, service: SERVICE, repoPrefix: 'checkout_dg' });
  ({ release, vars } = fixture);
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
  it('given its candidate failed validation, then the next round proposes another or says why none is left, once per failed patch, and stops at MAX_ATTEMPTS', async () => {
    const incidentId = 'inc-dg-1';
    const round1 = await stageEvents(incidentId, env.topics.fixGenerateEvents);
    const firstPatch = (round1.at(-1)!.payload as PayloadOf<'FixGenerationCompleted'>).patchId;
    service = await startFixGenerate({ ...vars, FIX_WORK_DIR: join(work, 'fix'), MAX_ATTEMPTS: '2' });
    // What validation.run publishes for a failed verdict, twice (a retried beat, a replay): one next round.
    const failed = await nextCandidateCommand(env.db, env.topics, {
      incidentId,
      patchId: firstPatch,
      stage: 'validation.run',
      reason: 'failed validation: test "label for a GB address" fails on the patched tree',
      correlationId: 'corr-dg-1',
      producer: 'validation/test',
    });
    expect(failed).not.toBeNull();
    await publishEvent(env, failed!.topic, failed!.key, failed!.event);
    await publishEvent(env, failed!.topic, failed!.key, failed!.event);
    const round2 = await untilRunEnded(env, env.topics.fixGenerateEvents, incidentId, {
      timeoutMs: 300_000,
      message: 'the next round of inc-dg-1',
      afterSeq: round1.at(-1)!.meta.seq,
    });
    const requested = round2[0]!.payload as PayloadOf<'FixGenerationRequested'>;
    expect(requested).toMatchObject({ trigger: 'command', requestedBy: 'stage:validation.run' });
    const end = round2.at(-1)!;
    if (end.meta.type === 'FixGenerationCompleted') {
      // Another candidate: never the patch that failed.
      const next = end.payload as PayloadOf<'FixGenerationCompleted'>;
      expect(next.patchId).not.toBe(firstPatch);
      const doc = await env.db.collection('patches').findOne({ _id: next.patchId as never });
      expect(String(doc?.description)).toContain('Candidate 2 for this incident, asked for because: patch ');
    } else {
      // None left: the refusal names the failed patch among what was tried.
      expect(end.meta.type).toBe('FixGenerationRejected');
      const reason = (end.payload as PayloadOf<'FixGenerationRejected'>).reasons[0]!;
      expect(reason.code).toBe('no-candidate');
      expect(reason.message).toContain(`proposed before as patch ${firstPatch}`);
    }
    // A person asks once more (healctl fix): past MAX_ATTEMPTS the stage refuses and says so.
    const again = { ...failed!.event, meta: { ...failed!.event.meta, eventId: 'operator-asks-again' } };
    await publishEvent(env, failed!.topic, failed!.key, again);
    const round3 = await untilRunEnded(env, env.topics.fixGenerateEvents, incidentId, {
      timeoutMs: 120_000,
      message: 'the third round of inc-dg-1',
      afterSeq: round2.at(-1)!.meta.seq,
    });
    expect(round3.map((e) => e.meta.type)).toEqual(['FixGenerationRejected']);
    expect((round3[0]!.payload as PayloadOf<'FixGenerationRejected'>).reasons[0]!.code).toBe(
      'attempts-exhausted',
    );
    // Three rounds in all: the duplicate command started none.
    await new Promise((r) => setTimeout(r, 3000));
    const all = await stageEvents(incidentId, env.topics.fixGenerateEvents);
    expect(all.filter((e) => e.meta.type === 'FixGenerationRequested')).toHaveLength(2);
    expect(all.filter((e) => /(Completed|Rejected)$/.test(e.meta.type))).toHaveLength(3);
    await service.stop();
    service = null;
  });
});

describe('diagnosis.analyze on new evidence', () => {
  const BEFORE = 'inc-dg-7';
  // What anomaly-detect publishes when findings join an open incident: `newSubjects` are those it had none of.
  const publishUpdate = async (
    incidentId: string,
    seq: number,
    newFindings: Finding[],
    newSubjects: string[],
  ) => {
    const payload: PayloadOf<'IncidentUpdated'> = {
      incidentId,
      severity: 'high',
      previousSeverity: 'medium',
      kinds: [...new Set(newFindings.map((f) => f.kind))],
      services: [SERVICE],
      timeRange: { from: fixture.finding.since - 60_000, until: fixture.finding.at + 1 },
      newFindings,
      findingCount: 1 + newFindings.length,
      detectionRunId: `det-${incidentId}-${seq}`,
      newSubjects,
    };
    const meta = outsideBeatMeta({
      incidentId,
      seq,
      correlationId: `corr-${incidentId}`,
      occurredAt: fixture.finding.at + seq,
      producer: 'anomaly-detect/test',
    });
    await publishEvent(
      env,
      env.topics.incidents,
      incidentId,
      buildEvent('incidents', { type: 'IncidentUpdated', payload }, meta),
    );
  };

  /**
   * Opens the incident on a slowdown of a line no code of the service writes (nothing for a machine to try);
   * answers that finding.
   */
  const openOnUnexplainedSlowdown = async (incidentId: string): Promise<Finding> => {
    const slow: Finding = {
      ...fixture.finding,
      id: `f-${incidentId}-slow`,
      kind: 'performance',
      rule: 'latency-step',
      subject: 'tpl-no-such-line:latency.p95',
      templateIds: ['tpl-no-such-line'],
      since: fixture.finding.since - 60_000,
      explanation: 'latency.p95 of a line no statement writes rose from 3 ms to 40 ms',
      evidence: { metric: 'latency.p95' },
    };
    const opened: PayloadOf<'IncidentOpened'> = {
      incidentId,
      fingerprint: `fp-${incidentId}`,
      title: slow.explanation,
      severity: 'medium',
      kinds: ['performance'],
      services: [SERVICE],
      timeRange: { from: slow.since, until: slow.at + 1 },
      findings: [slow],
      detectionRunId: `det-${incidentId}`,
      parseRunIds: [fixture.parseRunId],
    };
    const meta = outsideBeatMeta({
      incidentId,
      seq: 1,
      correlationId: `corr-${incidentId}`,
      occurredAt: slow.at,
      producer: 'anomaly-detect/test',
    });
    await publishEvent(
      env,
      env.topics.incidents,
      incidentId,
      buildEvent('incidents', { type: 'IncidentOpened', payload: opened }, meta),
    );
    return slow;
  };

  it('given an incident first seen where no code explains it, then the error that joins it later is diagnosed (the fault commit, a revert), once', async () => {
    service = await startInProcess();
    const slow = await openOnUnexplainedSlowdown(BEFORE);
    const round1 = await completed(BEFORE);
    const firstDiagnosis = round1.at(-1)!.payload as PayloadOf<'DiagnosisCompleted'>;
    expect(round1.at(-1)!.meta.type).toBe('DiagnosisCompleted');
    expect(firstDiagnosis.recommendedId).toBeNull();

    // An update with nothing new (a magnitude changed) starts nothing.
    await publishUpdate(BEFORE, 2, [slow], []);
    // The fault's own error joins: a second diagnosis, on both findings.
    await publishUpdate(BEFORE, 3, [fixture.finding], [fixture.finding.subject]);
    const round2 = await untilRunEnded(env, env.topics.diagnosisAnalyzeEvents, BEFORE, {
      timeoutMs: 180_000,
      message: `the second diagnosis of ${BEFORE}`,
      afterSeq: round1.at(-1)!.meta.seq,
    });
    expect(round2.map((e) => e.meta.type)).toEqual(BEATS);
    const loaded = round2[1]!.payload as PayloadOf<'AnomaliesLoaded'>;
    expect(loaded.findingIds.sort()).toEqual([fixture.finding.id, slow.id].sort());
    const second = round2.at(-1)!.payload as PayloadOf<'DiagnosisCompleted'>;
    expect(second.diagnosisId).not.toBe(firstDiagnosis.diagnosisId);
    expect(second.recommendedId).not.toBeNull();
    const errors = round2.find((e) => e.meta.type === 'ErrorIssuesAnalyzed')!
      .payload as PayloadOf<'ErrorIssuesAnalyzed'>;
    expect(errors.issues[0]!.suspectCommits[0]).toBe(release.faultSha);

    // Its remedy is with the machines now: more new evidence, for it or for inc-dg-1 (diagnosed with a remedy at
    // once), starts no further diagnosis.
    const another = { ...fixture.finding, id: 'f-dg-7-other', subject: 'another-stack' };
    await publishUpdate(BEFORE, 4, [another], ['another-stack']);
    await publishUpdate('inc-dg-1', 2, [another], ['another-stack']);
    await new Promise((r) => setTimeout(r, 5000));
    expect((await stageEvents(BEFORE)).length).toBe(round1.length + round2.length);
    expect((await stageEvents('inc-dg-1')).filter((e) => e.meta.type === 'DiagnosisRequested')).toHaveLength(
      1,
    );
    await service.stop();
    service = null;
  });

  it('given the error joining while the first diagnosis still runs, then it is diagnosed once that diagnosis ends', async () => {
    const BUSY = 'inc-dg-8';
    service = await startInProcess();
    // Back to back on the incident's partition: the update is read while the first diagnosis has only begun (the
    // running round cannot take it; before deferred triggers it was dropped and the error never diagnosed).
    const slow = await openOnUnexplainedSlowdown(BUSY);
    await publishUpdate(BUSY, 2, [fixture.finding], [fixture.finding.subject]);
    // Read late, the log may hold the second round too: the first is what comes up to its end.
    const read = await completed(BUSY);
    const round1 = read.slice(0, read.findIndex((e) => /(Completed|Rejected|Failed)$/.test(e.meta.type)) + 1);
    expect((round1[1]!.payload as PayloadOf<'AnomaliesLoaded'>).findingIds).toEqual([slow.id]);
    expect((round1.at(-1)!.payload as PayloadOf<'DiagnosisCompleted'>).recommendedId).toBeNull();
    const round2 = await untilRunEnded(env, env.topics.diagnosisAnalyzeEvents, BUSY, {
      timeoutMs: 180_000,
      message: `the diagnosis of ${BUSY} after the update it got mid-diagnosis`,
      afterSeq: round1.at(-1)!.meta.seq,
    });
    expect(round2.map((e) => e.meta.type)).toEqual(BEATS);
    expect(round2[0]!.meta.causationId).not.toBe(round1[0]!.meta.causationId);
    const loaded = round2[1]!.payload as PayloadOf<'AnomaliesLoaded'>;
    expect(loaded.findingIds.sort()).toEqual([fixture.finding.id, slow.id].sort());
    const errors = round2.find((e) => e.meta.type === 'ErrorIssuesAnalyzed')!
      .payload as PayloadOf<'ErrorIssuesAnalyzed'>;
    expect(errors.issues[0]!.suspectCommits[0]).toBe(release.faultSha);
    // One deferred update, one more round.
    await new Promise((r) => setTimeout(r, 3000));
    expect((await stageEvents(BUSY)).filter((e) => e.meta.type === 'DiagnosisRequested')).toHaveLength(2);
    await service.stop();
    service = null;
  });
});
