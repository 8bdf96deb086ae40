import type { Level, TemplatedEvent, WindowAggregate } from '@self-healing/schemas';
import { append } from '@self-healing/shared';
import { decodeKafkaRecord } from '../decode/index.js';
import { header } from '../decode/detect.js';
import type { LogFormat, RawKafkaRecord, TextHeaderParser } from '../decode/types.js';
import {
  isErrorLevel,
  mergeCounts,
  normalizeHostName,
  normalizeLevel,
  normalizeNumbers,
  normalizeServiceName,
  parseTimestamp,
  quantityFromAttribute,
  redactAttributes,
  redactText,
  type RedactionCounts,
} from '../normalize/index.js';
import { createWindowAggregator } from '../aggregate/index.js';
import type { MineResult } from '../mining/index.js';

/**
 * The pure work of the extract, normalize and aggregate beats. Each takes what the previous beat left in the
 * staging area and returns what the next one needs plus an account of every input: nothing is lost silently.
 */

/** A raw record with its place in the source, so that every event can be traced back and deduplicated. */
export interface PositionedRecord {
  /** `topic/partition/offset` or `file:line`. */
  position: string;
  record: RawKafkaRecord;
}

/** An event as extraction leaves it: mined and redacted, with fields still as the source wrote them. */
export interface ExtractedEvent {
  position: string;
  format: LogFormat;
  timestamp: number | null;
  timestampText: string | null;
  fallbackTime: number | null;
  level: string | null;
  service: string;
  host: string | null;
  component: string | null;
  traceId: string | null;
  spanId: string | null;
  sessionId: string | null;
  templateId: string;
  template: string;
  params: string[];
  numbers: Record<string, number>;
  /** The attributes that are quantities (`durationMs`, `size_kb`): the only ones normalization reads. */
  quantities: Record<string, string | number | boolean>;
  stack: string[];
}

export interface MinerLike {
  add(message: string): { templateId: string; template: string; params: string[]; isNew: boolean };
}

export interface ExtractOptions {
  minerFor: (service: string) => MinerLike;
  parseTextHeader?: TextHeaderParser;
  /**
   * The header parser of one service's text lines (its declared or inferred format, src/header/source.ts);
   * wins over `parseTextHeader`. The service is the record's Kafka `service` header, else `defaultService`.
   */
  headerParserFor?: (service: string) => TextHeaderParser;
  extractNumbers?: (message: string) => Record<string, number>;
  defaultService: string;
  /** Accept only these formats (empty: all). */
  formats?: readonly LogFormat[];
}

export interface ExtractResult {
  events: ExtractedEvent[];
  records: number;
  /** Records that yield no event: nothing decodable, a format not asked for, or no line with a time. */
  unparsed: number;
  rejected: Record<string, number>;
  /** Records nothing could be decoded from, to be parked in the dead-letter topic. */
  deadLetters: Array<{ position: string; reason: string; detail: string }>;
  byFormat: Record<string, number>;
  redactions: RedactionCounts;
  newTemplates: Array<{ service: string; templateId: string; template: string }>;
  templates: number;
  withStack: number;
}

function count(into: Record<string, number>, key: string, n = 1): void {
  into[key] = (into[key] ?? 0) + n;
}

/**
 * Decoded, redacted log records waiting for their services' miners, as columns (one array per field, index i is
 * record i): a batch crosses between threads, and arrays of plain values cost far less to copy than as many
 * objects, each carrying its own field names.
 */
export interface DecodedBatch {
  size: number;
  position: string[];
  service: string[];
  /** The redacted message, the miner's input. */
  message: string[];
  /** Durations and sizes written in the message (`took 532 ms`). */
  numbers: Array<Record<string, number>>;
  fallbackTime: Array<number | null>;
  format: LogFormat[];
  timestamp: Array<number | null>;
  timestampText: Array<string | null>;
  level: Array<string | null>;
  host: Array<string | null>;
  component: Array<string | null>;
  traceId: Array<string | null>;
  spanId: Array<string | null>;
  sessionId: Array<string | null>;
  /** The attributes that are quantities (`durationMs`, `size_kb`): the only ones later steps use. */
  quantities: Array<Record<string, string | number | boolean>>;
  stack: string[][];
  /** The account of records that yield nothing. */
  records: number;
  unparsed: number;
  rejected: Record<string, number>;
  deadLetters: Array<{ position: string; reason: string; detail: string }>;
  redactions: RedactionCounts;
}

