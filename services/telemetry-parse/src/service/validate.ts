import type { PayloadOf } from '@self-healing/schemas';
import type { StageEvent } from '@self-healing/shared';

type Command = PayloadOf<'ParseTelemetryCommand'>;
type Requested = PayloadOf<'TelemetryParseRequested'>;
export interface Reason {
  code: string;
  message: string;
  field: string | null;
}

export interface ValidateOptions {
  defaultWindowMs: number;
  rawTopic: string;
  /** Null when the path is inside the log root, else why not. */
  isUnderLogRoot: (path: string) => Promise<{ code: string; message: string } | null>;
  /**
   * What keeps a Kafka source from being read (no such topic or partition, offsets past the end or gone, a topic
   * of the platform itself), asked only of a source that is well-formed: a request that cannot be served is
   * refused here rather than failing its read after retries while other runs wait.
   */
  kafkaSourceProblems?: (
    topic: string,
    partitions: ReadonlyArray<{ partition: number; fromOffset: number; toOffset: number }>,
  ) => Promise<Array<{ code: string; message: string }>>;
}

const MIN_WINDOW_MS = 1_000;
const MAX_WINDOW_MS = 86_400_000;

/**
 * The first beat's decision: accept the request with every default filled in, or refuse it with one reason
 * per violated rule, so that whoever asked can fix everything at once.
 */
export async function validateParseCommand(
  cause: StageEvent,
  options: ValidateOptions,
): Promise<{ ok: true; requested: Requested } | { ok: false; reasons: Reason[] }> {
  const reasons: Reason[] = [];
  const add = (code: string, message: string, field: string | null) => reasons.push({ code, message, field });
  if (cause.meta.type !== 'ParseTelemetryCommand') {
    return {
      ok: false,
      reasons: [
        { code: 'unexpected-trigger', message: `${cause.meta.type} cannot start a parse run`, field: null },
      ],
    };
  }
  const c = cause.payload as Command;
  if (c.runId !== cause.meta.incidentId)
    add('run-id-mismatch', `runId ${c.runId} differs from the record key ${cause.meta.incidentId}`, 'runId');
  const source = c.source;
  if (source.kind === 'kafka') {
    if (source.partitions.length === 0)
      add('empty-source', 'a kafka source needs at least one partition range', 'source.partitions');
    const seen = new Set<number>();
    for (const r of source.partitions) {
      if (seen.has(r.partition))
        add('duplicate-partition', `partition ${r.partition} is named twice`, 'source.partitions');
      seen.add(r.partition);
      if (r.partition < 0 || r.fromOffset < 0 || r.toOffset < r.fromOffset) {
        add(
          'bad-range',
          `partition ${r.partition}: offsets ${r.fromOffset}..${r.toOffset} are not a range`,
          'source.partitions',
        );
      }
    }
    if (source.partitions.length > 0 && source.partitions.every((r) => r.toOffset === r.fromOffset)) {
      add('empty-source', 'every partition range is empty', 'source.partitions');
    }
    if (source.paths.length > 0) add('mixed-source', 'a kafka source names no paths', 'source.paths');
    if (reasons.length === 0 && options.kafkaSourceProblems) {
      for (const p of await options.kafkaSourceProblems(source.topic ?? options.rawTopic, source.partitions))
        add(p.code, p.message, 'source');
    }
  } else {
    if (source.paths.length === 0)
      add('empty-source', 'a files source needs at least one path', 'source.paths');
    for (const p of source.paths) {
      const problem = await options.isUnderLogRoot(p);
      if (problem) add(problem.code, problem.message, 'source.paths');
    }
    if (source.partitions.length > 0)
      add('mixed-source', 'a files source names no partitions', 'source.partitions');
  }
  for (const s of c.services)
    if (s.trim().length === 0) add('bad-service', 'service names cannot be blank', 'services');
  if (c.timeRange) {
    if (!(c.timeRange.from < c.timeRange.until))
      add(
        'bad-time-range',
        `time range ${c.timeRange.from}..${c.timeRange.until} is empty or reversed`,
        'timeRange',
      );
    if (c.timeRange.from < 0) add('bad-time-range', 'time range starts before 1970', 'timeRange');
  }
  const windowMs = c.windowMs ?? options.defaultWindowMs;
  if (windowMs < MIN_WINDOW_MS || windowMs > MAX_WINDOW_MS)
    add(
      'bad-window',
      `windowMs must be between ${MIN_WINDOW_MS} and ${MAX_WINDOW_MS}, got ${windowMs}`,
      'windowMs',
    );
  if (reasons.length > 0) return { ok: false, reasons };
  return {
    ok: true,
    requested: {
      runId: c.runId,
      source: {
        kind: source.kind,
        topic: source.kind === 'kafka' ? (source.topic ?? options.rawTopic) : null,
        partitions: source.partitions,
        paths: source.paths,
      },
      services: c.services.map((s) => s.trim().toLowerCase()),
      timeRange: c.timeRange,
      windowMs,
      formats: c.formats,
      trigger: 'command',
      requestedBy: c.requestedBy,
    },
  };
}
