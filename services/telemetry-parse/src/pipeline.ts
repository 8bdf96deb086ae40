import type { TemplatedEvent, WindowAggregate } from '@self-healing/schemas';
import { decodeKafkaRecord } from './decode/index.js';
import type { RawKafkaRecord, TextHeaderParser } from './decode/types.js';
import {
  mergeCounts,
  normalizeNumbers,
  normalizeRecord,
  type NormalizeOptions,
  type RedactionCounts,
} from './normalize/index.js';
import {
  createWindowAggregator,
  type WindowAggregator,
  type WindowAggregatorOptions,
  type WindowSnapshot,
} from './aggregate/index.js';

/** What this pipeline needs from the template miner (src/mining): Drain-style, one call per message. */
export interface TemplateMiner {
  add(message: string): { templateId: string; template: string; params: string[]; isNew: boolean };
}

/** Numbers a message states in its text (`took 532 ms` -> { durationMs: 532 }), already in ms and bytes. */
export type NumberExtractor = (message: string) => Record<string, number>;

export interface ParsePipelineOptions extends NormalizeOptions, WindowAggregatorOptions {
  /** One miner for all services, or one per service (templates of different services then never merge). */
  miner: TemplateMiner | ((service: string) => TemplateMiner);
  /** Header extraction for plain-text lines (src/header); without it a text line is all message. */
  parseTextHeader?: TextHeaderParser;
  extractNumbers?: NumberExtractor;
  maxAttributes?: number;
  /** Aggregator state to resume from (see `snapshot()`). */
  snapshot?: WindowSnapshot;
}

export interface NewTemplate {
  service: string;
  templateId: string;
  template: string;
  /** Event time of the first occurrence in the batch. */
  firstSeen: number;
}

/**
 * Where every input went. Kafka records: each yields log records, rejections, or both (then it is listed in
 * `deadLetters` once, so the raw record can be parked). Log records: each becomes an event or a rejection.
 * Events: each is aggregated or dropped as late. So:
 *   logRecords = events + rejectedLogRecords;  events = aggregated + droppedLate.
 */
export interface BatchAccounting {
  records: number;
  logRecords: number;
  events: number;
  aggregated: number;
  droppedLate: number;
  /** Reason -> count, over undecodable parts of Kafka records and over rejected log records. */
  rejected: Record<string, number>;
  /** Log records rejected after decoding (no usable timestamp, miner failure); part of `rejected`. */
  rejectedLogRecords: number;
  deadLetters: { index: number; reason: string; detail: string }[];
  /** Secrets replaced, per kind. */
  redactions: RedactionCounts;
  /** Events whose level was missing or unknown and took the default. */
  levelDefaulted: number;
  newTemplates: NewTemplate[];
}

export interface BatchResult {
  events: TemplatedEvent[];
  /** Windows the watermark closed during this batch, sorted by (windowStart, service, templateId). */
  aggregates: WindowAggregate[];
  accounting: BatchAccounting;
}

/**
 * Stage 1's data path without I/O: decode -> header parse (text) -> redact -> normalize -> mine -> numbers ->
 * aggregate. The aggregator state persists across batches; `snapshot()` after a committed batch plus replay
 * of the records after it rebuilds the same state (given a miner that is itself rebuilt the same way).
 */
export class ParsePipeline {
  private readonly aggregator: WindowAggregator;

  constructor(private readonly options: ParsePipelineOptions) {
    this.aggregator = createWindowAggregator(options, options.snapshot);
  }

  private minerFor(service: string): TemplateMiner {
    const m = this.options.miner;
    return typeof m === 'function' ? m(service) : m;
  }

  process(batch: readonly RawKafkaRecord[]): BatchResult {
    const accounting: BatchAccounting = {
      records: batch.length,
      logRecords: 0,
      events: 0,
      aggregated: 0,
      droppedLate: 0,
      rejected: {},
      rejectedLogRecords: 0,
      deadLetters: [],
      redactions: {},
      levelDefaulted: 0,
      newTemplates: [],
    };
    const reject = (reason: string): void => {
      accounting.rejected[reason] = (accounting.rejected[reason] ?? 0) + 1;
    };
    const events: TemplatedEvent[] = [];
    const decodeOptions = {
      ...(this.options.parseTextHeader ? { parseTextHeader: this.options.parseTextHeader } : {}),
      ...(this.options.maxAttributes !== undefined ? { maxAttributes: this.options.maxAttributes } : {}),
    };

    batch.forEach((raw, index) => {
      const decoded = decodeKafkaRecord(raw, decodeOptions);
      const problems: { reason: string; detail: string }[] = [...decoded.rejections];
      for (const rejection of decoded.rejections) reject(rejection.reason);
      accounting.logRecords += decoded.records.length;

      for (const record of decoded.records) {
        const counts: RedactionCounts = {};
        const n = normalizeRecord(record, this.options, counts, raw.timestamp ?? null);
        mergeCounts(accounting.redactions, counts);
        if (n.timestamp === null) {
          reject('missing-timestamp');
          accounting.rejectedLogRecords++;
          problems.push({
            reason: 'missing-timestamp',
            detail: `no readable time in "${n.message.slice(0, 80)}"`,
          });
          continue;
        }
        let mined: ReturnType<TemplateMiner['add']>;
        try {
          mined = this.minerFor(n.service).add(n.message);
        } catch (error) {
          reject('mining-failed');
          accounting.rejectedLogRecords++;
          problems.push({ reason: 'mining-failed', detail: (error as Error).message });
          continue;
        }
        if (!n.levelKnown) accounting.levelDefaulted++;
        const event: TemplatedEvent = {
          timestamp: n.timestamp,
          service: n.service,
          host: n.host,
          level: n.level,
          component: n.component,
          templateId: mined.templateId,
          template: mined.template,
          params: mined.params,
          traceId: n.traceId,
          spanId: n.spanId,
          sessionId: n.sessionId,
          numbers: normalizeNumbers(n.attributes, this.options.extractNumbers?.(n.message) ?? {}),
          stack: n.stack,
        };
        if (mined.isNew) {
          accounting.newTemplates.push({
            service: n.service,
            templateId: mined.templateId,
            template: mined.template,
            firstSeen: n.timestamp,
          });
        }
        events.push(event);
        accounting.events++;
        if (this.aggregator.add(event) === 'accepted') accounting.aggregated++;
        else accounting.droppedLate++;
      }
      const first = problems[0];
      if (first) accounting.deadLetters.push({ index, reason: first.reason, detail: first.detail });
    });

    return { events, aggregates: this.aggregator.flush(), accounting };
  }

  /** Closes every window ending at or before `upTo` (default: all), e.g. at end of a finite input. */
  finish(upTo = Number.MAX_SAFE_INTEGER): WindowAggregate[] {
    return this.aggregator.flush(upTo);
  }

  openWindows(): WindowAggregate[] {
    return this.aggregator.openWindows();
  }

  snapshot(): WindowSnapshot {
    return this.aggregator.snapshot();
  }

  stats(): ReturnType<WindowAggregator['stats']> {
    return this.aggregator.stats();
  }
}

export function createParsePipeline(options: ParsePipelineOptions): ParsePipeline {
  return new ParsePipeline(options);
}
