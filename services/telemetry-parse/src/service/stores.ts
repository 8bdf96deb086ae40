import { Binary, type Collection, type Db } from 'mongodb';
import type { WindowAggregate } from '@self-healing/schemas';
import {
  ChunkStore,
  RunScopedState,
  bulkWriteInBatches,
  duplicateKeyIndexes,
  maxOf,
  minOf,
} from '@self-healing/shared';
import { TemplateMiner, type MinerSnapshot } from '../mining/index.js';
import type { PositionedEvent } from './steps.js';

export const MINER_OPTIONS = { maxTemplates: 50_000 } as const;

export function minerStates(db: Db): RunScopedState<MinerSnapshot | null> {
  return new RunScopedState<MinerSnapshot | null>(db, 'telemetry_miner_state', () => null);
}

export function watermarkStates(db: Db): RunScopedState<Record<string, number>> {
  return new RunScopedState<Record<string, number>>(db, 'telemetry_watermarks', () => ({}));
}

export function restoreMiner(snapshot: MinerSnapshot | null): TemplateMiner {
  return snapshot ? TemplateMiner.restore(snapshot) : new TemplateMiner(MINER_OPTIONS);
}

/** A template as a parse run saw it: its text and the first and last time of its events in the run. */
export interface IncomingTemplate {
  service: string;
  templateId: string;
  template: string;
  firstSeen: number;
  lastSeen: number;
}

/** How stale a stored template's `lastSeen` may be: it is written again once the run saw it this much later. */
export const TEMPLATE_LAST_SEEN_RESOLUTION_MS = 60_000;

const templateKey = (t: { service: string; templateId: string }) => `${t.service}|${t.templateId}`;

/**
 * What a run must write of its templates, given those stored: new ones inserted whole; a stored one updated only
 * when its text changed, the run saw it earlier than its `firstSeen`, or later than its `lastSeen` by the
 * resolution or more. Pure.
 */
export function templateWrites(
  incoming: readonly IncomingTemplate[],
  stored: readonly TemplateDoc[],
  runId: string,
): { inserts: TemplateDoc[]; updates: IncomingTemplate[] } {
  const byKey = new Map(stored.map((d) => [d._id, d]));
  const inserts: TemplateDoc[] = [];
  const updates: IncomingTemplate[] = [];
  for (const t of incoming) {
    const d = byKey.get(templateKey(t));
    if (!d) inserts.push({ _id: templateKey(t), ...t, firstRunId: runId });
    else if (
      d.template !== t.template ||
      t.firstSeen < d.firstSeen ||
      t.lastSeen - d.lastSeen >= TEMPLATE_LAST_SEEN_RESOLUTION_MS
    )
      updates.push(t);
  }
  return { inserts, updates };
}

export interface TemplateDoc {
  _id: string;
  service: string;
  templateId: string;
  template: string;
  firstSeen: number;
  lastSeen: number;
  /** The run that stored it first: for that run (and its retries) the template is new. */
  firstRunId: string;
}

export interface AggregateDoc extends Omit<WindowAggregate, 'latencySketch'> {
  _id: string;
  runId: string;
  latencySketch: Binary | null;
}

interface RawEventDoc extends PositionedEvent {
  _id: string;
  runId: string;
  storedAt: Date;
}

/**
 * The durable telemetry store. Window aggregates are kept per contributing run (`service|template|window|run`),
 * so storing a run twice writes the same documents, and a window that several runs touched is the merge of
 * its contributions (sketches merge exactly).
 */
export class TelemetryStore {
  readonly templates: Collection<TemplateDoc>;
  readonly aggregates: Collection<AggregateDoc>;
  readonly rawEvents: Collection<RawEventDoc>;

  constructor(db: Db) {
    this.templates = db.collection<TemplateDoc>('telemetry_templates');
    this.aggregates = db.collection<AggregateDoc>('telemetry_aggregates');
    this.rawEvents = db.collection<RawEventDoc>('telemetry_events');
  }

  async ensureIndexes(): Promise<void> {
    await this.aggregates.createIndex({ runId: 1 });
    await this.aggregates.createIndex({ service: 1, windowStart: 1 });
    await this.rawEvents.createIndex({ timestamp: 1 });
  }

  /**
   * The run's templates by key. Only what changed is written: one upsert per template and run cost 70-85 ms each on
   * FerretDB under load (ten services' 250 templates: 20 s of every parse run, the slowest step of all).
   */
  async storeTemplates(runId: string, templates: readonly IncomingTemplate[]): Promise<number> {
    if (templates.length === 0) return 0;
    const existing: TemplateDoc[] = [];
    const ids = templates.map(templateKey);
    for (let i = 0; i < ids.length; i += 1000)
      existing.push(...(await this.templates.find({ _id: { $in: ids.slice(i, i + 1000) } }).toArray()));
    const { inserts, updates } = templateWrites(templates, existing, runId);
    const raced: IncomingTemplate[] = [];
    if (inserts.length > 0)
      try {
        await this.templates.insertMany(inserts, { ordered: false });
      } catch (error) {
        // Another run stored some of them meanwhile: those are updated like the others.
        const duplicates = duplicateKeyIndexes(error);
        if (!duplicates) throw error;
        for (const i of duplicates) raced.push(inserts[i]!);
      }
    const result = await bulkWriteInBatches(
      this.templates,
      [...updates, ...raced].map((t) => ({
        updateOne: {
          filter: { _id: templateKey(t) },
          update: {
            $setOnInsert: { service: t.service, templateId: t.templateId, firstRunId: runId },
            $set: { template: t.template },
            $min: { firstSeen: t.firstSeen },
            $max: { lastSeen: t.lastSeen },
          },
          upsert: true,
        },
      })),
    );
    return inserts.length - raced.length + result.upserted + result.modified;
  }

