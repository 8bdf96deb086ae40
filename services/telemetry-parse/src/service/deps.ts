import type { Kafka } from 'kafkajs';
import type { Db } from 'mongodb';
import type { HandlerName, Level, PayloadOf, TemplatedEvent, WindowAggregate } from '@self-healing/schemas';
import {
  ChunkStore,
  DetectionEventStore,
  DLQ_HEADERS,
  RunMemo,
  type Beat,
  type OutputRecord,
  type TopicNames,
} from '@self-healing/shared';
import type { FormatSpec } from '../header/index.js';
import type { MinerSnapshot, TemplateMiner } from '../mining/index.js';
import {
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
import { keepDeadLetterOriginals, redactDeadLetter } from '@self-healing/shared/redaction';
import { decodeJob, type DecodePool } from './decode-pool.js';
import { readSource, type LoadedSource } from './sources.js';
import { RunWindowsStore, TelemetryStore, minerStates, watermarkStates, restoreMiner } from './stores.js';

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
  /** Declared log formats per service (catalogue `logFormat`); other services' text headers are inferred. */
  headerFormats: Record<string, FormatSpec>;
}

export type Requested = PayloadOf<'TelemetryParseRequested'>;

/** What one run's beats hand each other in this process (see RunMemo); each can be recomputed when missing. */
export interface RunWork {
  records: PositionedRecord[];
  extracted: ExtractResult;
  normalized: NormalizeResult;
  aggregates: WindowAggregate[];
}

/** Staging step holding the miners' state as this run found it, per service. */
export const MINERS_BEFORE = 'miners-before';

/** A telemetry.parse beat: see `beats/`, one file per beat. */
export type ParseBeat<H extends HandlerName<'telemetry.parse'>> = Beat<
  'telemetry.parse',
  H,
  TelemetryParseDeps
>;

/**
 * What the telemetry.parse beats share: the stores, and the run's bulk data. Bulk data flows between beats in
 * memory (RunMemo); the events carry summaries. What a beat cannot recompute from the source is kept with the run in
 * MongoDB staging: the miners' starting state and the aggregates. Every beat can run again for the same run and
 * produce the same output: sources are re-read by exact offsets or content hash, run-scoped state starts from its
 * "before", writes are keyed.
 */
export class TelemetryParseDeps {
  readonly staging: ChunkStore;
  readonly detectionEvents: DetectionEventStore;
  readonly store: TelemetryStore;
  /** The run's aggregates packed, as later stages read them. */
  readonly runWindows: RunWindowsStore;
  readonly miners: ReturnType<typeof minerStates>;
  readonly watermarks: ReturnType<typeof watermarkStates>;
  readonly memo = new RunMemo<RunWork>(2);
  private indexesReady: Promise<void> | undefined;

  constructor(
    readonly kafka: Kafka,
    readonly db: Db,
    readonly settings: TelemetryParseSettings,
    readonly topics: TopicNames,
    /** Decodes slices of a run off this thread; see DecodePool. Its owner closes it. */
    readonly decoders: DecodePool,
  ) {
    this.staging = new ChunkStore(db, 'telemetry_staging');
    this.detectionEvents = new DetectionEventStore(db);
    this.store = new TelemetryStore(db);
    this.runWindows = new RunWindowsStore(db);
    this.miners = minerStates(db);
    this.watermarks = watermarkStates(db);
  }

  /** Indexes are made once per process; a failure is tried again by the next store beat. */
  indexesOnce(): Promise<void> {
    return (this.indexesReady ??= this.store.ensureIndexes().catch((error: unknown) => {
      this.indexesReady = undefined;
      throw error;
    }));
  }

  readRunSource(requested: Requested) {
    const source = {
      kind: requested.source.kind,
      topic: requested.source.topic ?? null,
      partitions: requested.source.partitions,
      paths: requested.source.paths,
    };
    const { kafka, settings } = this;
    return readSource(source, requested.services, {
      kafka,
      logRoot: settings.logRoot,
      rawTopic: settings.rawTopic,
    });
  }

  /** Extraction again, from the source and the miners' state this run started from (kept by the extract beat). */
  async recomputeExtraction(runId: string, requested: Requested): Promise<ExtractResult> {
    const { records } = await this.readRunSource(requested);
    const staged = await this.staging.read<{ service: string; snapshot: MinerSnapshot | null }>(
      runId,
      MINERS_BEFORE,
    );
    const before = new Map(staged.map((m) => [m.service, m.snapshot]));
    const run = await extractRun(
      this.decoders,
      records,
      requested,
      async (service) => {
        if (!before.has(service))
          throw new Error(`run ${runId} recorded no miner state for service ${service}`);
        return before.get(service)!;
      },
      this.settings.headerFormats,
    );
    return run.extracted;
  }

