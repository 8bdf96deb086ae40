import type { Kafka } from 'kafkajs';
import type { Db } from 'mongodb';
import {
  payloadLimits,
  type EventType,
  type Level,
  type PayloadOf,
  type TemplatedEvent,
  type WindowAggregate,
} from '@self-healing/schemas';
import {
  ChunkStore,
  DetectionEventStore,
  DLQ_HEADERS,
  maxOf,
  minOf,
  type BeatHandler,
  type BeatResult,
  type OutputRecord,
  type TopicNames,
} from '@self-healing/shared';
import { TemplateMiner, type MinerSnapshot } from '../mining/index.js';
import {
  aggregateEvents,
  distinctTemplates,
  mergeExtractResults,
  mineDecoded,
  normalizeEvents,
  servicesOf,
  type DecodedBatch,
  type ExtractResult,
  type NormalizeResult,
  type PositionedRecord,
} from './steps.js';
import { RunMemo } from './run-memo.js';
import { decodeJob, type DecodePool } from './decode-pool.js';
import { readSource, resolveUnderRoot, type LoadedSource } from './sources.js';
import { TelemetryStore, minerStates, restoreMiner, watermarkStates } from './stores.js';
import { validateParseCommand } from './validate.js';

export interface TelemetryParseSettings {
  logRoot: string;
  rawTopic: string;
  defaultWindowMs: number;
  allowedLatenessMs: number;
  defaultZone: string;
  defaultLevel: Level;
  storeRawEvents: boolean;
  rawRetentionDays: number;
  parserVersion: string;
  /** Worker threads decoding records while the beat mines (0: decode on the beat's thread). */
  decodeWorkers: number;
}

type Requested = PayloadOf<'TelemetryParseRequested'>;

/** What one run's beats hand each other in this process (see RunMemo); each can be recomputed when missing. */
interface RunWork {
  records: PositionedRecord[];
  extracted: ExtractResult;
  normalized: NormalizeResult;
  aggregates: WindowAggregate[];
}

/** Staging step holding the miners' state as this run found it, per service. */
const MINERS_BEFORE = 'miners-before';
type Outputs = { outputs: Partial<Record<string, unknown>> };

const requestOf = (context: unknown): Requested => {
  const requested = (context as Outputs).outputs.TelemetryParseRequested as Requested | undefined;
  if (!requested) throw new Error('the run has no accepted request in its state');
  return requested;
};

/** A beat's event, its payload checked against the contract of its type at compile time. */
const result = <T extends EventType>(
  type: T,
  payload: PayloadOf<T>,
  extra: Omit<BeatResult, 'event'> = {},
): BeatResult => ({ event: { type, payload }, ...extra });

/**
 * The telemetry.parse beats. Bulk data flows between beats in memory (RunMemo); the events carry summaries.
 * What a beat cannot recompute from the source is kept with the run in MongoDB staging: the miners' starting
 * state and the aggregates. Every beat can run again for the same run and produce the same output: sources are
 * re-read by exact offsets or content hash, run-scoped state starts from its "before", writes are keyed.
 */
