import type { Finding, TemplatedEvent } from '@self-healing/schemas';
import { findingId } from '../incidents/stable-id.js';
import { defaultSignatureOptions, stackSignature } from './frames.js';
import type { SignatureOptions } from './frames.js';

export interface ErrorPatternOptions {
  /** Event time after the first event during which nothing counts as new (the detector learns what exists). */
  warmupMs: number;
  /** Error templates and stack signatures remembered (bounded; least recently seen forgotten first). */
  maxKnown: number;
  /** Trace ids kept as examples per cluster. */
  maxExamples: number;
  signature: SignatureOptions;
}

export const defaultErrorPatternOptions: ErrorPatternOptions = {
  warmupMs: 10 * 60_000,
  maxKnown: 20_000,
  maxExamples: 20,
  signature: defaultSignatureOptions,
};

/** What is known about one error template or one stack signature. */
export interface ErrorCluster {
  /** Template id or stack signature. */
  key: string;
  kind: 'template' | 'stack';
  /** Template text, or the normalized frames joined by ` < `. */
  label: string;
  frames: string[];
  count: number;
  firstSeen: number;
  lastSeen: number;
  services: string[];
  templateIds: string[];
  exampleTraceIds: string[];
  /** True when it appeared after warm-up, i.e. it is reported as new. */
  novel: boolean;
  /** Count at the last finding emitted for it, to re-emit only on change. */
  reportedCount: number;
}

/** Plain-JSON state of an `ErrorPatternDetector`, to survive a restart. */
export interface ErrorPatternSnapshot {
  /** The first event of all (what older snapshots kept instead of `firstEventAtByService`). */
  firstEventAt: number | null;
  /** Each service's first event: its warm-up starts there. Absent in snapshots older than per-service novelty. */
  firstEventAtByService?: Record<string, number>;
  /** Least recently seen first; a cluster is one service's (older snapshots: of every service it names). */
  known: ErrorCluster[];
  /** Per service and template, the innermost frames its stacks were raised at (absent in older snapshots). */
  throwSites?: Array<{ service: string; templateId: string; sites: string[] }>;
}

/** Throw sites remembered per template: a template raised in more places than this is remembered by its latest. */
const MAX_THROW_SITES = 32;

/** Moves `key` to the end of `map`, whose insertion order doubles as recency order for eviction. */
function markRecent<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
}

/** Drops the least recently marked entry of `map`. */
function forgetLeastRecent<V>(map: Map<string, V>): void {
  const oldest = map.keys().next();
  if (!oldest.done) map.delete(oldest.value);
}

const isError = (e: TemplatedEvent): boolean => e.level === 'error' || e.level === 'fatal';

const mapKeyOf = (kind: ErrorCluster['kind'], service: string, key: string): string =>
  `${kind === 'template' ? 't' : 's'}:${service}\u0000${key}`;

/**
 * New error templates and stack-trace clusters, per service. Every error-level event is counted under its service
 * and template; every event with a stack under its service and signature (see `stackSignature`). A template or
 * signature first seen in a service after that service's warm-up is reported as new (`new-error-template`,
 * `new-stack-signature`): an error another service already shows is still news where it was never seen, and a
 * service that starts sending telemetry later learns its own normal first. `advance` re-emits the same finding
 * (same id) with updated counts while it keeps occurring.
 *
 * A new signature is not news when its line's template was already raised at the same innermost frame (the same
 * error, thrown where it always was, reached through another path): a release that renames or wraps a caller
 * changes the signature of every known error below it, and a rare path to a known failure is seen for the first
 * time sooner or later. An error thrown somewhere new, under any template, still is.
 */
export class ErrorPatternDetector {
  private readonly options: ErrorPatternOptions;
  /** `<t|s>:<service>\0<key>` -> cluster. */
  private readonly known = new Map<string, ErrorCluster>();
  private firstEventAt: number | null = null;
  private readonly firstEventAtByService = new Map<string, number>();
  /** `<service>\0<templateId>` -> the innermost frames (`fn@path`) its stacks were raised at; oldest key first. */
  private readonly throwSites = new Map<string, string[]>();

  constructor(options: Partial<ErrorPatternOptions> = {}) {
    this.options = { ...defaultErrorPatternOptions, ...options };
  }

  push(event: TemplatedEvent): Finding[] {
    this.firstEventAt ??= event.timestamp;
    const since = this.firstEventAtByService.get(event.service);
    if (since === undefined || event.timestamp < since)
      this.firstEventAtByService.set(event.service, Math.min(since ?? Infinity, event.timestamp));
    const warm = event.timestamp - this.firstEventAtByService.get(event.service)! >= this.options.warmupMs;
    const findings: Finding[] = [];
    if (isError(event)) {
      const cluster = this.touch(mapKeyOf('template', event.service, event.templateId), event, warm, () => ({
        kind: 'template',
        label: event.template,
        frames: [],
      }));
      if (cluster) findings.push(this.toFinding(cluster));
    }
    if (event.stack.length > 0) {
      const signature = stackSignature(event.stack, this.options.signature);
      if (signature) {
        const knownSite = this.raisedAt(event, signature.frames[0]!);
        const cluster = this.touch(
          mapKeyOf('stack', event.service, signature.signature),
          event,
          warm && !knownSite,
          () => ({
            kind: 'stack',
            label: signature.frames.join(' < '),
            frames: signature.frames,
          }),
        );
        if (cluster) findings.push(this.toFinding(cluster));
      }
    }
    return findings;
  }

