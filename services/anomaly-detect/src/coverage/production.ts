import type { TemplatedEvent } from '@self-healing/schemas';
import { isLibraryFrame, isRuntimeFrame, parseFrame } from '../errors/frames.js';
import { normalizePath } from './paths.js';

/** One place in the code production was seen executing, with how often. */
export interface ProductionLocation {
  file: string;
  line: number | null;
  fn: string | null;
  hits: number;
  firstSeen: number;
  lastSeen: number;
}

/** What production was seen doing: code locations, handlers (components), functions and routes, with counts. */
export interface ProductionProfile {
  service: string;
  events: number;
  firstSeen: number;
  lastSeen: number;
  locations: ProductionLocation[];
  functions: Map<string, number>;
  components: Map<string, number>;
  routes: Map<string, number>;
}

/** A `file:line` log call site: OpenTelemetry `code.filepath`/`code.lineno`, pino `caller`, or `file`+`line`. */
export function callSiteFromAttributes(
  attributes: Record<string, unknown>,
): { file: string; line: number | null; fn: string | null } | null {
  const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
  const int = (v: unknown): number | null => {
    const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : Number.NaN;
    return Number.isInteger(n) && n > 0 ? n : null;
  };
  const fn = str(attributes['code.function']) ?? str(attributes['function']);
  const otelFile = str(attributes['code.filepath']);
  if (otelFile) return { file: otelFile, line: int(attributes['code.lineno']), fn };
  const caller = str(attributes['caller']) ?? str(attributes['callsite']) ?? str(attributes['source']);
  if (caller) return parseCallSite(caller, fn);
  const file = str(attributes['file']);
  if (file) return { file, line: int(attributes['line']), fn };
  return null;
}

const CALL_SITE = /^(.+\.[cm]?[jt]sx?):(\d+)(?::\d+)?$/;

/** `src/orders.ts:42` or `src/orders.ts:42:7` -> file and line; other text -> null. */
export function parseCallSite(text: string, fn: string | null = null): { file: string; line: number; fn: string | null } | null {
  const frame = parseFrame(text);
  if (frame && frame.fn !== null && frame.line !== null) return { file: frame.file, line: frame.line, fn: frame.fn };
  const m = CALL_SITE.exec(text.trim());
  return m ? { file: m[1]!, line: Number(m[2]), fn } : null;
}

const ROUTE = /\b(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+(\/[^\s"'?#]*)/;

/** The message an event's template and parameters stand for (each `<*>` replaced by its parameter, in order). */
export function messageOf(event: TemplatedEvent): string {
  let i = 0;
  return event.template.replace(/<\*>/g, () => event.params[i++] ?? '<*>');
}

/**
 * Accumulates a production profile from events: every application stack frame (not runtime, not library) is a
 * hit on its line, a `file:line` component (a logger's caller) is a hit on that line, components count as
 * handlers, and `METHOD /path` in a message counts as a route.
 */
export class ProductionProfileBuilder {
  private readonly locations = new Map<string, ProductionLocation>();
  private readonly functions = new Map<string, number>();
  private readonly components = new Map<string, number>();
  private readonly routes = new Map<string, number>();
  private events = 0;
  private firstSeen = Number.POSITIVE_INFINITY;
  private lastSeen = Number.NEGATIVE_INFINITY;

  constructor(private readonly service: string) {}

  /** `attributes` are the raw record's fields when the caller still has them (call sites live there). */
  add(event: TemplatedEvent, attributes: Record<string, unknown> = {}): void {
    this.events++;
    this.firstSeen = Math.min(this.firstSeen, event.timestamp);
    this.lastSeen = Math.max(this.lastSeen, event.timestamp);
    for (const text of event.stack) {
      const frame = parseFrame(text);
      if (!frame || isRuntimeFrame(frame) || isLibraryFrame(frame)) continue;
      this.hit(frame.file, frame.line, frame.fn, event.timestamp);
    }
    const componentSite = event.component ? parseCallSite(event.component) : null;
    const site = callSiteFromAttributes(attributes) ?? componentSite;
    if (site) this.hit(site.file, site.line, site.fn, event.timestamp);
    if (event.component && !componentSite) {
      this.components.set(event.component, (this.components.get(event.component) ?? 0) + 1);
    }
    const route = ROUTE.exec(messageOf(event));
    if (route) {
      const key = `${route[1]} ${route[2]}`;
      this.routes.set(key, (this.routes.get(key) ?? 0) + 1);
    }
  }

  build(): ProductionProfile {
    return {
      service: this.service,
      events: this.events,
      firstSeen: this.events > 0 ? this.firstSeen : 0,
      lastSeen: this.events > 0 ? this.lastSeen : 0,
      locations: [...this.locations.values()].map((l) => ({ ...l })),
      functions: new Map(this.functions),
      components: new Map(this.components),
      routes: new Map(this.routes),
    };
  }

  private hit(file: string, line: number | null, fn: string | null, at: number): void {
    const path = normalizePath(file);
    const key = `${path}:${line ?? ''}:${fn ?? ''}`;
    const location = this.locations.get(key);
    if (location) {
      location.hits++;
      location.firstSeen = Math.min(location.firstSeen, at);
      location.lastSeen = Math.max(location.lastSeen, at);
    } else {
      this.locations.set(key, { file: path, line, fn, hits: 1, firstSeen: at, lastSeen: at });
    }
    if (fn) this.functions.set(fn, (this.functions.get(fn) ?? 0) + 1);
  }
}