export function telemetryParseHandlers(deps: {
  kafka: Kafka;
  db: Db;
  settings: TelemetryParseSettings;
  topics: TopicNames;
  /** Decodes slices of a run off this thread; see DecodePool. Its owner closes it. */
  decoders: DecodePool;
}): Record<string, BeatHandler> {
  const { kafka, db, settings } = deps;
  const staging = new ChunkStore(db, 'telemetry_staging');
  const detectionEvents = new DetectionEventStore(db);
  const store = new TelemetryStore(db);
  const miners = minerStates(db);
  const watermarks = watermarkStates(db);
  const readContext = { kafka, logRoot: settings.logRoot, rawTopic: settings.rawTopic };
  const memo = new RunMemo<RunWork>(2);
  const { decoders } = deps;
  /** Indexes are made once per process; a failure is tried again by the next store beat. */
  let indexesReady: Promise<void> | undefined;
  const indexesOnce = (): Promise<void> =>
    (indexesReady ??= store.ensureIndexes().catch((error: unknown) => {
      indexesReady = undefined;
      throw error;
    }));

  const readRunSource = async (requested: Requested) => {
    const source = {
      kind: requested.source.kind,
      topic: requested.source.topic ?? null,
      partitions: requested.source.partitions,
      paths: requested.source.paths,
    };
    return readSource(source, requested.services, readContext);
  };

  /** Extraction again, from the source and the miners' state this run started from (kept by the extract beat). */
  const recomputeExtraction = async (runId: string, requested: Requested): Promise<ExtractResult> => {
    const { records } = await readRunSource(requested);
    const staged = await staging.read<{ service: string; snapshot: MinerSnapshot | null }>(
      runId,
      MINERS_BEFORE,
    );
    const before = new Map(staged.map((m) => [m.service, m.snapshot]));
    const run = await extractRun(decoders, records, requested, async (service) => {
      if (!before.has(service))
        throw new Error(`run ${runId} recorded no miner state for service ${service}`);
      return before.get(service)!;
    });
    return run.extracted;
  };

  const aggregatesOf = async (runId: string): Promise<WindowAggregate[]> =>
    memo.get(runId, 'aggregates') ?? (await staging.read<WindowAggregate>(runId, 'aggregates'));

  const normalizedOf = async (runId: string, requested: Requested): Promise<NormalizeResult> => {
    const cached = memo.get(runId, 'normalized');
    if (cached) return cached;
    const extracted = memo.get(runId, 'extracted') ?? (await recomputeExtraction(runId, requested));
    const n = normalizeEvents(extracted.events, {
      defaultZone: settings.defaultZone,
      defaultLevel: settings.defaultLevel,
      timeRange: requested.timeRange
        ? { from: requested.timeRange.from, to: requested.timeRange.until }
        : null,
      services: requested.services,
    });
    memo.set(runId, 'normalized', n);
    return n;
  };

  return {
    /** Validates the request: a clear rejection, or the run's parameters for every later beat. */
    parseTelemetryRequested: async ({ cause }) => {
      const verdict = validateParseCommand(cause, {
        defaultWindowMs: settings.defaultWindowMs,
        rawTopic: settings.rawTopic,
        isUnderLogRoot: async (p) =>
          resolveUnderRoot(settings.logRoot, p).then(
            () => null,
            (e: Error & { code?: string }) => ({ code: e.code ?? 'bad-path', message: e.message }),
          ),
      });
      const v = await verdict;
      if (!v.ok)
        return result('TelemetryParseRejected', {
          reasons: v.reasons,
          commandType: cause.meta.type,
          commandId: cause.meta.eventId,
        });
      return result('TelemetryParseRequested', v.requested);
    },

    /** Reads the source once to know what it holds (sizes, records, hashes); an empty source is refused. */
    loadLogFiles: async ({ context, incidentId: runId }) => {
      const requested = requestOf(context);
      const { loaded, records, skipped } = await readRunSource(requested);
      if (records.length === 0) {
        return result('TelemetryParseRejected', {
          reasons: [
            { code: 'empty-source', message: 'the source holds no records', field: 'source' },
            ...skipped.map((s) => ({ ...s, field: 'source' })),
          ],
          commandType: 'ParseTelemetryCommand',
          commandId: null,
        });
      }
      memo.set(runId, 'records', records);
      return result('LogFilesLoaded', {
        sources: loaded.map(loadedForEvent),
        bytes: loaded.reduce((n, s) => n + s.bytes, 0),
        records: records.length,
        skipped: skipped.map((s) => ({ ...s, field: null })),
      });
    },

    /** Decodes, redacts and mines every record; undecodable records go to the dead-letter topic. */
    extractTelemetryEvents: async ({ context, incidentId: runId }) => {
      const requested = requestOf(context);
      const records = memo.get(runId, 'records') ?? (await readRunSource(requested)).records;
      // Miners start from their state before this run (a retry mines the same way); that starting state is
      // also kept with the run, so a later beat that has to recompute extraction does it exactly.
      const run = await extractRun(decoders, records, requested, (service) => miners.load(service, runId));
      await staging.write(
        runId,
        MINERS_BEFORE,
        [...run.before].map(([service, snapshot]) => ({ service, snapshot })),
      );
      for (const [service, miner] of run.miners)
        await miners.save(service, runId, run.before.get(service) ?? null, miner.snapshot());
      const extracted = run.extracted;
      memo.set(runId, 'extracted', extracted);
      memo.forget(runId, 'records');
      const raw: OutputRecord[] = extracted.deadLetters.map((d) =>
        deadLetter(deps.topics.deadLetter, records, d),
      );
      return result(
        'TelemetryEventsExtracted',
        {
          parser: {
            name: 'drain-family-miner',
            version: settings.parserVersion,
            configHash: TemplateMiner.name,
          },
          records: extracted.records,
          events: extracted.events.length,
          unparsed: extracted.unparsed,
          byFormat: extracted.byFormat,
          templates: extracted.templates,
          newTemplates: extracted.newTemplates.length,
          withStack: extracted.withStack,
          rejected: extracted.rejected,
          redactions: extracted.redactions,
        },
        { raw },
      );
    },

    /** UTC times in the source's zone, one level vocabulary, units, names, and the request's filters. */
    normalizeTelemetryData: async ({ context, incidentId: runId }) => {
      const requested = requestOf(context);
      const n = await normalizedOf(runId, requested);
      memo.forget(runId, 'extracted');
      return result('TelemetryDataNormalized', {
        events: n.events.length,
        services: n.services.map((s) => ({
          ...s,
          timeRange: { from: s.timeRange.from, until: s.timeRange.to + 1 },
        })),
        timeRange: n.timeRange ? { from: n.timeRange.from, until: n.timeRange.to + 1 } : null,
        byLevel: n.byLevel,
        droppedOutOfRange: n.droppedOutOfRange,
        droppedDuplicates: n.droppedDuplicates,
        sessions: n.sessions,
        rejected: n.rejected,
        levelDefaulted: n.levelDefaulted,
      });
    },

    /** Per service, template and window: counts, errors, latency sketches; late events beyond the bound dropped. */
    aggregateTelemetryMetrics: async ({ context, incidentId: runId }) => {
      const requested = requestOf(context);
      const { events } = await normalizedOf(runId, requested);
      const services = [...new Set(events.map((e) => e.service))].sort();
      const previous: Record<string, number> = {};
      const nextMarks: Record<string, { before: Record<string, number>; after: Record<string, number> }> = {};
      for (const s of services) {
        const mark = await watermarks.load(s, runId);
        if (mark[s] !== undefined) previous[s] = mark[s]!;
        nextMarks[s] = { before: mark, after: {} };
      }
      const known = await knownTemplatesBefore(store, events, runId);
      const a = aggregateEvents(events, {
        windowMs: requested.windowMs,
        allowedLatenessMs: settings.allowedLatenessMs,
        previousMaxEventTime: previous,
        knownTemplates: known,
      });
      // Aggregates depend on what other runs did before this one (watermarks, known templates): they are kept
      // with the run (they are small) rather than recomputed.
      await staging.write(runId, 'aggregates', a.aggregates);
      memo.set(runId, 'aggregates', a.aggregates);
      for (const s of services)
        await watermarks.save(s, runId, nextMarks[s]!.before, { [s]: a.maxEventTime[s]! });
      const windows = new Set(a.aggregates.map((x) => x.windowStart));
      const series = new Set(a.aggregates.map((x) => `${x.service}\u0000${x.templateId}`));
      const starts = a.aggregates.map((x) => x.windowStart);
      return result('TelemetryMetricsAggregated', {
        windowMs: requested.windowMs,
        windows: windows.size,
        aggregates: a.aggregates.length,
        series: series.size,
        withLatency: a.aggregates.filter((x) => x.latency !== null).length,
        timeRange: starts.length ? { from: minOf(starts), until: maxOf(starts) + requested.windowMs } : null,
        droppedLate: a.droppedLate,
      });
    },

    /** Templates, the run's window aggregates and (if configured) raw events, all by key: storing twice is a no-op. */
    storeTelemetryDatabase: async ({ context, incidentId: runId, effects }) => {
      const aggregates = await aggregatesOf(runId);
      const { events } = await normalizedOf(runId, requestOf(context));
      // What behavioural and error detection need besides aggregates: events of a session or trace, and errors.
      const forDetection = events.filter(
        (e) =>
          e.traceId !== null ||
          e.sessionId !== null ||
          e.stack.length > 0 ||
          e.level === 'error' ||
          e.level === 'fatal',
      );
      const templates = templatesOf(aggregates);
      // Independent collections, written at once: this thread packs the events while the server stores the rest.
      const indexed = indexesOnce();
      const [, , aggregatesWritten] = await Promise.all([
        detectionEvents.write(runId, forDetection),
        indexed.then(() => store.storeTemplates(runId, templates)),
        indexed.then(() => store.storeAggregates(runId, aggregates)),
      ]);
      // Counts are of what this run writes, the same on every attempt (not what an interrupted attempt wrote).
      const writes = [
        {
          collection: 'telemetry_templates',
          written: templates.length,
          unchanged: 0,
        },
        {
          collection: 'telemetry_aggregates',
          written: aggregatesWritten,
          unchanged: 0,
        },
        { collection: DetectionEventStore.COLLECTION, written: forDetection.length, unchanged: 0 },
      ];
      if (settings.storeRawEvents) {
        const r = await store.storeRawEvents(runId, events, settings.rawRetentionDays, Date.now());
        writes.push({ collection: 'telemetry_events', written: r.written, unchanged: 0 });
      }
      await effects.once('run-document', async () => {
        await db
          .collection('telemetry_runs')
          .replaceOne(
            { _id: runId as never },
            { runId, aggregates: aggregates.length, templates: templates.length, storedAt: new Date() },
            { upsert: true },
          );
        return true;
      });
      return result('TelemetryStored', { run: { collection: 'telemetry_runs', id: runId }, writes });
    },

    /** Hands the run's aggregates to detection (capped inline; the rest is in MongoDB) and cleans up staging. */
    parseTelemetryCompleted: async ({ context, incidentId: runId }) => {
      const requested = requestOf(context);
      const outputs = (context as Outputs).outputs;
      const extracted = outputs.TelemetryEventsExtracted as PayloadOf<'TelemetryEventsExtracted'>;
      const normalized = outputs.TelemetryDataNormalized as PayloadOf<'TelemetryDataNormalized'>;
      const aggregates = await aggregatesOf(runId);
      const inline = aggregates.slice(0, payloadLimits.inlineAggregates);
      return result(
        'TelemetryParseCompleted',
        {
          runId,
          services: [...new Set(aggregates.map((a) => a.service))].sort(),
          timeRange: normalized.timeRange,
          windowMs: requested.windowMs,
          events: normalized.events,
          templates: extracted.templates,
          newTemplates: extracted.newTemplates,
          aggregates: inline,
          aggregateCount: aggregates.length,
          aggregatesComplete: inline.length === aggregates.length,
          run: { collection: 'telemetry_runs', id: runId },
        },
        {
          afterCommit: async () => {
            memo.drop(runId);
            await staging.clear(runId);
          },
        },
      );
    },
  };
}

