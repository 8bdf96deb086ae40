import { compileFormat, type CompiledFormat, type FormatSpec } from './format.js';
import { DEFAULT_STABILITY, inferHeader, type InferredHeader } from './infer.js';
import { parseTextHeader, type TextHeader } from './parse-text-header.js';
import { YearInference } from './year.js';

/**
 * The header reader of one source (a service's log stream), as the extract step would hold it:
 * - a declared format (catalogue `logFormat`, or the parse request's) is compiled once and read with;
 * - without one, the header is inferred from the source's first lines (`prime` with a batch's lines before
 *   reading them, or the first `sample` lines read; until then the fixed rules of parseTextHeader read);
 * - a line without the declared or inferred shape (a continuation, another writer's line in the same
 *   stream) is read by the fixed rules, so it loses no time or level the rules can see;
 * - structured formats (JSON, OTLP) have no text header: `structured` is true and the caller decodes them.
 * Yearless times take their year from the source's other times, else from `referenceMs` (a file's date).
 */
export interface SourceHeaderOptions {
  format?: FormatSpec | null;
  /** Lines to infer the header from when no format is declared. Default 200. */
  sample?: number;
  stability?: number;
  referenceMs?: number | null;
  /** Minutes east of UTC assumed for times without a zone. */
  defaultOffsetMinutes?: number;
}

/** Presets of structured writers: decoded as records, not as text lines (decode/json.ts, decode/otlp.ts). */
const STRUCTURED_PRESETS: ReadonlySet<string> = new Set([
  'pino',
  'bunyan',
  'json',
  'ecs',
  'otlp',
  'winston-json',
]);

export class SourceHeaderReader {
  readonly structured: boolean;
  private readonly declared: CompiledFormat | null;
  private inferred: InferredHeader | null = null;
  private inferenceDone = false;
  private readonly seen: string[] = [];
  private readonly years: YearInference;
  private readonly sample: number;

  constructor(private readonly options: SourceHeaderOptions = {}) {
    const f = options.format ?? null;
    const preset =
      f === null
        ? undefined
        : typeof f === 'string'
          ? f.startsWith('preset:')
            ? f.slice(7)
            : undefined
          : f.preset;
    this.structured = preset !== undefined && STRUCTURED_PRESETS.has(preset);
    // Compiling throws FormatError on a bad declaration: the catalogue or request is rejected, not each line.
    this.declared = f === null || this.structured ? null : compileFormat(f);
    this.years = new YearInference(options.referenceMs ?? null);
    this.sample = Math.max(1, options.sample ?? 200);
  }

  /** Infers the header from these lines (when no format is declared and none was inferred yet). */
  prime(lines: readonly string[]): void {
    if (this.declared !== null || this.inferenceDone) return;
    for (const l of lines) {
      if (this.seen.length >= this.sample) break;
      this.seen.push(l);
    }
    if (this.seen.length >= Math.min(this.sample, lines.length)) this.infer();
  }

  private infer(): void {
    this.inferenceDone = true;
    this.inferred = inferHeader(this.seen, { stability: this.options.stability ?? DEFAULT_STABILITY });
    this.seen.length = 0;
  }

  /** The header format in use, for reports: declared, inferred (Drain notation), or the fixed rules. */
  describe(): string {
    if (this.declared !== null) return this.declared.source;
    if (this.inferred !== null) return this.inferred.notation;
    return this.inferenceDone ? '<Content>' : 'parseTextHeader rules (sampling)';
  }

  read(line: string): TextHeader {
    const opts = { years: this.years, defaultOffsetMinutes: this.options.defaultOffsetMinutes ?? 0 };
    const rules = (): TextHeader =>
      parseTextHeader(line, { defaultOffsetMinutes: opts.defaultOffsetMinutes });
    if (this.declared !== null) return this.declared.match(line, opts) ?? rules();
    if (!this.inferenceDone) {
      this.seen.push(line);
      if (this.seen.length >= this.sample) this.infer();
      else return rules();
    }
    if (this.inferred === null) return rules();
    return this.inferred.match(line, opts) ?? rules();
  }

  /** `read` as a plain function, for decoders that take a header parser. */
  readonly parser = (line: string): TextHeader => this.read(line);
}
