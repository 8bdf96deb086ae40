import { readFile } from 'node:fs/promises';
import type { Db } from 'mongodb';
import type {
  EventType,
  Finding,
  FindingKind,
  PayloadOf,
  Severity,
  TemplatedEvent,
  WindowAggregate,
} from '@self-healing/schemas';
import {
  ChunkStore,
  DetectionEventStore,
  RunScopedState,
  append,
  buildEvent,
  outsideBeatMeta,
  bulkWriteInBatches,
  maxOf,
  minOf,
  type BeatHandler,
  type BeatResult,
  type StageEvent,
  type TopicNames,
} from '@self-healing/shared';
import { PerformanceMonitor, type PerformanceMonitorState } from '../performance/index.js';
import {
  BehavioralDetector,
  DeclaredModel,
  LearnedModel,
  type BehavioralSnapshot,
  type ExpectedSequence,
  type LearnedModelSnapshot,
} from '../behavioral/index.js';
import {
  ProductionProfileBuilder,
  detectCoverageGaps,
  parseIstanbul,
  parseLcov,
  type DeclaredEntry,
} from '../coverage/index.js';
import {
  ErrorBurstDetector,
  ErrorPatternDetector,
  type ErrorBurstSnapshot,
  type ErrorPatternSnapshot,
} from '../errors/index.js';
import {
  emptyIncidentReducerState,
  evolve,
  type Incident,
  type IncidentReducerState,
} from '../incidents/index.js';
import { validateDetectionTrigger } from './validate.js';
import { completeWindows, mergeContributions } from './windows.js';

export interface AnomalyDetectSettings {
  /** lcov (`.info`) or Istanbul JSON report of the watched codebase; without it coverage gaps are skipped. */
  coverageReport: string | null;
  /** JSON list of declared handlers/routes (`DeclaredEntry[]`) that production is expected to reach. */
  declaredEntries: string | null;
  /** JSON list of expected sequences (`ExpectedSequence[]`); without it behaviour is learned from traffic. */
  declaredSequences: string | null;
  detectorVersion: string;
  /** Options of each series' detector (time scales, thresholds); see SeriesDetectorOptions. */
  performanceDetector: Record<string, number | boolean>;
}

/** Everything the detectors remember between runs; committed by the store beat, as before/after the run. */
export interface DetectorMemory {
  performance: PerformanceMonitorState | null;
  learnedModel: LearnedModelSnapshot | null;
  behavioral: BehavioralSnapshot | null;
  bursts: ErrorBurstSnapshot | null;
  patterns: ErrorPatternSnapshot | null;
  incidents: IncidentReducerState;
  /** Last `seq` published per incident on the incidents topic. */
  incidentSeq: Record<string, number>;
  /**
   * Newest event time each event-fed detector has taken in: a later run over data already examined (a second
   * detection of the same parse run) must not feed the same sessions or errors again.
   */
  behavioralSeenUntil: number;
  patternsSeenUntil: number;
}

const emptyMemory = (): DetectorMemory => ({
  performance: null,
  learnedModel: null,
  behavioral: null,
  bursts: null,
  patterns: null,
  incidents: emptyIncidentReducerState(),
  incidentSeq: {},
  behavioralSeenUntil: Number.NEGATIVE_INFINITY,
  patternsSeenUntil: Number.NEGATIVE_INFINITY,
});

type Requested = PayloadOf<'AnomalyDetectionRequested'>;
type Outputs = { outputs: Partial<Record<string, unknown>> };
interface DetectorOutcome<S> {
  findings: Finding[];
  state: S;
  evaluated: number;
  skipped: number;
}
interface PlannedEvent {
  topic: string;
  key: string;
  event: StageEvent;
}
/** What the aggregate beat decided, left for the store and completion beats. */
interface IncidentPlan {
  state: IncidentReducerState;
  incidentSeq: Record<string, number>;
  planned: PlannedEvent[];
  findings: Finding[];
}

const result = <T extends EventType>(
  type: T,
  payload: PayloadOf<T>,
  extra: Omit<BeatResult, 'event'> = {},
): BeatResult => ({ event: { type, payload }, ...extra });

