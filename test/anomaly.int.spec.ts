import { fork, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildCommand,
  buildEvent,
  deterministicId,
  outsideBeatMeta,
  readTopic,
  type RunningService,
  type StageEvent,
} from '@self-healing/shared';
import type { Finding } from '@self-healing/schemas';
import { HOUR_SCALE_DETECTOR_OPTIONS } from '@self-healing/anomaly-detect';
import { requestParse, ship } from '@self-healing/telemetry-parse';
import { defaultFaultPlan, generateTraffic, type FaultKind } from '@self-healing/sample-service';
import { serviceEnv as baseServiceEnv, testEnvironment, type TestEnvironment } from './src/environment.js';
import { waitFor } from './src/endpoints.js';
import {
  startAnomalyDetect as startAnomalyDetectWith,
  startTelemetryParse as startTelemetryParseWith,
} from './src/services.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const TRAFFIC_MS = 30 * MINUTE;

type Env = TestEnvironment;
const environment = () => testEnvironment('ad');
/**
 * Hour-scale performance detection (as in the demo): half an hour of traffic is inside its hour of learning, so it
 * stays quiet here and the incidents come from the error detectors, which learn a service's normal error rate and
 * error templates within minutes.
 */
const serviceEnv = (env: Env) =>
  baseServiceEnv(env, { PERFORMANCE_DETECTOR: JSON.stringify(HOUR_SCALE_DETECTOR_OPTIONS) });

const startTelemetryParse = (env: Env): Promise<RunningService> => startTelemetryParseWith(serviceEnv(env));

const startAnomalyDetect = (env: Env): Promise<RunningService> => startAnomalyDetectWith(serviceEnv(env));

/** The sample service's checkout logs for TRAFFIC_MS, with the given faults placed in the second half. */
function writeTraffic(env: Env, faults: FaultKind[], seed = 11): string {
  const traffic = generateTraffic({
    seed,
    start: T0,
    durationMs: TRAFFIC_MS,
    ratePerSecond: 3,
    faults: defaultFaultPlan(faults, T0, TRAFFIC_MS),
  });
  const file = join(env.logRoot, 'checkout.log');
  writeFileSync(file, traffic.lines.join('\n') + '\n');
  return file;
}

async function shipAndParse(env: Env, file: string, runId: string): Promise<void> {
  const shipped = await ship(env.kafka, [file], {
    service: 'checkout',
    topic: env.topics.telemetryRaw,
    linesPerRecord: 500,
  });
  await requestParse(env.kafka, env.codec, env.topics.commands, runId, shipped, { service: 'checkout' });
}

async function keyedEvents(env: Env, topic: string, key?: string): Promise<StageEvent[]> {
  const events: StageEvent[] = [];
  await readTopic(env.kafka, topic, {
    onMessage: async (m) => {
      if (m.value && (key === undefined || m.key?.toString() === key))
        events.push(await env.codec.decode(m.value));
    },
  });
  return events;
}

/** The run's events on a stage topic once it has ended (completed, rejected or failed). */
async function untilEnded(
  env: Env,
  topic: string,
  runId: string,
  timeoutMs = 120_000,
): Promise<StageEvent[]> {
  let events: StageEvent[] = [];
  await waitFor(
    async () => {
      events = await keyedEvents(env, topic, runId);
      return events.some((e) => /(Completed|Rejected|Failed)$/.test(e.meta.type));
    },
    { timeoutMs, maxIntervalMs: 1000, message: `run ${runId} on ${topic}` },
  );
  return events;
}

/**
 * The run's events once it has ended, waiting as long as it makes progress: the deadline moves on with every new
 * event, so a slow, loaded machine is not taken for a stuck run (only `stallMs` without a new event is).
 */