function emptyBatch(records: number): DecodedBatch {
  return {
    size: 0,
    position: [],
    service: [],
    message: [],
    numbers: [],
    fallbackTime: [],
    format: [],
    timestamp: [],
    timestampText: [],
    level: [],
    host: [],
    component: [],
    traceId: [],
    spanId: [],
    sessionId: [],
    quantities: [],
    stack: [],
    records,
    unparsed: 0,
    rejected: {},
    deadLetters: [],
    redactions: {},
  };
}

/** Attributes that normalization will read as quantities; the others only had to be redacted (and counted). */
function quantitiesOf(
  attributes: Record<string, string | number | boolean>,
): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const key in attributes) {
    const value = attributes[key]!;
    if (quantityFromAttribute(key, value) !== null) out[key] = value;
  }
  return out;
}

/**
 * Decode -> header -> redact -> numbers, with no state: secrets are replaced (in the message, names, attributes
 * and stack frames) before any miner sees a message. Split from mining so that a caller can load the miners of
 * the services a batch names before mining it, and run this half on other threads.
 */
export function decodeRecords(
  input: readonly PositionedRecord[],
  options: Pick<
    ExtractOptions,
    'parseTextHeader' | 'headerParserFor' | 'extractNumbers' | 'defaultService' | 'formats'
  >,
): DecodedBatch {
  const out = emptyBatch(input.length);
  const decodeOptions = options.parseTextHeader ? { parseTextHeader: options.parseTextHeader } : {};
  const parserFor = options.headerParserFor;
  for (const { position, record } of input) {
    const decoded = decodeKafkaRecord(
      record,
      parserFor
        ? { parseTextHeader: parserFor(header(record, 'service') ?? options.defaultService) }
        : decodeOptions,
    );
    for (const r of decoded.rejections) count(out.rejected, r.reason);
    if (decoded.format && options.formats?.length && !options.formats.includes(decoded.format)) {
      count(out.rejected, 'format-not-requested');
      out.unparsed++;
      continue;
    }
    if (decoded.records.length === 0) {
      out.unparsed++;
      const first = decoded.rejections[0] ?? {
        reason: 'no-records',
        detail: 'the record held no log record',
      };
      out.deadLetters.push({ position, reason: first.reason, detail: first.detail });
      continue;
    }
    const many = decoded.records.length > 1;
    const fallbackTime = record.timestamp ?? null;
    let kept = 0;
    for (let i = 0; i < decoded.records.length; i++) {
      const r = decoded.records[i]!;
      // No time of its own and no Kafka time: normalization could only reject it. Rejected here, before any
      // miner sees it, it cannot shape the templates (kept in the miners' state) of the lines that are kept.
      // A time written but unreadable is found out by normalization, which reads it in the source's zone.
      if (r.timestamp === null && r.timestampText === null && fallbackTime === null) {
        count(out.rejected, 'missing-timestamp');
        continue;
      }
      kept++;
      const message = redactText(r.message, out.redactions);
      out.position.push(many ? `${position}#${i}` : position);
      out.service.push(normalizeServiceName(r.service) ?? options.defaultService);
      out.message.push(message);
      out.numbers.push(options.extractNumbers?.(message) ?? {});
      out.fallbackTime.push(fallbackTime);
      out.format.push(r.format);
      out.timestamp.push(r.timestamp);
      out.timestampText.push(r.timestampText);
      out.level.push(r.level);
      out.host.push(r.host === null ? null : redactText(r.host, out.redactions));
      out.component.push(r.component === null ? null : redactText(r.component, out.redactions));
      out.traceId.push(r.traceId);
      out.spanId.push(r.spanId);
      out.sessionId.push(r.sessionId === null ? null : redactText(r.sessionId, out.redactions));
      out.quantities.push(quantitiesOf(redactAttributes(r.attributes, out.redactions)));
      out.stack.push(r.stack.length > 0 ? r.stack.map((f) => redactText(f, out.redactions)) : []);
      out.size++;
    }
    // Decoded, so not dead-lettered, but nothing in it can be placed in time.
    if (kept === 0) out.unparsed++;
  }
  return out;
}

