/**
 * Domain shapes that cross service boundaries. Stage services produce and consume these; the Avro payload
 * schemas carry them field for field (the contract test holds the two together). Times are epoch
 * milliseconds, UTC. Quantities have one unit each: durations in milliseconds, sizes in bytes.
 */

/** The one level vocabulary every input format is normalized to. */
export type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/** One log record after extraction and normalization: a template occurrence with its parameters. */
export interface TemplatedEvent {
  timestamp: number;
  service: string;
  host: string | null;
  level: Level;
  component: string | null;
  /** Stable id derived from the template text (not from arrival order), so replicas agree. */
  templateId: string;
  template: string;
  /** The values the template's `<*>` stand for, in order. */
  params: string[];
  traceId: string | null;
  spanId: string | null;
  /** Request, session or other correlation id that groups events into one behavioural sequence. */
  sessionId: string | null;
  /** Numeric fields found in the message or record (`took 532 ms` -> durationMs: 532). */
  numbers: Record<string, number>;
  /** Stack frames when the record carried a stack trace, outermost last, as `function (file:line)`. */
  stack: string[];
}

/** Per service, template and event-time window. The latency sketch is mergeable across windows and replicas. */
export interface WindowAggregate {
  service: string;
  templateId: string;
  template: string;
  windowStart: number;
  windowMs: number;
  count: number;
  errorCount: number;
  /** Latency quantiles in milliseconds from the sketch, null when no event in the window carried a duration. */
  latency: { p50: number; p95: number; p99: number; max: number; count: number } | null;
  /** The sketch itself, serialized (DDSketch protobuf), so that windows can be merged downstream. */
  latencySketch: Uint8Array | null;
  firstSeen: number;
  lastSeen: number;
  /** True when the template was first seen in this window. */
  newTemplate: boolean;
}

export type FindingKind = 'performance' | 'behavioral' | 'coverage' | 'error';

/** One detector's observation. Findings that share a likely cause are grouped into an incident. */
export interface Finding {
  /** Deterministic (kind, rule, service, subject, since), so a redelivered input yields the same id. */
  id: string;
  kind: FindingKind;
  /** What fired, e.g. `latency-shift`, `missing-step`, `hot-uncovered`, `error-burst`, `new-error-template`. */
  rule: string;
  service: string;
  /** Metric name, template id, `file:line`, stack signature: what the finding is about. */
  subject: string;
  templateIds: string[];
  /** When the anomaly began (epoch ms) and when it was last observed. */
  since: number;
  at: number;
  /** Size of the deviation, >= 0, comparable across findings of one rule (robust z-score, ratio, count). */
  magnitude: number;
  /** One sentence a person can read: metric, baseline, observed value, deviation, since when. */
  explanation: string;
  evidence: Record<string, string | number | boolean | null>;
}

export type Severity = 'low' | 'medium' | 'high' | 'critical';
