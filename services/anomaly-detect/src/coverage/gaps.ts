import type { Finding } from '@self-healing/schemas';
import { findingId } from '../incidents/stable-id.js';
import { bestSuffixMatch, normalizePath, suffixMatchLength } from './paths.js';
import type { FileCoverage, FunctionCoverage } from './report.js';
import type { ProductionLocation, ProductionProfile } from './production.js';

/** A handler or route the service declares (router table, sequence handlers) and production should reach. */
export interface DeclaredEntry {
  id: string;
  kind: 'handler' | 'route';
  /** Handler / function name, matched against stack-frame functions (`Class.name` too) and log components. */
  name?: string;
  /** `METHOD /path`, with `:param` segments matching any value. */
  route?: string;
  /** Source file, suffix-matched against production locations. */
  file?: string;
}

export interface CoverageGapOptions {
  /** Production hits below which uncovered code is not reported (it is not hot). */
  minHits: number;
  maxFindings: number;
  /** Report hot production code whose file is absent from the coverage report (no test loads it at all). */
  reportUnmeasuredFiles: boolean;
}

export const defaultCoverageGapOptions: CoverageGapOptions = {
  minHits: 5,
  maxFindings: 50,
  reportUnmeasuredFiles: true,
};

export interface CoverageGapInput {
  coverage: readonly FileCoverage[];
  production: ProductionProfile;
  declared?: readonly DeclaredEntry[];
  options?: Partial<CoverageGapOptions>;
}

interface Verdict {
  covered: boolean;
  reason: 'line-not-hit' | 'function-not-hit' | 'file-not-in-report';
  coverageFile: string | null;
  functionName: string | null;
}

/**
 * Coverage gaps: (1) code production runs hot (most hits first) that the tests never execute — by line when the
 * line is instrumented, else by its enclosing function — and (2) declared handlers or routes production never
 * reaches. Production and coverage paths are matched on their longest common suffix of normalized segments.
 */
export function detectCoverageGaps(input: CoverageGapInput): Finding[] {
  const options = { ...defaultCoverageGapOptions, ...input.options };
  const { production } = input;
  const byPath = new Map(input.coverage.map((f) => [f.path, f]));
  const matchCache = new Map<string, string | null>();
  const coverageFileFor = (file: string): FileCoverage | null => {
    if (!matchCache.has(file)) matchCache.set(file, bestSuffixMatch(file, byPath.keys()));
    const path = matchCache.get(file);
    return path ? byPath.get(path)! : null;
  };

  // Hits per line: several functions or call sites on one line are one place in the code.
  const merged = new Map<string, ProductionLocation>();
  for (const l of production.locations) {
    const key = `${l.file}:${l.line ?? ''}`;
    const m = merged.get(key);
    if (m) {
      m.hits += l.hits;
      m.firstSeen = Math.min(m.firstSeen, l.firstSeen);
      m.lastSeen = Math.max(m.lastSeen, l.lastSeen);
      m.fn ??= l.fn;
    } else merged.set(key, { ...l });
  }
  const hot = [...merged.values()]
    .filter((l) => l.hits >= options.minHits)
    .sort((a, b) => b.hits - a.hits || a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0));

  const findings: Finding[] = [];
  for (const location of hot) {
    if (findings.length >= options.maxFindings) break;
    const verdict = judge(location, coverageFileFor(location.file));
    if (verdict.covered) continue;
    if (verdict.reason === 'file-not-in-report' && !options.reportUnmeasuredFiles) continue;
    const subject = `${verdict.coverageFile ?? location.file}:${location.line ?? '?'}`;
    const rule = verdict.reason === 'file-not-in-report' ? 'hot-unmeasured' : 'hot-uncovered';
    const why =
      verdict.reason === 'line-not-hit'
        ? 'the tests never execute this line'
        : verdict.reason === 'function-not-hit'
          ? `the tests never call ${verdict.functionName ?? 'its function'}`
          : 'the file is not in the coverage report at all';
    findings.push({
      id: findingId('coverage', rule, production.service, subject, location.firstSeen),
      kind: 'coverage',
      rule,
      service: production.service,
      subject,
      templateIds: [],
      since: location.firstSeen,
      at: location.lastSeen,
      magnitude: location.hits,
      explanation:
        `${location.file}:${location.line ?? '?'}${location.fn ? ` (${location.fn})` : ''} ran ${location.hits} ` +
        `time(s) in production between ${new Date(location.firstSeen).toISOString()} and ` +
        `${new Date(location.lastSeen).toISOString()}, but ${why}.`,
      evidence: {
        productionFile: location.file,
        coverageFile: verdict.coverageFile,
        line: location.line,
        function: location.fn,
        productionHits: location.hits,
        reason: verdict.reason,
      },
    });
  }

  for (const entry of input.declared ?? []) {
    const reach = reached(entry, production);
    if (reach > 0) continue;
    const rule = entry.kind === 'route' ? 'unreached-route' : 'unreached-handler';
    const what = entry.route ?? entry.name ?? entry.file ?? entry.id;
    findings.push({
      id: findingId('coverage', rule, production.service, entry.id, production.firstSeen),
      kind: 'coverage',
      rule,
      service: production.service,
      subject: entry.id,
      templateIds: [],
      since: production.firstSeen,
      at: production.lastSeen,
      magnitude: production.events,
      explanation:
        `Declared ${entry.kind} ${what} was never reached in production: ${production.events} events between ` +
        `${new Date(production.firstSeen).toISOString()} and ${new Date(production.lastSeen).toISOString()} ` +
        `show no frame, log component, call site or route for it.`,
      evidence: {
        declaredKind: entry.kind,
        name: entry.name ?? null,
        route: entry.route ?? null,
        file: entry.file ?? null,
        productionEvents: production.events,
      },
    });
  }
  return findings;
}