  /**
   * A run's aggregates, inserted in batches. Ids are per contribution (`service|template|window|run`), so another
   * run's contribution to the same window is never touched, and a retried attempt of this run finds its earlier
   * attempt's documents already there: they are the same (the aggregates are the run's staged output), so the
   * duplicates are skipped. No delete first: FerretDB answers `deleteMany({ runId })` by reading every aggregate, a
   * cost that grew with the store and made this beat take 33-130 s a run in the ten-service chaos run.
   */
  async storeAggregates(runId: string, aggregates: readonly WindowAggregate[]): Promise<number> {
    const docs = aggregates.map((a) => ({
      ...a,
      _id: `${a.service}|${a.templateId}|${a.windowStart}|${runId}`,
      runId,
      latencySketch: a.latencySketch ? new Binary(a.latencySketch) : null,
    }));
    for (let i = 0; i < docs.length; i += 2000) {
      try {
        await this.aggregates.insertMany(docs.slice(i, i + 2000), { ordered: false });
      } catch (error) {
        if (!duplicateKeyIndexes(error)) throw error;
      }
    }
    return docs.length;
  }

  /** Raw events, only when configured; old ones beyond the retention are removed as new ones arrive. */
  async storeRawEvents(
    runId: string,
    events: readonly PositionedEvent[],
    retentionDays: number,
    now: number,
  ): Promise<{ written: number; expired: number }> {
    let written = 0;
    for (let i = 0; i < events.length; i += 5000) {
      const part = events.slice(i, i + 5000);
      const result = await bulkWriteInBatches(
        this.rawEvents,
        part.map((e) => ({
          replaceOne: {
            filter: { _id: e.position },
            replacement: { ...e, runId, storedAt: new Date(now) },
            upsert: true,
          },
        })),
      );
      written += result.upserted + result.matched;
    }
    const expired = (
      await this.rawEvents.deleteMany({ timestamp: { $lt: now - retentionDays * 86_400_000 } })
    ).deletedCount;
    return { written, expired };
  }
}

/** A parse run's contribution to a window, as the platform's stages read it: the aggregate and the run that wrote it. */
export type StoredAggregate = WindowAggregate & { runId: string };

/**
 * Each parse run's window aggregates packed together (compressed chunks read by id), the copy the platform's own
 * stages read: `telemetry_aggregates` (one document per contribution) stays for people's queries, but FerretDB
 * answers a filtered read of it by scanning every aggregate ever stored (40,000 of them: 9-11 s a query, 74-85 s of
 * every detection run in the ten-service chaos test). Which runs to read comes from their `telemetry_runs`
 * documents: one per run, with its services and the span of its windows (see RunDocument).
 */
export class RunWindowsStore {
  static readonly COLLECTION = 'telemetry_run_windows';
  private static readonly STEP = 'aggregates';
  private readonly chunks: ChunkStore;

  constructor(db: Db) {
    this.chunks = new ChunkStore(db, RunWindowsStore.COLLECTION, 5000);
  }

  /** Replaces whatever an earlier attempt of this run wrote (the same aggregates: they are the run's staged output). */
  async write(runId: string, aggregates: readonly WindowAggregate[]): Promise<void> {
    await this.chunks.write(runId, RunWindowsStore.STEP, aggregates);
  }

  /** The run's aggregates; none if the run is unknown or stored none. */
  async read(runId: string): Promise<StoredAggregate[]> {
    const aggregates = await this.chunks.read<WindowAggregate>(runId, RunWindowsStore.STEP, {
      missingOk: true,
    });
    return aggregates.map((a) => ({ ...a, runId }));
  }
}

/** `telemetry_runs`: one per stored parse run, written once its telemetry is all stored. */
export interface RunDocument {
  _id: string;
  runId: string;
  aggregates: number;
  templates: number;
  storedAt: Date;
  /** The services the run stored windows of. */
  services: string[];
  /** The span of all its windows, [first window's start, last window's end); absent when it stored none. */
  windowsFrom?: number;
  windowsUntil?: number;
  /** The span of each service's windows. */
  spans?: WindowSpan[];
}

export interface WindowSpan {
  service: string;
  from: number;
  until: number;
}

/** The run document for these aggregates. Pure. */
export function runDocument(
  runId: string,
  aggregates: readonly WindowAggregate[],
  templates: number,
  storedAt: Date,
): RunDocument {
  const spans = new Map<string, WindowSpan>();
  for (const a of aggregates) {
    const span = spans.get(a.service);
    const until = a.windowStart + a.windowMs;
    if (!span) spans.set(a.service, { service: a.service, from: a.windowStart, until });
    else {
      span.from = Math.min(span.from, a.windowStart);
      span.until = Math.max(span.until, until);
    }
  }
  const list = [...spans.values()].sort((a, b) => (a.service < b.service ? -1 : 1));
  const doc: RunDocument = {
    _id: runId,
    runId,
    aggregates: aggregates.length,
    templates,
    storedAt,
    services: list.map((x) => x.service),
    spans: list,
  };
  if (list.length > 0) {
    doc.windowsFrom = minOf(list.map((x) => x.from));
    doc.windowsUntil = maxOf(list.map((x) => x.until));
  }
  return doc;
}