/** The services a decoded batch names: whose miners must be ready before `mineDecoded`. */
export function servicesOf(batch: DecodedBatch): Set<string> {
  return new Set(batch.service);
}

/** The stateful half: each message through its service's miner, in input order. */
export function mineDecoded(batch: DecodedBatch, options: Pick<ExtractOptions, 'minerFor'>): ExtractResult {
  const out: ExtractResult = {
    events: [],
    records: batch.records,
    unparsed: batch.unparsed,
    rejected: batch.rejected,
    deadLetters: batch.deadLetters,
    byFormat: {},
    redactions: batch.redactions,
    newTemplates: [],
    templates: 0,
    withStack: 0,
  };
  const seenTemplates = new Map<string, Set<string>>();
  for (let i = 0; i < batch.size; i++) {
    const service = batch.service[i]!;
    let mined: MineResult;
    try {
      mined = options.minerFor(service).add(batch.message[i]!);
    } catch (error) {
      // One record the miner cannot take must not fail the run (and every retry of it): it is counted and
      // dead-lettered like a record that could not be decoded, and the run goes on.
      count(out.rejected, 'mining-failed');
      out.deadLetters.push({
        position: batch.position[i]!,
        reason: 'mining-failed',
        detail: error instanceof Error ? error.message : String(error),
      });
      continue;
    }
    let seen = seenTemplates.get(service);
    if (!seen) seenTemplates.set(service, (seen = new Set()));
    seen.add(mined.templateId);
    if (mined.isNew)
      out.newTemplates.push({ service, templateId: mined.templateId, template: mined.template });
    const stack = batch.stack[i]!;
    if (stack.length > 0) out.withStack++;
    const format = batch.format[i]!;
    count(out.byFormat, format);
    out.events.push({
      position: batch.position[i]!,
      format,
      timestamp: batch.timestamp[i]!,
      timestampText: batch.timestampText[i]!,
      fallbackTime: batch.fallbackTime[i]!,
      level: batch.level[i]!,
      service,
      host: batch.host[i]!,
      component: batch.component[i]!,
      traceId: batch.traceId[i]!,
      spanId: batch.spanId[i]!,
      sessionId: batch.sessionId[i]!,
      templateId: mined.templateId,
      template: mined.template,
      params: mined.params,
      numbers: batch.numbers[i]!,
      quantities: batch.quantities[i]!,
      stack,
    });
  }
  for (const seen of seenTemplates.values()) out.templates += seen.size;
  return out;
}

/** Decode -> header -> redact -> mine, for callers that have every miner at hand. */
export function extractEvents(input: readonly PositionedRecord[], options: ExtractOptions): ExtractResult {
  return mineDecoded(decodeRecords(input, options), options);
}

export interface NormalizeStepOptions {
  /** Zone for timestamps written without one: `UTC`, `+02:00`, `Europe/Paris`. */
  defaultZone: string;
  defaultLevel: Level;
  timeRange: { from: number; to: number } | null;
  services: readonly string[];
}

export interface PositionedEvent extends TemplatedEvent {
  position: string;
}

export interface NormalizeResult {
  events: PositionedEvent[];
  rejected: Record<string, number>;
  droppedOutOfRange: number;
  droppedDuplicates: number;
  byLevel: Record<string, number>;
  services: Array<{
    service: string;
    events: number;
    errors: number;
    hosts: number;
    timeRange: { from: number; to: number };
  }>;
  timeRange: { from: number; to: number } | null;
  sessions: number;
  levelDefaulted: number;
}