function judge(location: ProductionLocation, file: FileCoverage | null): Verdict {
  if (!file) return { covered: false, reason: 'file-not-in-report', coverageFile: null, functionName: null };
  const lineHits = location.line === null ? undefined : file.lines.get(location.line);
  if (lineHits !== undefined) {
    return { covered: lineHits > 0, reason: 'line-not-hit', coverageFile: file.path, functionName: null };
  }
  const fn = enclosingFunction(file.functions, location);
  if (fn) return { covered: fn.hits > 0, reason: 'function-not-hit', coverageFile: file.path, functionName: fn.name };
  // Neither the line nor a function is instrumented: nothing says the tests missed it.
  return { covered: true, reason: 'line-not-hit', coverageFile: file.path, functionName: null };
}

/** By name first (`Cart.total` matches `total`), else the function whose range holds the line (innermost). */
function enclosingFunction(functions: readonly FunctionCoverage[], location: ProductionLocation): FunctionCoverage | null {
  if (location.fn) {
    const short = location.fn.split('.').pop()!;
    const named = functions.find((f) => f.name === location.fn || f.name === short);
    if (named) return named;
  }
  if (location.line === null) return null;
  const line = location.line;
  const holding = functions
    .filter((f) => f.line <= line && (f.endLine === null || f.endLine >= line))
    .sort((a, b) => b.line - a.line);
  return holding[0] ?? null;
}

function reached(entry: DeclaredEntry, production: ProductionProfile): number {
  let count = 0;
  if (entry.name) {
    const name = entry.name;
    count += production.components.get(name) ?? 0;
    for (const [fn, hits] of production.functions) {
      if (fn === name || fn.endsWith(`.${name}`)) count += hits;
    }
  }
  if (entry.route) {
    const pattern = routePattern(entry.route);
    for (const [route, hits] of production.routes) if (pattern.test(route)) count += hits;
  }
  if (entry.file) {
    const wanted = normalizePath(entry.file);
    const needed = wanted.split('/').length;
    for (const l of production.locations) {
      if (suffixMatchLength(wanted, l.file) >= Math.min(needed, 2)) count += l.hits;
    }
  }
  return count;
}

/** `POST /orders/:id` -> a regular expression that matches `POST /orders/123` (and a trailing slash). */
export function routePattern(route: string): RegExp {
  const [method, path = '/'] = route.trim().split(/\s+/, 2);
  const escaped = path
    .split('/')
    .map((segment) => (segment.startsWith(':') || segment === '*' ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${method!.toUpperCase()} ${escaped}/?$`);
}