/** Records per decode job, and jobs decoded ahead of the miner (bounds the memory of work in flight). */
const SLICE_RECORDS = 20;
const SLICES_AHEAD = 6;

/**
 * Extraction of a whole run in slices: slices are decoded ahead on the decode pool (and by this thread when it
 * would otherwise wait) while this thread mines the ones already decoded, in order. The miners of the services a slice names are loaded (from `loadSnapshot`) the
 * first time a service appears. The event loop gets a turn between slices: heartbeats keep flowing.
 */
async function extractRun(
  decoders: DecodePool,
  records: readonly PositionedRecord[],
  requested: Requested,
  loadSnapshot: (service: string) => Promise<MinerSnapshot | null>,
): Promise<{
  extracted: ExtractResult;
  before: Map<string, MinerSnapshot | null>;
  miners: Map<string, TemplateMiner>;
}> {
  const before = new Map<string, MinerSnapshot | null>();
  const miners = new Map<string, TemplateMiner>();
  const ensureMiner = async (service: string) => {
    if (miners.has(service)) return;
    const snapshot = await loadSnapshot(service);
    before.set(service, snapshot);
    miners.set(service, restoreMiner(snapshot));
  };
  for (const service of await knownServices(records, requested)) await ensureMiner(service);
  const job = {
    defaultService: requested.services[0] ?? 'unknown',
    formats: requested.formats.map(formatName),
  };
  const minerFor = (service: string) => miners.get(service)!;
  const slices = Math.ceil(records.length / SLICE_RECORDS);
  const sliceJob = (k: number) => ({
    ...job,
    records: records.slice(k * SLICE_RECORDS, (k + 1) * SLICE_RECORDS),
  });
  const decoded: Array<DecodedBatch | undefined> = [];
  const decoding: Array<Promise<void> | undefined> = [];
  let next = 0; // the first slice nobody decodes yet
  const parts: ExtractResult[] = [];
  try {
    for (let i = 0; i < slices; i++) {
      while (next < slices && next < i + SLICES_AHEAD) {
        const k = next++;
        decoding[k] = decoders.decode(sliceJob(k)).then((batch) => void (decoded[k] = batch));
      }
      // Rather than wait for the pool, this thread decodes a later slice itself: decoding costs more than
      // mining, so otherwise it would idle while the decoders catch up.
      while (decoded[i] === undefined && decoders.size > 0 && next < slices) {
        const k = next++;
        decoded[k] = decodeJob(sliceJob(k));
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (decoded[i] === undefined) await decoding[i];
      const batch = decoded[i]!;
      decoded[i] = undefined;
      decoding[i] = undefined;
      for (const service of servicesOf(batch)) await ensureMiner(service);
      parts.push(mineDecoded(batch, { minerFor }));
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    // A failed slice must not leave rejections of the ones decoded ahead unobserved.
    for (const d of decoding) d?.catch(() => undefined);
  }
  return { extracted: mergeExtractResults(parts), before, miners };
}

function formatName(f: string): 'text' | 'json' | 'otlp-proto' | 'otlp-json' {
  return (
    (
      { plain_text: 'text', json_lines: 'json', otlp_protobuf: 'otlp-proto', otlp_json: 'otlp-json' } as const
    )[f as 'plain_text'] ?? 'text'
  );
}

function loadedForEvent(s: LoadedSource) {
  return {
    name: s.name,
    format: s.format,
    bytes: s.bytes,
    records: s.records,
    fromOffset: s.fromOffset,
    toOffset: s.toOffset,
    sha256: s.sha256,
  };
}

/** Services whose miners to load before mining: those named by the request or by the records' headers. */
async function knownServices(records: readonly PositionedRecord[], requested: Requested): Promise<string[]> {
  const names = new Set<string>(requested.services.map((s) => s.toLowerCase()));
  for (const r of records) {
    const s = r.record.headers.service;
    if (s) names.add(s.trim().toLowerCase());
  }
  return [...names];
}

/** Templates some earlier run stored: their windows in this run are not `newTemplate`. */
async function knownTemplatesBefore(
  store: TelemetryStore,
  events: readonly TemplatedEvent[],
  runId: string,
): Promise<Set<string>> {
  const ids: string[] = [];
  for (const [service, templateIds] of distinctTemplates(events))
    for (const templateId of templateIds) ids.push(`${service}|${templateId}`);
  const known = new Set<string>();
  for (let i = 0; i < ids.length; i += 1000) {
    const docs = await store.templates
      .find({ _id: { $in: ids.slice(i, i + 1000) }, firstRunId: { $ne: runId } })
      .toArray();
    for (const t of docs) known.add(`${t.service}\u0000${t.templateId}`);
  }
  return known;
}

function templatesOf(aggregates: readonly WindowAggregate[]) {
  const byKey = new Map<
    string,
    { service: string; templateId: string; template: string; firstSeen: number; lastSeen: number }
  >();
  for (const a of aggregates) {
    const key = `${a.service}|${a.templateId}`;
    const t = byKey.get(key);
    if (!t)
      byKey.set(key, {
        service: a.service,
        templateId: a.templateId,
        template: a.template,
        firstSeen: a.firstSeen,
        lastSeen: a.lastSeen,
      });
    else {
      t.firstSeen = Math.min(t.firstSeen, a.firstSeen);
      t.lastSeen = Math.max(t.lastSeen, a.lastSeen);
    }
  }
  return [...byKey.values()];
}

function deadLetter(
  dlqTopic: string,
  records: readonly PositionedRecord[],
  d: { position: string; reason: string; detail: string },
): OutputRecord {
  const source = records.find((r) => r.position === d.position);
  const [topic, partition, offset] = d.position.split('/');
  return {
    topic: dlqTopic,
    key: source?.record.key ?? source?.record.headers.service ?? 'unknown',
    value: Buffer.from(source?.record.value ?? new Uint8Array()),
    headers: {
      ...Object.fromEntries(
        Object.entries(source?.record.headers ?? {}).filter((e): e is [string, string] => e[1] !== undefined),
      ),
      [DLQ_HEADERS.error]: `${d.reason}: ${d.detail}`.slice(0, 2000),
      [DLQ_HEADERS.errorCode]: d.reason,
      [DLQ_HEADERS.topic]: topic ?? d.position,
      [DLQ_HEADERS.partition]: partition ?? '',
      [DLQ_HEADERS.offset]: offset ?? '',
      [DLQ_HEADERS.attempts]: '1',
      [DLQ_HEADERS.service]: 'telemetry-parse',
    },
  };
}