const requestOf = (context: unknown): Requested => {
  const r = (context as Outputs).outputs.AnomalyDetectionRequested as Requested | undefined;
  if (!r) throw new Error('the run has no accepted request in its state');
  return r;
};

const SEVERITY_ORDER: Severity[] = ['low', 'medium', 'high', 'critical'];

/**
 * The anomaly.detect beats. Detectors are online and keep their memory between runs (baselines, learned
 * sequences, known error templates, open incidents). Each detector beat starts from the memory as it was
 * before this run and leaves its new state in the run's chunks; the store beat commits them together.
 */
export function anomalyDetectHandlers(deps: {
  db: Db;
  settings: AnomalyDetectSettings;
  topics: TopicNames;
  producer: string;
}): Record<string, BeatHandler> {
  const { db, settings, topics } = deps;
  const chunks = new ChunkStore(db, 'anomaly_staging');
  const detectionEvents = new DetectionEventStore(db);
  const memory = new RunScopedState<DetectorMemory>(db, 'anomaly_memory', emptyMemory);
  const detector = (name: string) => ({
    name,
    version: settings.detectorVersion,
    configHash: `${name}/${settings.detectorVersion}`,
  });

  const loadAggregates = async (r: Requested): Promise<WindowAggregate[]> => {
    const filter: Record<string, unknown> = { runId: { $in: r.parseRunIds } };
    if (r.services.length) filter.service = { $in: r.services };
    if (r.timeRange) filter.windowStart = { $gte: r.timeRange.from, $lt: r.timeRange.until };
    const docs = await db
      .collection('telemetry_aggregates')
      .find(filter)
      .sort({ windowStart: 1, service: 1, templateId: 1 })
      .toArray();
    return docs.map(toWindowAggregate);
  };
  /**
   * The windows this run covers, whole: every run's contribution merged, minus the trailing window that is still
   * being filled (it is examined with the next run's data, instead of looking like a drop in traffic now).
   */
  const loadWholeWindows = async (r: Requested): Promise<WindowAggregate[]> => {
    const own = await loadAggregates(r);
    if (own.length === 0) return [];
    const until = r.timeRange?.until ?? maxOf(own.map((a) => a.lastSeen)) + 1;
    const docs = await db
      .collection('telemetry_aggregates')
      .find({
        service: { $in: [...new Set(own.map((a) => a.service))] },
        windowStart: { $gte: minOf(own.map((a) => a.windowStart)), $lt: until },
      })
      .toArray();
    return completeWindows(mergeContributions(docs.map(toWindowAggregate)), until);
  };
  const loadEvents = async (r: Requested): Promise<TemplatedEvent[]> => {
    const all: TemplatedEvent[] = [];
    for (const id of r.parseRunIds) append(all, await detectionEvents.read(id));
    return all
      .filter(
        (e) =>
          (r.services.length === 0 || r.services.includes(e.service)) &&
          (!r.timeRange || (e.timestamp >= r.timeRange.from && e.timestamp < r.timeRange.until)),
      )
      .sort((a, b) => a.timestamp - b.timestamp);
  };
  const wants = (r: Requested, kind: FindingKind) => r.detectors.includes(kind);
  const stage = async <S>(runId: string, step: string, outcome: DetectorOutcome<S>) =>
    chunks.write(runId, step, [outcome]);
  const staged = async <S>(runId: string, step: string) =>
    (await chunks.read<DetectorOutcome<S>>(runId, step))[0]!;

  return {
    detectAnomaliesRequested: async ({ cause }) => {
      const v = validateDetectionTrigger(cause);
      if (!v.ok)
        return result('AnomalyDetectionRejected', {
          reasons: v.reasons,
          commandType: cause.meta.type,
          commandId: cause.meta.eventId,
        });
      return result('AnomalyDetectionRequested', v.requested);
    },

    loadTelemetryData: async ({ context, incidentId: runId }) => {
      const r = requestOf(context);
      const [aggregates, events, mem] = await Promise.all([
        loadAggregates(r),
        loadEvents(r),
        memory.load('detectors', runId),
      ]);
      const series = new Set(aggregates.map((a) => `${a.service}\u0000${a.templateId}`));
      const starts = aggregates.map((a) => a.windowStart);
      const knownSeries = new Set(
        Object.keys(mem.performance ?? {}).length ? seriesKeysOf(mem.performance) : [],
      );
      return result('TelemetryDataLoaded', {
        aggregates: aggregates.length,
        series: series.size,
        services: [...new Set(aggregates.map((a) => a.service))].sort(),
        timeRange: starts.length
          ? { from: minOf(starts), until: maxOf(starts) + (aggregates[0]?.windowMs ?? 0) }
          : null,
        baselines: [...series].filter((s) => knownSeries.has(s)).length,
        coldSeries: [...series].filter((s) => !knownSeries.has(s)).length,
        sequenceModels: settings.declaredSequences ? 1 : mem.learnedModel ? 1 : 0,
        coverage: settings.coverageReport
          ? { collection: 'coverage-report-file', id: settings.coverageReport }
          : null,
        detectionEvents: events.length,
      });
    },

    detectPerformanceAnomalies: async ({ context, incidentId: runId }) => {
      const r = requestOf(context);
      const mem = await memory.load('detectors', runId);
      const aggregates = wants(r, 'performance') ? await loadWholeWindows(r) : [];
      const monitor = new PerformanceMonitor(
        { detector: settings.performanceDetector },
        mem.performance ?? undefined,
      );
      const findings = monitor.observe(aggregates);
      const outcome = {
        findings,
        state: monitor.state(),
        evaluated: new Set(aggregates.map((a) => `${a.service}|${a.templateId}`)).size,
        skipped: 0,
      };
      await stage(runId, 'performance', outcome);
      return result('PerformanceAnomaliesDetected', {
        detector: detector('robust-seasonal-novelty'),
        findings,
        evaluated: outcome.evaluated,
        skipped: 0,
      });
    },

    detectBehavioralAnomalies: async ({ context, incidentId: runId }) => {
      const r = requestOf(context);
      const mem = await memory.load('detectors', runId);
      const seenUntil = mem.behavioralSeenUntil ?? Number.NEGATIVE_INFINITY;
      const events = wants(r, 'behavioral')
        ? (await loadEvents(r)).filter(
            (e) => (e.traceId !== null || e.sessionId !== null) && e.timestamp > seenUntil,
          )
        : [];
      const declared = settings.declaredSequences
        ? (JSON.parse(await readFile(settings.declaredSequences, 'utf8')) as ExpectedSequence[])
        : null;
      const learned = declared
        ? null
        : mem.learnedModel
          ? LearnedModel.restore(mem.learnedModel)
          : new LearnedModel();
      const model = declared ? new DeclaredModel(declared) : learned!;
      const det = mem.behavioral
        ? BehavioralDetector.restore(model, mem.behavioral)
        : new BehavioralDetector(model);
      const findings: Finding[] = [];
      for (const e of events) findings.push(...det.push(e));
      const last = events.at(-1)?.timestamp;
      if (last !== undefined) findings.push(...det.advance(last));
      const sessions = new Set(events.map((e) => e.traceId ?? e.sessionId)).size;
      await stage(runId, 'behavioral', {
        findings,
        state: {
          detector: det.snapshot(),
          model: learned?.snapshot() ?? null,
          seenUntil: maxOf(
            events.map((e) => e.timestamp),
            seenUntil,
          ),
        },
        evaluated: sessions,
        skipped: 0,
      });
      return result('BehavioralAnomaliesDetected', {
        detector: detector(declared ? 'declared-sequences' : 'learned-directly-follows'),
        findings,
        evaluated: sessions,
        skipped: 0,
      });
    },

    detectCoverageGaps: async ({ context, incidentId: runId }) => {
      const r = requestOf(context);
      if (!wants(r, 'coverage') || !settings.coverageReport) {
        await stage(runId, 'coverage', { findings: [], state: null, evaluated: 0, skipped: 0 });
        return result('CoverageGapsDetected', {
          detector: detector(
            settings.coverageReport ? 'coverage-gaps' : 'coverage-gaps (no report configured)',
          ),
          findings: [],
          evaluated: 0,
          skipped: 0,
        });
      }
      const text = await readFile(settings.coverageReport, 'utf8');
      const coverage = settings.coverageReport.endsWith('.json')
        ? parseIstanbul(JSON.parse(text))
        : parseLcov(text);
      const declared = settings.declaredEntries
        ? (JSON.parse(await readFile(settings.declaredEntries, 'utf8')) as DeclaredEntry[])
        : [];
      const events = await loadEvents(r);
      const findings: Finding[] = [];
      let evaluated = 0;
      for (const service of [...new Set(events.map((e) => e.service))].sort()) {
        const profile = new ProductionProfileBuilder(service);
        for (const e of events) if (e.service === service) profile.add(e);
        const built = profile.build();
        evaluated += built.locations.length;
        findings.push(...detectCoverageGaps({ coverage, production: built, declared }));
      }
      await stage(runId, 'coverage', { findings, state: null, evaluated, skipped: 0 });
      return result('CoverageGapsDetected', {
        detector: detector('coverage-gaps'),
        findings,
        evaluated,
        skipped: 0,
      });
    },

    detectErrorPatterns: async ({ context, incidentId: runId }) => {
      const r = requestOf(context);
      const mem = await memory.load('detectors', runId);
      const on = wants(r, 'error');
      const aggregates = on ? await loadAggregates(r) : [];
      const seenUntil = mem.patternsSeenUntil ?? Number.NEGATIVE_INFINITY;
      const events = on ? (await loadEvents(r)).filter((e) => e.timestamp > seenUntil) : [];
      const bursts = mem.bursts ? ErrorBurstDetector.restore(mem.bursts) : new ErrorBurstDetector();
      const patterns = mem.patterns ? ErrorPatternDetector.restore(mem.patterns) : new ErrorPatternDetector();
      const findings = [...bursts.observe(aggregates)];
      for (const e of events) findings.push(...patterns.push(e));
      findings.push(...patterns.advance());
      const evaluated = new Set(aggregates.filter((a) => a.errorCount > 0).map((a) => a.templateId)).size;
      await stage(runId, 'errors', {
        findings,
        state: {
          bursts: bursts.snapshot(),
          patterns: patterns.snapshot(),
          seenUntil: maxOf(
            events.map((e) => e.timestamp),
            seenUntil,
          ),
        },
        evaluated,
        skipped: 0,
      });
      return result('ErrorPatternsDetected', {
        detector: detector('error-bursts-and-new-errors'),
        findings,
        evaluated,
        skipped: 0,
      });
    },

    /** Groups this run's findings with open incidents: open, update, reopen, or resolve what went quiet. */
    aggregateAnomalyResults: async ({ context, incidentId: runId }) => {
      const r = requestOf(context);
      const mem = await memory.load('detectors', runId);
      const outcomes = await Promise.all(
        ['performance', 'behavioral', 'coverage', 'errors'].map((s) => staged<unknown>(runId, s)),
      );
      const all = outcomes.flatMap((o) => o.findings);
      const unique = [...new Map(all.map((f) => [f.id, f])).values()];
      // Event time, not wall-clock time: replaying the same input decides the same way.
      const aggregates = await loadAggregates(r);
      const now = Math.max(
        0,
        maxOf(aggregates.map((a) => a.windowStart + a.windowMs)),
        maxOf(unique.map((f) => f.at)),
      );
      const evolved = evolve(mem.incidents, unique, now);
      const touched: Array<{ incident: Incident; action: 'open' | 'update' | 'reopen' | 'resolve' }> = [
        ...evolved.opened.map((incident) => ({ incident, action: 'open' as const })),
        ...evolved.updated.map((incident) => ({ incident, action: 'update' as const })),
        ...evolved.reopened.map((incident) => ({ incident, action: 'reopen' as const })),
        ...evolved.resolved.map((incident) => ({ incident, action: 'resolve' as const })),
      ];
      const byId = new Map(unique.map((f) => [f.id, f]));
      const groups = touched.map(({ incident, action }) => ({
        fingerprint: incident.signature,
        incidentId: incident.id,
        action,
        title: incident.summary,
        severity: incident.severity,
        kinds: incident.kinds,
        services: [incident.service],
        findingIds: incident.findingIds.filter((id) => byId.has(id)),
        since: incident.openedAt,
        at: incident.lastSeen,
      }));
      const incidentSeq = { ...mem.incidentSeq };
      const planned: PlannedEvent[] = touched.map(({ incident, action }) => {
        const seq = (incidentSeq[incident.id] ?? 0) + 1;
        incidentSeq[incident.id] = seq;
        return incidentEvent(incident, action, seq, byId, r, runId, topics.incidents, deps.producer, now);
      });
      await chunks.write<IncidentPlan>(runId, 'incidents', [
        { state: evolved.state, incidentSeq, planned, findings: unique },
      ]);
      return result('AnomalyResultsAggregated', {
        groups,
        findings: unique.length,
        suppressed: all.length - unique.length,
      });
    },

    /** Findings and incident documents by key, and the detectors' memory after this run, in one commit point. */
    storeAnomalyResults: async ({ incidentId: runId }) => {
      const before = await memory.load('detectors', runId);
      const [perf, beh, , err] = await Promise.all(
        ['performance', 'behavioral', 'coverage', 'errors'].map((s) => staged<unknown>(runId, s)),
      );
      const { state, incidentSeq, planned, findings } = (
        await chunks.read<IncidentPlan>(runId, 'incidents')
      )[0]!;
      // Counts are of what this run writes, not of what an earlier attempt already wrote: the event is the same
      // whether or not the beat ran before.
      await bulkWriteInBatches(
        db.collection('anomaly_findings'),
        findings.map((f) => ({
          replaceOne: { filter: { _id: f.id as never }, replacement: { ...f, runId }, upsert: true },
        })),
      );
      const touched = planned.map((p) => ({
        incidentId: p.key,
        action: actionOf(p.event.meta.type),
        version: p.event.meta.seq,
      }));
      for (const p of planned) {
        const incident = state.incidents[p.key];
        await db
          .collection('anomaly_incidents')
          .replaceOne(
            { _id: p.key as never },
            { ...incident, version: p.event.meta.seq, lastRunId: runId },
            { upsert: true },
          );
      }
      const behavioral = beh!.state as {
        detector: BehavioralSnapshot;
        model: LearnedModelSnapshot | null;
        seenUntil: number;
      };
      const errors = err!.state as {
        bursts: ErrorBurstSnapshot;
        patterns: ErrorPatternSnapshot;
        seenUntil: number;
      };
      await memory.save('detectors', runId, before, {
        performance: perf!.state as PerformanceMonitorState,
        learnedModel: behavioral.model,
        behavioral: behavioral.detector,
        bursts: errors.bursts,
        patterns: errors.patterns,
        incidents: state,
        incidentSeq,
        behavioralSeenUntil: behavioral.seenUntil,
        patternsSeenUntil: errors.seenUntil,
      });
      await db
        .collection('anomaly_runs')
        .replaceOne(
          { _id: runId as never },
          { runId, findings: findings.length, incidents: touched.length },
          { upsert: true },
        );
      return result('AnomalyResultsStored', {
        run: { collection: 'anomaly_runs', id: runId },
        writes: [
          {
            collection: 'anomaly_findings',
            written: findings.length,
            unchanged: 0,
          },
          { collection: 'anomaly_incidents', written: planned.length, unchanged: 0 },
        ],
        incidents: touched,
      });
    },

    /** Announces the run's outcome, and publishes the incident lifecycle events in the same transaction. */
    detectAnomaliesCompleted: async ({ incidentId: runId }) => {
      const { planned, findings } = (await chunks.read<IncidentPlan>(runId, 'incidents'))[0]!;
      const ids = (type: string) => planned.filter((p) => p.event.meta.type === type).map((p) => p.key);
      const byKind: Record<string, number> = {};
      for (const f of findings) byKind[f.kind] = (byKind[f.kind] ?? 0) + 1;
      const severities = planned
        .filter((p) => p.event.meta.type !== 'IncidentResolved')
        .map((p) => (p.event.payload as { severity: Severity }).severity);
      const highest =
        severities.sort((a, b) => SEVERITY_ORDER.indexOf(b) - SEVERITY_ORDER.indexOf(a))[0] ?? null;
      return result(
        'AnomalyDetectionCompleted',
        {
          runId,
          findings: findings.length,
          findingsByKind: byKind,
          incidentsOpened: ids('IncidentOpened'),
          incidentsUpdated: ids('IncidentUpdated'),
          incidentsReopened: ids('IncidentReopened'),
          incidentsResolved: ids('IncidentResolved'),
          highestSeverity: highest,
        },
        { publish: planned, afterCommit: async () => void (await chunks.clear(runId)) },
      );
    },
  };
}