  async aggregatesOf(runId: string): Promise<WindowAggregate[]> {
    return (
      this.memo.get(runId, 'aggregates') ?? (await this.staging.read<WindowAggregate>(runId, 'aggregates'))
    );
  }

  async normalizedOf(runId: string, requested: Requested): Promise<NormalizeResult> {
    const cached = this.memo.get(runId, 'normalized');
    if (cached) return cached;
    const extracted = this.memo.get(runId, 'extracted') ?? (await this.recomputeExtraction(runId, requested));
    const n = normalizeEvents(extracted.events, {
      defaultZone: this.settings.defaultZone,
      defaultLevel: this.settings.defaultLevel,
      timeRange: requested.timeRange
        ? { from: requested.timeRange.from, to: requested.timeRange.until }
        : null,
      services: requested.services,
    });
    this.memo.set(runId, 'normalized', n);
    return n;
  }
}

/** Records per decode job, and jobs decoded ahead of the miner (bounds the memory of work in flight). */
const SLICE_RECORDS = 20;
const SLICES_AHEAD = 6;

/**
 * Extraction of a whole run in slices: slices are decoded ahead on the decode pool (and by this thread when it
 * would otherwise wait) while this thread mines the ones already decoded, in order. The miners of the services a
 * slice names are loaded (from `loadSnapshot`) the first time a service appears. The event loop gets a turn between
 * slices: heartbeats keep flowing.
 */
export async function extractRun(
  decoders: DecodePool,
  records: readonly PositionedRecord[],
  requested: Requested,
  loadSnapshot: (service: string) => Promise<MinerSnapshot | null>,
  /** Declared log formats per service (see TelemetryParseSettings.headerFormats). */
  headerFormats: Record<string, FormatSpec> = {},
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
  for (const service of knownServices(records, requested)) await ensureMiner(service);
  const job = {
    defaultService: requested.services[0] ?? 'unknown',
    formats: requested.formats.map(formatName),
    headerFormats,
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

export function loadedForEvent(s: LoadedSource) {
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
function knownServices(records: readonly PositionedRecord[], requested: Requested): string[] {
  const names = new Set<string>(requested.services.map((s) => s.toLowerCase()));
  for (const r of records) {
    const s = r.record.headers.service;
    if (s) names.add(s.trim().toLowerCase());
  }
  return [...names];
}

/** Templates some earlier run stored: their windows in this run are not `newTemplate`. */
export async function knownTemplatesBefore(
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

export function templatesOf(aggregates: readonly WindowAggregate[]) {
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

/**
 * The dead letter of one undecodable record, redacted like every dead letter (see redactDeadLetter: secrets
 * replaced, text cut to a size the topic takes, binary withheld; originals only with DLQ_KEEP_ORIGINAL=true): it
 * is produced in the beat's transaction, so a huge or secret-laden record must not go out whole.
 */
export function deadLetter(
  dlqTopic: string,
  records: readonly PositionedRecord[],
  d: { position: string; reason: string; detail: string },
): OutputRecord {
  const source = records.find((r) => r.position === d.position);
  const [topic, partition, offset] = d.position.split('/');
  const kept = redactDeadLetter(
    {
      key: source?.record.key ?? source?.record.headers.service ?? 'unknown',
      value: Buffer.from(source?.record.value ?? new Uint8Array()),
      headers: {
        ...Object.fromEntries(
          Object.entries(source?.record.headers ?? {}).filter(
            (e): e is [string, string] => e[1] !== undefined,
          ),
        ),
        [DLQ_HEADERS.error]: `${d.reason}: ${d.detail}`.slice(0, 2000),
      },
    },
    { keepOriginal: keepDeadLetterOriginals() },
  );
  return {
    topic: dlqTopic,
    key: kept.key === null ? 'unknown' : kept.key.toString(),
    value: kept.value ?? Buffer.alloc(0),
    headers: {
      ...kept.headers,
      [DLQ_HEADERS.errorCode]: d.reason,
      [DLQ_HEADERS.topic]: topic ?? d.position,
      [DLQ_HEADERS.partition]: partition ?? '',
      [DLQ_HEADERS.offset]: offset ?? '',
      [DLQ_HEADERS.attempts]: '1',
      [DLQ_HEADERS.service]: 'telemetry-parse',
    },
  };
}