/** UTC epoch ms with the source's zone, one level vocabulary, one unit per quantity, normalized names. */
export function normalizeEvents(
  input: readonly ExtractedEvent[],
  options: NormalizeStepOptions,
): NormalizeResult {
  const out: NormalizeResult = {
    events: [],
    rejected: {},
    droppedOutOfRange: 0,
    droppedDuplicates: 0,
    byLevel: {},
    services: [],
    timeRange: null,
    sessions: 0,
    levelDefaulted: 0,
  };
  // Levels and hosts take few distinct values: normalize each once per run.
  const levels = new Map<LogFormat, Map<string, Level | null>>();
  const levelOf = (raw: string | null, format: LogFormat): Level | null => {
    if (raw === null) return null;
    let ofFormat = levels.get(format);
    if (!ofFormat) levels.set(format, (ofFormat = new Map()));
    let level = ofFormat.get(raw);
    if (level === undefined) {
      level = normalizeLevel(raw, format === 'json' ? 'pino' : undefined);
      if (ofFormat.size < 1000) ofFormat.set(raw, level);
    }
    return level;
  };
  const hosts = new Map<string, string | null>();
  const hostOf = (raw: string | null): string | null => {
    if (raw === null) return null;
    let host = hosts.get(raw);
    if (host === undefined) {
      host = normalizeHostName(raw);
      if (hosts.size < 10_000) hosts.set(raw, host);
    }
    return host;
  };
  const positions = new Set<string>();
  let from = Infinity;
  let to = -Infinity;
  const sessions = new Set<string>();
  const perService = new Map<
    string,
    { events: number; errors: number; hosts: Set<string>; from: number; to: number }
  >();
  const wanted = new Set(options.services.map((s) => normalizeServiceName(s) ?? s));
  for (const e of input) {
    if (positions.has(e.position)) {
      out.droppedDuplicates++;
      continue;
    }
    positions.add(e.position);
    let timestamp: number | null = null;
    if (e.timestampText !== null) {
      timestamp = parseTimestamp(e.timestampText, {
        defaultZone: options.defaultZone,
        referenceMs: e.fallbackTime ?? e.timestamp,
      });
    }
    timestamp ??= e.timestamp ?? e.fallbackTime;
    if (timestamp === null) {
      count(out.rejected, 'missing-timestamp');
      continue;
    }
    if (wanted.size > 0 && !wanted.has(e.service)) {
      count(out.rejected, 'service-not-requested');
      continue;
    }
    if (options.timeRange && (timestamp < options.timeRange.from || timestamp >= options.timeRange.to)) {
      out.droppedOutOfRange++;
      continue;
    }
    const known = levelOf(e.level, e.format);
    if (known === null) out.levelDefaulted++;
    const level = known ?? options.defaultLevel;
    const event: PositionedEvent = {
      position: e.position,
      timestamp,
      service: e.service,
      host: hostOf(e.host),
      level,
      component: e.component,
      templateId: e.templateId,
      template: e.template,
      params: e.params,
      traceId: e.traceId?.toLowerCase() ?? null,
      spanId: e.spanId?.toLowerCase() ?? null,
      sessionId: e.sessionId,
      numbers: normalizeNumbers(e.quantities, e.numbers),
      stack: e.stack,
    };
    out.events.push(event);
    count(out.byLevel, level);
    const session = event.traceId ?? event.sessionId;
    if (session) sessions.add(session);
    let s = perService.get(event.service);
    if (!s) {
      s = { events: 0, errors: 0, hosts: new Set<string>(), from: timestamp, to: timestamp };
      perService.set(event.service, s);
    }
    s.events++;
    if (isErrorLevel(level)) s.errors++;
    if (event.host) s.hosts.add(event.host);
    if (timestamp < s.from) s.from = timestamp;
    if (timestamp > s.to) s.to = timestamp;
    if (timestamp < from) from = timestamp;
    if (timestamp > to) to = timestamp;
  }
  if (out.events.length > 0) out.timeRange = { from, to };
  out.sessions = sessions.size;
  out.services = [...perService]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([service, s]) => ({
      service,
      events: s.events,
      errors: s.errors,
      hosts: s.hosts.size,
      timeRange: { from: s.from, to: s.to },
    }));
  return out;
}