  /** Whether `event`'s template was raised at `site` before; records that it now was. */
  private raisedAt(event: TemplatedEvent, site: string): boolean {
    const key = `${event.service}\u0000${event.templateId}`;
    let sites = this.throwSites.get(key);
    if (sites === undefined && this.throwSites.size >= this.options.maxKnown)
      forgetLeastRecent(this.throwSites);
    markRecent(this.throwSites, key, (sites ??= []));
    if (sites.includes(site)) return true;
    if (sites.length >= MAX_THROW_SITES) sites.shift();
    sites.push(site);
    return false;
  }

  /** Re-emits findings for novel clusters whose counts changed since they were last reported. */
  advance(): Finding[] {
    const findings: Finding[] = [];
    for (const cluster of this.known.values()) {
      if (cluster.novel && cluster.count !== cluster.reportedCount) findings.push(this.toFinding(cluster));
    }
    return findings;
  }

  snapshot(): ErrorPatternSnapshot {
    return {
      firstEventAt: this.firstEventAt,
      firstEventAtByService: Object.fromEntries(this.firstEventAtByService),
      known: [...this.known.values()].map((c) => structuredClone(c)),
      throwSites: [...this.throwSites].map(([key, sites]) => {
        const cut = key.indexOf('\u0000');
        return { service: key.slice(0, cut), templateId: key.slice(cut + 1), sites: [...sites] };
      }),
    };
  }

  static restore(
    snapshot: ErrorPatternSnapshot,
    options: Partial<ErrorPatternOptions> = {},
  ): ErrorPatternDetector {
    const detector = new ErrorPatternDetector(options);
    detector.firstEventAt = snapshot.firstEventAt;
    for (const [service, at] of Object.entries(snapshot.firstEventAtByService ?? {}))
      detector.firstEventAtByService.set(service, at);
    for (const t of snapshot.throwSites ?? [])
      detector.throwSites.set(`${t.service}\u0000${t.templateId}`, [...t.sites]);
    const older = snapshot.firstEventAtByService === undefined;
    for (const c of snapshot.known) {
      // An older snapshot's cluster was shared by its services: each of them knows it, and their warm-up began
      // with the detector's.
      for (const service of older ? c.services : c.services.slice(0, 1)) {
        if (older && snapshot.firstEventAt !== null)
          detector.firstEventAtByService.set(service, snapshot.firstEventAt);
        detector.known.set(mapKeyOf(c.kind, service, c.key), { ...structuredClone(c), services: [service] });
      }
    }
    return detector;
  }

  /** Stack clusters, most frequent first (ties by first seen), for reports and diagnosis. */
  stackClusters(): ErrorCluster[] {
    return [...this.known.values()]
      .filter((c) => c.kind === 'stack')
      .sort((a, b) => b.count - a.count || a.firstSeen - b.firstSeen)
      .map((c) => ({ ...c }));
  }

  errorTemplates(): ErrorCluster[] {
    return [...this.known.values()]
      .filter((c) => c.kind === 'template')
      .sort((a, b) => b.count - a.count || a.firstSeen - b.firstSeen)
      .map((c) => ({ ...c }));
  }

  /** Counts the event; returns the cluster when it is new after warm-up (to be reported now). */
  private touch(
    mapKey: string,
    event: TemplatedEvent,
    warm: boolean,
    init: () => Pick<ErrorCluster, 'kind' | 'label' | 'frames'>,
  ): ErrorCluster | null {
    let cluster = this.known.get(mapKey);
    const created = !cluster;
    if (!cluster) {
      if (this.known.size >= this.options.maxKnown) forgetLeastRecent(this.known);
      cluster = {
        key: mapKey.slice(mapKey.indexOf('\u0000') + 1),
        ...init(),
        count: 0,
        firstSeen: event.timestamp,
        lastSeen: event.timestamp,
        services: [],
        templateIds: [],
        exampleTraceIds: [],
        novel: warm,
        reportedCount: 0,
      };
      this.known.set(mapKey, cluster);
    } else {
      markRecent(this.known, mapKey, cluster);
    }
    cluster.count++;
    cluster.firstSeen = Math.min(cluster.firstSeen, event.timestamp);
    cluster.lastSeen = Math.max(cluster.lastSeen, event.timestamp);
    if (!cluster.services.includes(event.service)) cluster.services.push(event.service);
    if (!cluster.templateIds.includes(event.templateId)) cluster.templateIds.push(event.templateId);
    const trace = event.traceId ?? event.sessionId;
    if (
      trace &&
      cluster.exampleTraceIds.length < this.options.maxExamples &&
      !cluster.exampleTraceIds.includes(trace)
    ) {
      cluster.exampleTraceIds.push(trace);
    }
    return created && cluster.novel ? cluster : null;
  }

  private toFinding(c: ErrorCluster): Finding {
    c.reportedCount = c.count;
    const rule = c.kind === 'template' ? 'new-error-template' : 'new-stack-signature';
    const service = c.services[0]!;
    const what =
      c.kind === 'template' ? `error template "${c.label}"` : `stack signature ${c.key} (${c.label})`;
    return {
      id: findingId('error', rule, service, c.key, c.firstSeen),
      kind: 'error',
      rule,
      service,
      subject: c.key,
      templateIds: [...c.templateIds],
      since: c.firstSeen,
      at: c.lastSeen,
      magnitude: c.count,
      explanation:
        `New ${what}: not seen before ${new Date(c.firstSeen).toISOString()}, ${c.count} occurrence(s) since, ` +
        `last at ${new Date(c.lastSeen).toISOString()}, in ${c.services.join(', ')}.`,
      evidence: {
        count: c.count,
        firstSeen: c.firstSeen,
        lastSeen: c.lastSeen,
        services: c.services.join(','),
        frames: c.frames.length > 0 ? c.frames.join(' < ') : null,
        exampleTraceIds: c.exampleTraceIds.join(','),
      },
    };
  }
}