function toWindowAggregate(d: Record<string, unknown> & Partial<WindowAggregate>): WindowAggregate {
  const sketch = d.latencySketch as unknown as { buffer: Uint8Array } | null | undefined;
  return {
    service: d.service!,
    templateId: d.templateId!,
    template: d.template!,
    windowStart: d.windowStart!,
    windowMs: d.windowMs!,
    count: d.count!,
    errorCount: d.errorCount!,
    latency: d.latency ?? null,
    latencySketch: sketch ? new Uint8Array(sketch.buffer) : null,
    firstSeen: d.firstSeen!,
    lastSeen: d.lastSeen!,
    newTemplate: d.newTemplate ?? false,
  };
}

function seriesKeysOf(state: PerformanceMonitorState | null): string[] {
  const series = (state as unknown as { series?: Record<string, unknown> } | null)?.series ?? {};
  return Object.keys(series).map((k) => k.split('|').slice(0, 2).join('\u0000'));
}

function actionOf(type: string): 'open' | 'update' | 'reopen' | 'resolve' | 'none' {
  return (
    (
      {
        IncidentOpened: 'open',
        IncidentUpdated: 'update',
        IncidentReopened: 'reopen',
        IncidentResolved: 'resolve',
      } as const
    )[type as 'IncidentOpened'] ?? 'none'
  );
}

