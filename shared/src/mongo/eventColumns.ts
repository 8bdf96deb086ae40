import type { Db } from 'mongodb';
import type { Level, TemplatedEvent } from '@self-healing/schemas';
import { ChunkStore } from './chunks.js';

/**
 * Templated events as columns (one array per field) with each template's text written once: the form in which a
 * parse run hands the events behavioural and error detection need to the anomaly stage. Compared with an array
 * of objects it serializes in about half the time and takes about 40 % fewer bytes, because every object would
 * carry its own field names and its template's text.
 */
export interface TemplatedEventColumns {
  version: 1;
  templates: Array<[templateId: string, template: string]>;
  timestamp: number[];
  service: string[];
  host: Array<string | null>;
  level: Level[];
  component: Array<string | null>;
  templateId: string[];
  params: string[][];
  traceId: Array<string | null>;
  spanId: Array<string | null>;
  sessionId: Array<string | null>;
  numbers: Array<Record<string, number>>;
  stack: string[][];
}

export function packTemplatedEvents(events: readonly TemplatedEvent[]): TemplatedEventColumns {
  const templates = new Map<string, string>();
  const c: TemplatedEventColumns = {
    version: 1,
    templates: [],
    timestamp: [],
    service: [],
    host: [],
    level: [],
    component: [],
    templateId: [],
    params: [],
    traceId: [],
    spanId: [],
    sessionId: [],
    numbers: [],
    stack: [],
  };
  for (const e of events) {
    if (!templates.has(e.templateId)) templates.set(e.templateId, e.template);
    c.timestamp.push(e.timestamp);
    c.service.push(e.service);
    c.host.push(e.host);
    c.level.push(e.level);
    c.component.push(e.component);
    c.templateId.push(e.templateId);
    c.params.push(e.params);
    c.traceId.push(e.traceId);
    c.spanId.push(e.spanId);
    c.sessionId.push(e.sessionId);
    c.numbers.push(e.numbers);
    c.stack.push(e.stack);
  }
  c.templates = [...templates];
  return c;
}

export function unpackTemplatedEvents(c: TemplatedEventColumns): TemplatedEvent[] {
  if (c.version !== 1) throw new Error(`unknown templated event columns version ${String(c.version)}`);
  const templates = new Map(c.templates);
  const events: TemplatedEvent[] = [];
  for (let i = 0; i < c.timestamp.length; i++) {
    const templateId = c.templateId[i]!;
    const template = templates.get(templateId);
    if (template === undefined)
      throw new Error(`templated event columns lack the text of template ${templateId}`);
    events.push({
      timestamp: c.timestamp[i]!,
      service: c.service[i]!,
      host: c.host[i]!,
      level: c.level[i]!,
      component: c.component[i]!,
      templateId,
      template,
      params: c.params[i]!,
      traceId: c.traceId[i]!,
      spanId: c.spanId[i]!,
      sessionId: c.sessionId[i]!,
      numbers: c.numbers[i]!,
      stack: c.stack[i]!,
    });
  }
  return events;
}

/**
 * The events of each parse run that detection reads besides aggregates (those of a session or trace, and errors),
 * kept per run in compressed column chunks. Written by telemetry.parse, read by anomaly.detect.
 */
export class DetectionEventStore {
  static readonly COLLECTION = 'telemetry_detection_events';
  private static readonly STEP = 'columns';
  private readonly chunks: ChunkStore;

  constructor(
    db: Db,
    private readonly eventsPerChunk = 20_000,
  ) {
    // One packed column set per chunk document.
    this.chunks = new ChunkStore(db, DetectionEventStore.COLLECTION, 1);
  }

  /** Replaces whatever an earlier attempt of this run wrote. */
  async write(runId: string, events: readonly TemplatedEvent[]): Promise<void> {
    const packs: TemplatedEventColumns[] = [];
    for (let i = 0; i < events.length; i += this.eventsPerChunk)
      packs.push(packTemplatedEvents(events.slice(i, i + this.eventsPerChunk)));
    await this.chunks.write(runId, DetectionEventStore.STEP, packs);
  }

  /** The run's events in the order written; none if the run stored none (or is unknown). */
  async read(runId: string): Promise<TemplatedEvent[]> {
    const packs = await this.chunks.read<TemplatedEventColumns>(runId, DetectionEventStore.STEP, {
      missingOk: true,
    });
    const events: TemplatedEvent[] = [];
    for (const p of packs) for (const e of unpackTemplatedEvents(p)) events.push(e);
    return events;
  }
}
