import type { Level, TemplatedEvent, WindowAggregate } from '@self-healing/schemas';
import { append } from '@self-healing/shared';
import { decodeKafkaRecord } from '../decode/index.js';
import type { LogFormat, LogRecord, RawKafkaRecord, TextHeaderParser } from '../decode/types.js';
import {
  isErrorLevel,
  mergeCounts,
  normalizeHostName,
  normalizeLevel,
  normalizeNumbers,
  normalizeServiceName,
  parseTimestamp,
  redactAttributes,
  redactText,
  type RedactionCounts,
} from '../normalize/index.js';
import { createWindowAggregator } from '../aggregate/index.js';

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
  attributes: Record<string, string | number | boolean>;
  stack: string[];
}

export interface MinerLike {
  add(message: string): { templateId: string; template: string; params: string[]; isNew: boolean };
}

export interface ExtractOptions {
  minerFor: (service: string) => MinerLike;
  parseTextHeader?: TextHeaderParser;
  extractNumbers?: (message: string) => Record<string, number>;
  defaultService: string;
  /** Accept only these formats (empty: all). */
  formats?: readonly LogFormat[];
}

export interface ExtractResult {
  events: ExtractedEvent[];
  records: number;
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

/** A decoded, redacted log record waiting for its service's miner. */
export interface DecodedItem {
  position: string;
  service: string;
  /** The redacted message, the miner's input. */
  message: string;
  fallbackTime: number | null;
  record: LogRecord;
}

/** The stateless half of extraction: what `mineDecoded` needs, and the account of records that yield nothing. */
export interface DecodedBatch {
  items: DecodedItem[];
  records: number;
  unparsed: number;
  rejected: Record<string, number>;
  deadLetters: Array<{ position: string; reason: string; detail: string }>;
  redactions: RedactionCounts;
}

/**
 * Decode -> header -> redact, with no state: secrets are replaced (in the message, names, attributes and stack
 * frames) before any miner sees a message. Split from mining so that a caller can load the miners of the
 * services a batch names before mining it.
 */
export function decodeRecords(
  input: readonly PositionedRecord[],
  options: Pick<ExtractOptions, 'parseTextHeader' | 'defaultService' | 'formats'>,
): DecodedBatch {
  const out: DecodedBatch = {
    items: [],
    records: input.length,
    unparsed: 0,
    rejected: {},
    deadLetters: [],
    redactions: {},
  };
  const decodeOptions = options.parseTextHeader ? { parseTextHeader: options.parseTextHeader } : {};
  for (const { position, record } of input) {
    const decoded = decodeKafkaRecord(record, decodeOptions);
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
    for (let i = 0; i < decoded.records.length; i++) {
      const r = decoded.records[i]!;
      const message = redactText(r.message, out.redactions);
      if (r.host !== null) r.host = redactText(r.host, out.redactions);
      if (r.component !== null) r.component = redactText(r.component, out.redactions);
      if (r.sessionId !== null) r.sessionId = redactText(r.sessionId, out.redactions);
      r.attributes = redactAttributes(r.attributes, out.redactions);
      if (r.stack.length > 0) r.stack = r.stack.map((f) => redactText(f, out.redactions));
      out.items.push({
        position: many ? `${position}#${i}` : position,
        service: normalizeServiceName(r.service) ?? options.defaultService,
        message,
        fallbackTime: record.timestamp ?? null,
        record: r,
      });
    }
  }
  return out;
}

/** The services a decoded batch names: whose miners must be ready before `mineDecoded`. */
export function servicesOf(batch: DecodedBatch): Set<string> {
  const services = new Set<string>();
  for (const item of batch.items) services.add(item.service);
  return services;
}

/** The stateful half: each message through its service's miner, in input order. */
export function mineDecoded(
  batch: DecodedBatch,
  options: Pick<ExtractOptions, 'minerFor' | 'extractNumbers'>,
): ExtractResult {
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
  const seenTemplates = new Set<string>();
  for (const { position, service, message, fallbackTime, record: r } of batch.items) {
    const mined = options.minerFor(service).add(message);
    seenTemplates.add(`${service}\u0000${mined.templateId}`);
    if (mined.isNew)
      out.newTemplates.push({ service, templateId: mined.templateId, template: mined.template });
    if (r.stack.length > 0) out.withStack++;
    count(out.byFormat, r.format);
    out.events.push({
      position,
      format: r.format,
      timestamp: r.timestamp,
      timestampText: r.timestampText,
      fallbackTime,
      level: r.level,
      service,
      host: r.host,
      component: r.component,
      traceId: r.traceId,
      spanId: r.spanId,
      sessionId: r.sessionId,
      templateId: mined.templateId,
      template: mined.template,
      params: mined.params,
      numbers: options.extractNumbers?.(message) ?? {},
      attributes: r.attributes,
      stack: r.stack,
    });
  }
  out.templates = seenTemplates.size;
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
  const positions = new Set<string>();
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
    const known = normalizeLevel(e.level, e.format === 'json' ? 'pino' : undefined);
    if (known === null) out.levelDefaulted++;
    const level = known ?? options.defaultLevel;
    const event: PositionedEvent = {
      position: e.position,
      timestamp,
      service: e.service,
      host: normalizeHostName(e.host),
      level,
      component: e.component,
      templateId: e.templateId,
      template: e.template,
      params: e.params,
      traceId: e.traceId?.toLowerCase() ?? null,
      spanId: e.spanId?.toLowerCase() ?? null,
      sessionId: e.sessionId,
      numbers: normalizeNumbers(e.attributes, e.numbers),
      stack: e.stack,
    };
    out.events.push(event);
    count(out.byLevel, level);
    const session = event.traceId ?? event.sessionId;
    if (session) sessions.add(session);
    const s = perService.get(event.service) ?? {
      events: 0,
      errors: 0,
      hosts: new Set<string>(),
      from: timestamp,
      to: timestamp,
    };
    s.events++;
    if (isErrorLevel(level)) s.errors++;
    if (event.host) s.hosts.add(event.host);
    s.from = Math.min(s.from, timestamp);
    s.to = Math.max(s.to, timestamp);
    perService.set(event.service, s);
    out.timeRange = out.timeRange
      ? { from: Math.min(out.timeRange.from, timestamp), to: Math.max(out.timeRange.to, timestamp) }
      : { from: timestamp, to: timestamp };
  }
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
  out.templates = new Set(out.events.map((e) => `${e.service}\u0000${e.templateId}`)).size;
  return out;
}

export function errorCount(aggregates: readonly WindowAggregate[]): number {
  return aggregates.reduce((n, a) => n + a.errorCount, 0);
}

export { isErrorLevel };