function incidentEvent(
  incident: Incident,
  action: 'open' | 'update' | 'reopen' | 'resolve',
  seq: number,
  byId: Map<string, Finding>,
  r: Requested,
  runId: string,
  topic: string,
  producer: string,
  now: number,
): PlannedEvent {
  const findings = incident.findingIds
    .map((id) => byId.get(id))
    .filter((f): f is Finding => f !== undefined)
    .slice(0, 500);
  const timeRange = { from: incident.openedAt, until: Math.max(incident.lastSeen, incident.openedAt) + 1 };
  const payloads = {
    open: () => ({
      type: 'IncidentOpened',
      payload: {
        incidentId: incident.id,
        fingerprint: incident.signature,
        title: incident.summary,
        severity: incident.severity,
        kinds: incident.kinds,
        services: [incident.service],
        timeRange,
        findings,
        detectionRunId: runId,
        parseRunIds: r.parseRunIds,
      } satisfies PayloadOf<'IncidentOpened'>,
    }),
    update: () => ({
      type: 'IncidentUpdated',
      payload: {
        incidentId: incident.id,
        severity: incident.severity,
        previousSeverity: incident.severity,
        kinds: incident.kinds,
        services: [incident.service],
        timeRange,
        newFindings: findings,
        findingCount: incident.findingCount,
        detectionRunId: runId,
      } satisfies PayloadOf<'IncidentUpdated'>,
    }),
    reopen: () => ({
      type: 'IncidentReopened',
      payload: {
        incidentId: incident.id,
        previousResolution: 'recovered',
        severity: incident.severity,
        services: [incident.service],
        timeRange,
        findings,
        reopenCount: incident.reopenCount,
        detectionRunId: runId,
      } satisfies PayloadOf<'IncidentReopened'>,
    }),
    resolve: () => ({
      type: 'IncidentResolved',
      payload: {
        incidentId: incident.id,
        resolution: 'recovered',
        reason: `no finding for ${Math.round((now - incident.lastSeen) / 60_000)} min`,
        resolvedBy: 'anomaly.detect',
        patchId: null,
        deploymentId: null,
        pullRequestUrl: null,
        improvementScore: null,
        openForMs: (incident.resolvedAt ?? now) - incident.openedAt,
      } satisfies PayloadOf<'IncidentResolved'>,
    }),
  } as const;
  const { type, payload } = payloads[action]();
  const event = buildEvent(
    'incidents',
    { type, payload },
    outsideBeatMeta({ incidentId: incident.id, seq, correlationId: runId, occurredAt: now, producer }),
  );
  return { topic, key: incident.id, event };
}