export interface AggregateStepOptions {
  windowMs: number;
  allowedLatenessMs: number;
  /** Per service, the newest event time of earlier runs: events older than it minus the lateness are late. */
  previousMaxEventTime: Record<string, number>;
  /** Templates already known before this run (`service\0templateId`): their windows are not `newTemplate`. */
  knownTemplates: ReadonlySet<string>;
}

export interface AggregateResult {
  aggregates: WindowAggregate[];
  droppedLate: number;
  maxEventTime: Record<string, number>;
}

/**
 * Folds events into per service, template and window aggregates, in input order: an event within the allowed
 * lateness updates its window, a later one is counted as dropped. One aggregator per service, so one slow
 * service does not make another's events late.
 */
export function aggregateEvents(
  events: readonly TemplatedEvent[],
  options: AggregateStepOptions,
): AggregateResult {
  const aggregators = new Map<string, ReturnType<typeof createWindowAggregator>>();
  let droppedLate = 0;
  const maxEventTime: Record<string, number> = { ...options.previousMaxEventTime };
  for (const e of events) {
    const previous = options.previousMaxEventTime[e.service];
    if (previous !== undefined && e.timestamp < previous - options.allowedLatenessMs) {
      droppedLate++;
      continue;
    }
    let agg = aggregators.get(e.service);
    if (!agg) {
      agg = createWindowAggregator({
        windowMs: options.windowMs,
        allowedLatenessMs: options.allowedLatenessMs,
      });
      aggregators.set(e.service, agg);
    }
    if (agg.add(e) === 'late') droppedLate++;
    maxEventTime[e.service] = Math.max(maxEventTime[e.service] ?? e.timestamp, e.timestamp);
  }
  const aggregates: WindowAggregate[] = [];
  // A run is a finite input: close every window. Events of a later run for the same window add a contribution.
  for (const agg of aggregators.values()) append(aggregates, agg.flush(Number.MAX_SAFE_INTEGER));
  // A template first seen in an earlier run is not new here, whatever this run's aggregator thinks.
  for (const a of aggregates)
    if (a.newTemplate && options.knownTemplates.has(`${a.service}\u0000${a.templateId}`))
      a.newTemplate = false;
  aggregates.sort(
    (a, b) =>
      a.windowStart - b.windowStart ||
      a.service.localeCompare(b.service) ||
      a.templateId.localeCompare(b.templateId),
  );
  return { aggregates, droppedLate, maxEventTime };
}

/** Combines the results of extracting consecutive slices of one input (the miners carry over between slices). */
export function mergeExtractResults(parts: readonly ExtractResult[]): ExtractResult {
  const out: ExtractResult = {
    events: [],
    records: 0,
    unparsed: 0,
    rejected: {},
    deadLetters: [],
    byFormat: {},
    redactions: {},
    newTemplates: [],
    templates: 0,
    withStack: 0,
  };
  for (const p of parts) {
    append(out.events, p.events);
    out.records += p.records;
    out.unparsed += p.unparsed;
    for (const [k, v] of Object.entries(p.rejected)) count(out.rejected, k, v);
    append(out.deadLetters, p.deadLetters);
    for (const [k, v] of Object.entries(p.byFormat)) count(out.byFormat, k, v);
    mergeCounts(out.redactions, p.redactions);
    append(out.newTemplates, p.newTemplates);
    out.withStack += p.withStack;
  }
  for (const ids of distinctTemplates(out.events).values()) out.templates += ids.size;
  return out;
}

/** The distinct template ids of each service among `events` (no string built per event: runs are large). */
export function distinctTemplates(
  events: ReadonlyArray<{ service: string; templateId: string }>,
): Map<string, Set<string>> {
  const byService = new Map<string, Set<string>>();
  let service: string | null = null;
  let ids: Set<string> | undefined;
  for (const e of events) {
    if (e.service !== service) {
      service = e.service;
      ids = byService.get(service);
      if (!ids) byService.set(service, (ids = new Set()));
    }
    ids!.add(e.templateId);
  }
  return byService;
}

export function errorCount(aggregates: readonly WindowAggregate[]): number {
  return aggregates.reduce((n, a) => n + a.errorCount, 0);
}

export { isErrorLevel };