async function untilEndedWhileProgressing(
  env: Env,
  topic: string,
  runId: string,
  stallMs = 90_000,
): Promise<StageEvent[]> {
  let seen = -1;
  let deadline = Date.now() + stallMs;
  for (;;) {
    const events = await keyedEvents(env, topic, runId);
    if (events.some((e) => /(Completed|Rejected|Failed)$/.test(e.meta.type))) return events;
    if (events.length > seen) {
      seen = events.length;
      deadline = Date.now() + stallMs;
    }
    if (Date.now() > deadline)
      throw new Error(`run ${runId} on ${topic} made no progress for ${stallMs} ms (${seen} events)`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** The nine beats of a detection run, in order: each run's stage topic must hold each of them once. */
const DETECT_BEATS = [
  'AnomalyDetectionRequested',
  'TelemetryDataLoaded',
  'PerformanceAnomaliesDetected',
  'BehavioralAnomaliesDetected',
  'CoverageGapsDetected',
  'ErrorPatternsDetected',
  'AnomalyResultsAggregated',
  'AnomalyResultsStored',
  'AnomalyDetectionCompleted',
];

type Opened = {
  incidentId: string;
  fingerprint: string;
  severity: string;
  kinds: string[];
  findings: Finding[];
  detectionRunId: string;
  parseRunIds: string[];
};
type Completed = {
  runId: string;
  findings: number;
  incidentsOpened: string[];
  incidentsUpdated: string[];
  incidentsReopened: string[];
  incidentsResolved: string[];
  highestSeverity: string | null;
};

/** Per incident id, the seqs of its events on the incidents topic, in log order. */
function seqsByIncident(events: StageEvent[]): Map<string, number[]> {
  const seqs = new Map<string, number[]>();
  for (const e of events) seqs.set(e.meta.incidentId, [...(seqs.get(e.meta.incidentId) ?? []), e.meta.seq]);
  return seqs;
}

/** Exactly one IncidentOpened per incident, first; seqs 1..n with no gap and no duplicate. */
function expectWellFormedIncidents(events: StageEvent[]): void {
  for (const [id, seqs] of seqsByIncident(events)) {
    expect(seqs, `seqs of ${id}`).toEqual(seqs.map((_, i) => i + 1));
    const mine = events.filter((e) => e.meta.incidentId === id);
    expect(
      mine.filter((e) => e.meta.type === 'IncidentOpened').length,
      `IncidentOpened events of ${id}`,
    ).toBe(1);
    expect(mine[0]?.meta.type).toBe('IncidentOpened');
  }
}

/** Produces records as given (same key, value and headers), as a redelivering producer or broker would. */
async function produce(
  env: Env,
  topic: string,
  key: string,
  value: Buffer,
  headers: Record<string, string> = {},
): Promise<{ partition: number; offset: bigint }> {
  const producer = env.kafka.producer();
  await producer.connect();
  try {
    const [meta] = await producer.send({ topic, acks: -1, messages: [{ key, value, headers }] });
    return { partition: meta!.partition, offset: BigInt(meta!.baseOffset ?? '0') };
  } finally {
    await producer.disconnect();
  }
}

/** True once anomaly.detect's consumer group has committed past the record at (topic, partition, offset). */
async function consumedPast(env: Env, topic: string, partition: number, offset: bigint): Promise<boolean> {
  const admin = env.kafka.admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({
      groupId: `${env.prefix}anomaly.detect.runner`,
      topics: [topic],
    });
    const p = committed?.partitions.find((x) => x.partition === partition);
    return p !== undefined && BigInt(p.offset) > offset;
  } finally {
    await admin.disconnect();
  }
}

function detectCommand(runId: string, parseRunIds: string[]): StageEvent {
  return buildCommand(
    'DetectAnomaliesCommand',
    {
      runId,
      parseRunIds,
      services: [],
      timeRange: null,
      detectors: [],
      requestedBy: 'test',
      comment: null,
    },
    runId,
    'test',
  );
}

describe('anomaly.detect against the real servers', () => {
  let env: Env;
  const services: RunningService[] = [];

  beforeAll(async () => {
    env = await environment();
    services.push(await startTelemetryParse(env), await startAnomalyDetect(env));
  });
  afterAll(async () => {
    for (const s of services) await s.stop();
    await env?.mongo.close();
  });

  it('opens an incident for an injected error burst and new exception, with the matching findings and their evidence', async () => {
    const file = writeTraffic(env, ['error-burst', 'new-exception']);
    await shipAndParse(env, file, 'run-faults');
    const parse = await untilEnded(env, env.topics.telemetryParseEvents, 'run-faults');
    expect(parse.at(-1)?.meta.type).toBe('TelemetryParseCompleted');

    const detect = await untilEnded(env, env.topics.anomalyDetectEvents, 'run-faults');
    expect(detect.map((e) => e.meta.type)).toEqual(DETECT_BEATS);
    expect(detect.map((e) => e.meta.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // The run was started by the parse run's completion, and examined that run's aggregates.
    expect(detect[0]!.meta.causationId).toBe(parse.at(-1)!.meta.eventId);
    expect(detect[0]!.payload).toMatchObject({
      runId: 'run-faults',
      parseRunIds: ['run-faults'],
      trigger: 'upstream_event',
    });
    expect((detect[1]!.payload as { aggregates: number }).aggregates).toBeGreaterThan(100);
    const completed = detect[8]!.payload as Completed;
    expect(completed.incidentsOpened.length).toBeGreaterThanOrEqual(1);

    const incidents = await keyedEvents(env, env.topics.incidents);
    const opened = incidents.filter((e) => e.meta.type === 'IncidentOpened');
    expect(opened.map((e) => e.meta.incidentId).sort()).toEqual([...completed.incidentsOpened].sort());
    expectWellFormedIncidents(incidents);
    const findings = opened.flatMap((e) => (e.payload as Opened).findings);
    // The burst of known payment timeouts (minutes 15..22 of 30) and the never-seen TypeError (from minute 22).
    const burst = findings.filter((f) => f.kind === 'error' && f.rule === 'error-burst');
    const fault = defaultFaultPlan(['error-burst', 'new-exception'], T0, TRAFFIC_MS);
    expect(burst.length).toBeGreaterThanOrEqual(1);
    expect(burst[0]!.since).toBeGreaterThanOrEqual(fault[0]!.start - MINUTE);
    expect(burst[0]!.since).toBeLessThan(fault[0]!.end);
    expect(burst[0]!.evidence).toMatchObject({
      errors: expect.any(Number),
      total: expect.any(Number),
      baselineRate: expect.any(Number),
    });
    expect(burst[0]!.evidence.errors as number).toBeGreaterThan(
      5 * (burst[0]!.evidence.baselineRate as number) * (burst[0]!.evidence.total as number),
    );
    const novel = findings.filter(
      (f) => f.kind === 'error' && (f.rule === 'new-error-template' || f.rule === 'new-stack-signature'),
    );
    expect(novel.length).toBeGreaterThanOrEqual(1);
    expect(novel.every((f) => f.since >= fault[1]!.start && f.since < fault[1]!.end)).toBe(true);
    expect(JSON.stringify(novel.map((f) => [f.explanation, f.evidence]))).toMatch(
      /postalCode|TypeError|createShipment|formatAddress/,
    );
    for (const e of opened) {
      const p = e.payload as Opened;
      expect(['low', 'medium', 'high', 'critical']).toContain(p.severity);
      expect(p).toMatchObject({ detectionRunId: 'run-faults', parseRunIds: ['run-faults'] });
      expect(p.findings.length).toBeGreaterThan(0);
      for (const f of p.findings) {
        expect(f.explanation.length).toBeGreaterThan(20);
        expect(Object.keys(f.evidence).length).toBeGreaterThan(0);
      }
    }
    // The incident documents agree with the published events.
    const docs = await env.db
      .collection<{ _id: string; severity: string }>('anomaly_incidents')
      .find()
      .toArray();
    expect(docs.map((d) => d._id).sort()).toEqual(opened.map((e) => e.meta.incidentId).sort());
    expect(completed.highestSeverity).not.toBeNull();
  });

  it('opens no incident for normal traffic (fresh environment, same traffic without faults)', async () => {
    const calm = await environment();
    const calmServices = [await startTelemetryParse(calm), await startAnomalyDetect(calm)];
    try {
      await shipAndParse(calm, writeTraffic(calm, []), 'run-normal');
      const detect = await untilEnded(calm, calm.topics.anomalyDetectEvents, 'run-normal');
      expect(detect.map((e) => e.meta.type)).toEqual(DETECT_BEATS);
      // The detectors did look at the data: the error detector saw the normal 1% payment timeouts.
      expect((detect[1]!.payload as { aggregates: number }).aggregates).toBeGreaterThan(100);
      expect((detect[5]!.payload as { evaluated: number }).evaluated).toBeGreaterThan(0);
      expect(detect[8]!.payload).toMatchObject({
        findings: 0,
        incidentsOpened: [],
        incidentsUpdated: [],
        highestSeverity: null,
      });
      expect(await keyedEvents(calm, calm.topics.incidents)).toEqual([]);
    } finally {
      for (const s of calmServices) await s.stop();
      await calm.mongo.close();
    }
  });

  it('opens no second incident when the trigger is redelivered (same bytes) or a command names the same run', async () => {
    const before = await keyedEvents(env, env.topics.incidents);
    expect(before.some((e) => e.meta.type === 'IncidentOpened')).toBe(true);
    // The parse run's completion, byte for byte, produced again to the telemetry.parse events topic.
    let raw: { value: Buffer; headers: Record<string, string> } | undefined;
    await readTopic(env.kafka, env.topics.telemetryParseEvents, {
      onMessage: async (m) => {
        if (m.key?.toString() !== 'run-faults' || !m.value) return;
        if ((await env.codec.decode(m.value)).meta.type === 'TelemetryParseCompleted') {
          raw = {
            value: m.value,
            headers: Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)])),
          };
        }
      },
    });
    expect(raw).toBeDefined();
    const again = await produce(env, env.topics.telemetryParseEvents, 'run-faults', raw!.value, raw!.headers);
    // An operator's command for the same run id: another trigger for a run that already exists.
    const command = await env.codec.encode(detectCommand('run-faults', ['run-faults']));
    const sameRun = await produce(env, env.topics.commands, 'run-faults', command);
    // ...and that command delivered twice.
    const sameRunAgain = await produce(env, env.topics.commands, 'run-faults', command);
    await waitFor(
      async () =>
        (await consumedPast(env, env.topics.telemetryParseEvents, again.partition, again.offset)) &&
        (await consumedPast(env, env.topics.commands, sameRun.partition, sameRun.offset)) &&
        (await consumedPast(env, env.topics.commands, sameRunAgain.partition, sameRunAgain.offset)),
      { timeoutMs: 60_000, maxIntervalMs: 500, message: 'anomaly.detect consumed the redelivered triggers' },
    );

    // The run's stage history is untouched: nine beats, once each, no rejection or failure appended.
    const detect = await keyedEvents(env, env.topics.anomalyDetectEvents, 'run-faults');
    expect(detect.map((e) => e.meta.type)).toEqual(DETECT_BEATS);
    expect(detect.map((e) => e.meta.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // The incidents topic is exactly what it was: one IncidentOpened per incident, seqs 1..n, nothing repeated.
    const after = await keyedEvents(env, env.topics.incidents);
    // Sorted: the topic is read across its partitions, whose interleaving differs from one read to the next.
    const ids = (events: StageEvent[]) => events.map((e) => e.meta.eventId).sort();
    expect(ids(after)).toEqual(ids(before));
    expectWellFormedIncidents(after);
    expect(new Set(after.map((e) => e.meta.eventId)).size).toBe(after.length);
  });

  // A second detection run over a parse run already examined: the event-fed detectors keep an event-time
  // watermark, so they do not take in the same sessions and errors again (they once did, and grew their memory
  // past MongoDB's 16 MB document limit).
  it('opens no second incident when a new run examines the same parse run again', async () => {
    const before = await keyedEvents(env, env.topics.incidents);
    const rerun = await produce(
      env,
      env.topics.commands,
      'run-rerun',
      await env.codec.encode(detectCommand('run-rerun', ['run-faults'])),
    );
    await waitFor(() => consumedPast(env, env.topics.commands, rerun.partition, rerun.offset), {
      timeoutMs: 60_000,
      maxIntervalMs: 500,
    });
    const rerunEvents = await untilEnded(env, env.topics.anomalyDetectEvents, 'run-rerun');
    expect(rerunEvents.map((e) => e.meta.type)).toEqual(DETECT_BEATS);
    expect((rerunEvents[8]!.payload as Completed).incidentsOpened).toEqual([]);
    const after = await keyedEvents(env, env.topics.incidents);
    const openedIds = (events: StageEvent[]) =>
      events
        .filter((e) => e.meta.type === 'IncidentOpened')
        .map((e) => e.meta.incidentId)
        .sort();
    expect(openedIds(after)).toEqual(openedIds(before));
    expectWellFormedIncidents(after);
  });

  // Two runs whose beats interleave in the consumer used to load the memory each at their start and write it whole at
  // their end, the later undoing the earlier. They now take it in turn: the second waits until the first has committed.
  it("takes the detectors' memory in turn when two runs start at once: one waits, neither overlaps the other", async () => {
    const ids = ['run-turn-a', 'run-turn-b'];
    const producer = env.kafka.producer();
    await producer.connect();
    await producer.send({
      topic: env.topics.commands,
      acks: -1,
      messages: await Promise.all(
        ids.map(async (id) => ({
          key: id,
          value: await env.codec.encode(detectCommand(id, ['run-faults'])),
        })),
      ),
    });
    await producer.disconnect();
    const runs = await Promise.all(ids.map((id) => untilEnded(env, env.topics.anomalyDetectEvents, id)));
    const spans = runs.map((events) => {
      const beats = events.filter((e) => e.meta.type !== 'AnomalyDetectionWaiting');
      expect(beats.map((e) => e.meta.type)).toEqual(DETECT_BEATS);
      // seqs run on without a gap, waits included
      expect(events.map((e) => e.meta.seq)).toEqual(events.map((_, i) => i + 1));
      const loaded = beats.find((e) => e.meta.type === 'TelemetryDataLoaded')!;
      return { from: loaded.meta.startedAt ?? loaded.meta.occurredAt, until: beats.at(-1)!.meta.occurredAt };
    });
    const [a, b] = spans as [{ from: number; until: number }, { from: number; until: number }];
    expect(a.until <= b.from || b.until <= a.from).toBe(true);
    // Both started before either ended: the later one waited for the memory.
    const waited = runs.flat().filter((e) => e.meta.type === 'AnomalyDetectionWaiting');
    expect(waited.length).toBeGreaterThanOrEqual(1);
    expect(String((waited[0]!.payload as { reason: string }).reason)).toMatch(/holds the detectors' memory/);
  });

  // Verdicts from outside the detectors go through detection runs of their own (the incidents topic has one
  // writer): learning.track's judgement of a fix resolves or re-opens, an operator's dismissal closes and quiets.
  it('applies verdicts on an incident: fixed, then not fixed (re-opened), then dismissed; each announced once', async () => {
    const before = await keyedEvents(env, env.topics.incidents);
    const incidentId = before.find((e) => e.meta.type === 'IncidentOpened')!.meta.incidentId;
    const tracked = (seq: number, outcome: string, resolvesIncident: boolean) =>
      buildEvent(
        'learning.track',
        {
          type: 'EffectivenessTrackingCompleted',
          payload: {
            deploymentId: 'dep-1',
            patchId: 'patch-1',
            pullRequestUrl: 'http://forge.test/pulls/7',
            outcome,
            improvementScore: resolvesIncident ? 0.9 : -0.4,
            findingsCleared: 1,
            findingsRemaining: 0,
            resolvesIncident,
            document: { collection: 'learning_effectiveness', id: `${incidentId}-${seq}` },
          },
        },
        {
          ...outsideBeatMeta({
            incidentId,
            seq,
            correlationId: 'c',
            occurredAt: Date.now(),
            producer: 'test',
          }),
          sequenceId: 'learning.track',
        },
      );
    const incidentEvents = async (n: number) => {
      let mine: StageEvent[] = [];
      await waitFor(
        async () => {
          mine = (await keyedEvents(env, env.topics.incidents, incidentId)).filter((e) => e.meta.seq > 0);
          return mine.length >= n;
        },
        { timeoutMs: 90_000, maxIntervalMs: 500, message: `${n} events of ${incidentId}` },
      );
      return mine;
    };
    const already = (await keyedEvents(env, env.topics.incidents, incidentId)).length;

    const fixed = tracked(50, 'resolved', true);
    await produce(env, env.topics.learningTrackEvents, incidentId, await env.codec.encode(fixed));
    const afterFix = await incidentEvents(already + 1);
    expect(afterFix.at(-1)).toMatchObject({
      meta: { type: 'IncidentResolved' },
      payload: {
        resolution: 'fixed',
        resolvedBy: 'learning.track',
        patchId: 'patch-1',
        deploymentId: 'dep-1',
        pullRequestUrl: 'http://forge.test/pulls/7',
        improvementScore: 0.9,
      },
    });
    // The verdict's own run: the nine beats, keyed by the verdict, examining no telemetry.
    const run = await untilEnded(
      env,
      env.topics.anomalyDetectEvents,
      deterministicId('incident-verdict', fixed.meta.eventId),
    );
    expect(run.map((e) => e.meta.type)).toEqual(DETECT_BEATS);
    expect(run[0]!.payload).toMatchObject({ parseRunIds: [], verdict: { action: 'fixed', incidentId } });
    expect(run[6]!.payload).toMatchObject({ verdictNote: 'fixed' });

    const regressed = tracked(60, 'regressed', false);
    const encoded = await env.codec.encode(regressed);
    await produce(env, env.topics.learningTrackEvents, incidentId, encoded);
    await produce(env, env.topics.learningTrackEvents, incidentId, encoded); // redelivered: changes nothing
    const afterRegression = await incidentEvents(already + 2);
    expect(afterRegression.at(-1)).toMatchObject({
      meta: { type: 'IncidentReopened' },
      payload: { previousResolution: 'fixed', reopenCount: 1 },
    });

    const dismiss = buildCommand(
      'DismissIncidentCommand',
      {
        incidentId,
        reason: 'a load test, not customers',
        suppressForMs: 3_600_000,
        requestedBy: 'user:alice',
        comment: null,
      },
      incidentId,
      'test',
    );
    const sent = await produce(env, env.topics.commands, incidentId, await env.codec.encode(dismiss));
    const afterDismissal = await incidentEvents(already + 3);
    expect(afterDismissal.at(-1)).toMatchObject({
      meta: { type: 'IncidentResolved' },
      payload: { resolution: 'dismissed', resolvedBy: 'user:alice', reason: 'a load test, not customers' },
    });
    await waitFor(() => consumedPast(env, env.topics.commands, sent.partition, sent.offset), {
      timeoutMs: 60_000,
      maxIntervalMs: 500,
    });
    // Nothing more, nothing twice; the incidents topic's seqs run on without a gap.
    expect(await keyedEvents(env, env.topics.incidents, incidentId)).toHaveLength(already + 3);
    expectWellFormedIncidents(await keyedEvents(env, env.topics.incidents));
    // The detectors remember the dismissal: its templates and subjects stay quiet for the hour asked.
    const doc = await env.db.collection('anomaly_incidents').findOne({ _id: incidentId as never });
    expect(doc).toMatchObject({ status: 'resolved', resolution: 'dismissed' });
    expect(doc!.quietUntil).toBe(dismiss.meta.occurredAt + 3_600_000);
  });
});

describe('anomaly.detect on a latency regression (hour-scale performance detection)', () => {
  it('judges an hour and a half of normal traffic quietly, then opens one incident on the slowed templates', async () => {
    // Two hours at 1 request/s (the demo's rate): an hour for the detector to learn, half an hour judged as normal,
    // then chargePayment five times slower for ten minutes.
    const env = await environment();
    const services = [await startTelemetryParse(env), await startAnomalyDetect(env)];
    try {
      const durationMs = 120 * MINUTE;
      const fault = { kind: 'latency-regression' as const, start: T0 + 90 * MINUTE, end: T0 + 100 * MINUTE };
      const traffic = generateTraffic({ seed: 5, start: T0, durationMs, ratePerSecond: 1, faults: [fault] });
      const file = join(env.logRoot, 'checkout.log');
      writeFileSync(file, traffic.lines.join('\n') + '\n');
      await shipAndParse(env, file, 'run-latency');
      const detect = await untilEnded(env, env.topics.anomalyDetectEvents, 'run-latency');
      expect(detect.map((e) => e.meta.type)).toEqual(DETECT_BEATS);
      const completed = detect[8]!.payload as Completed;
      expect(completed.incidentsOpened).toHaveLength(1);

      const opened = (await keyedEvents(env, env.topics.incidents)).filter(
        (e) => e.meta.type === 'IncidentOpened',
      );
      expect(opened).toHaveLength(1);
      const incident = opened[0]!.payload as Opened;
      expect(incident.kinds).toContain('performance');
      const latency = incident.findings.filter((f) => f.evidence['metric'] === 'latency.p95');
      expect(latency.length).toBeGreaterThan(0);
      // Every latency finding is about the slowed step or the completion line timing the whole request, and began
      // in the fault; nothing was reported in the half hour of normal traffic judged before it.
      const slowed = /^(charged .* took <\*> ms|POST .* completed .* took <\*> ms)$/;
      for (const f of latency) {
        expect(f.explanation).toMatch(/latency\.p95 of checkout ".*" rose to/);
        expect(f.since).toBeGreaterThanOrEqual(fault.start);
        expect(f.since).toBeLessThan(fault.end);
        expect(f.evidence).toMatchObject({ direction: 'up' });
        expect(/"(.*)"/.exec(f.explanation)?.[1]).toMatch(slowed);
      }
      expect(incident.findings.every((f) => f.since >= fault.start)).toBe(true);
    } finally {
      for (const s of services) await s.stop();
      await env.mongo.close();
    }
  });
});

describe('anomaly.detect killed with SIGKILL mid-run', () => {
  it('resumes and publishes the same incidents as an uninterrupted run, each beat once', async () => {
    // Two isolated environments get the same traffic; in one anomaly.detect runs undisturbed, in the other it is
    // a child process killed while a beat of the detection run is in flight, then restarted.
    const calm = await environment();
    const chaos = await environment();
    const children: ChildProcess[] = [];
    const services: RunningService[] = [];
    const start = (env: Env) => {
      const child = fork(join(import.meta.dirname, '../services/anomaly-detect/src/main.ts'), [], {
        execArgv: ['--import', 'tsx', '--conditions=development'],
        env: { ...process.env, ...serviceEnv(env), LOG_LEVEL: 'error' },
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      });
      children.push(child);
      return child;
    };
    const exited = (c: ChildProcess) =>
      new Promise<void>((resolve) =>
        c.exitCode !== null || c.signalCode !== null ? resolve() : c.once('exit', () => resolve()),
      );
    const committed = async (env: Env) =>
      (await keyedEvents(env, env.topics.anomalyDetectEvents, 'run-chaos')).length;
    try {
      services.push(
        await startTelemetryParse(calm),
        await startTelemetryParse(chaos),
        await startAnomalyDetect(calm),
      );
      for (const env of [calm, chaos])
        await shipAndParse(env, writeTraffic(env, ['error-burst', 'new-exception'], 23), 'run-chaos');

      // Kill points by the run's progress in the log: once beats 1, 2, 4 and 7 are committed, while the next beats
      // run (a kill after the run completed would count for nothing, see the assertion below). The last one lands
      // in or around the store beat, whose retry once hung on FerretDB (a large repeated bulk upsert; now batched).
      const atKill: Array<{ after: number; committedAtKill: number }> = [];
      for (const after of [1, 2, 4, 7]) {
        const victim = start(chaos);
        await waitFor(async () => (await committed(chaos)) >= after, {
          timeoutMs: 90_000,
          intervalMs: 50,
          maxIntervalMs: 100,
          message: `beat ${after} of the chaos run committed`,
        });
        victim.kill('SIGKILL');
        await exited(victim);
        atKill.push({ after, committedAtKill: await committed(chaos) });
      }
      console.info(`anomaly.detect killed at: ${JSON.stringify(atKill)}`);
      const survivor = start(chaos);
      const calmEvents = await untilEndedWhileProgressing(calm, calm.topics.anomalyDetectEvents, 'run-chaos');
      const chaosEvents = await untilEndedWhileProgressing(
        chaos,
        chaos.topics.anomalyDetectEvents,
        'run-chaos',
      );
      survivor.kill('SIGTERM');
      await exited(survivor);

      // At least one kill landed while the run was under way (a beat pending, its event not yet in the log).
      expect(
        atKill.filter((k) => k.committedAtKill < DETECT_BEATS.length).length,
        `progress at each kill: ${JSON.stringify(atKill)}`,
      ).toBeGreaterThanOrEqual(1);
      expect(calmEvents.map((e) => e.meta.type)).toEqual(DETECT_BEATS);
      // Each beat's event is in the log once, whatever happened to the service.
      expect(chaosEvents.map((e) => e.meta.type)).toEqual(DETECT_BEATS);
      expect(chaosEvents.map((e) => e.meta.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(chaosEvents.map((e) => e.payload)).toEqual(calmEvents.map((e) => e.payload));

      const calmIncidents = await keyedEvents(calm, calm.topics.incidents);
      const chaosIncidents = await keyedEvents(chaos, chaos.topics.incidents);
      const opened = (events: StageEvent[]) =>
        events
          .filter((e) => e.meta.type === 'IncidentOpened')
          .map((e) => e.meta.incidentId)
          .sort();
      expect(opened(calmIncidents).length).toBeGreaterThanOrEqual(1);
      expect(opened(chaosIncidents)).toEqual(opened(calmIncidents));
      expect([...seqsByIncident(chaosIncidents).keys()].sort()).toEqual(
        [...seqsByIncident(calmIncidents).keys()].sort(),
      );
      expectWellFormedIncidents(chaosIncidents);
      // The same lifecycle events, with the same content, in the same order per incident.
      const lifecycle = (events: StageEvent[]) =>
        events
          .map((e) => ({ key: e.meta.incidentId, type: e.meta.type, seq: e.meta.seq, payload: e.payload }))
          .sort((a, b) => a.key.localeCompare(b.key) || a.seq - b.seq);
      expect(lifecycle(chaosIncidents)).toEqual(lifecycle(calmIncidents));
    } finally {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      for (const s of services) await s.stop();
      await calm.mongo.close();
      await chaos.mongo.close();
    }
  }, 900_000); // an outer bound only: each wait above fails when its own step makes no progress
});
