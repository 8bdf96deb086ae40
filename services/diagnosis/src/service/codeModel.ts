import type ts from 'typescript';
import type { ServiceEntry } from '@self-healing/shared/catalogue';
import {
  buildCallGraph,
  enclosingFunction,
  reachableFrom,
  stepRegion,
  type CallGraph,
  type FunctionNode,
} from '../code/callGraph.js';
import { indexLogCalls, type LogCallSite } from '../code/logCalls.js';
import { matchTemplate, sitesForStep } from '../code/match.js';
import { isSourcePath } from '../code/source.js';
import { compilerOptionsOf, type SourceLayout } from '../diagnose/runtimeFrames.js';
import type { CodeModel, CodeSpan, SiteMatch } from '../diagnose/types.js';
import type { GitRepo } from '../repository/repoCache.js';

/** Limits on what one diagnosis indexes: a repository larger than this is indexed in part, and says so. */
const MAX_FILES = 5000;
const MAX_BYTES = 32 << 20;
/** Calls followed from a slow step's code into the functions it runs. */
const CALL_DEPTH = 3;

const SKIPPED_DIRS = /(^|\/)(node_modules|dist|build|coverage|\.git|vendor)\//;

export interface LoadedCode {
  model: CodeModel;
  filesIndexed: number;
  languages: Record<string, number>;
  /** The log statements, for the stored index. */
  sites: Array<{ path: string; line: number; level: string; message: string | null; fn: string | null }>;
  layout: SourceLayout;
  compilerOptions: ts.CompilerOptions;
}

const span = (fn: FunctionNode): CodeSpan => ({
  path: fn.path,
  name: fn.name,
  start: fn.startLine,
  end: fn.endLine,
});

/**
 * The code model of a repository at a commit: its source files read from git (never checked out), their log
 * statements and call graph (services/diagnosis/src/code), behind the CodeModel the locators use.
 */
export async function buildCodeModel(
  repo: GitRepo,
  commit: string,
  entry: ServiceEntry | null,
): Promise<LoadedCode> {
  const all = await repo.files(commit);
  const files = new Set(all);
  const sources = all.filter((p) => isSourcePath(p) && !SKIPPED_DIRS.test(p)).slice(0, MAX_FILES);
  const texts = await repo.readFiles(commit, [...sources, 'tsconfig.json', 'package.json']);
  const tsconfig = texts.get('tsconfig.json');
  let bytes = 0;
  const sourceTexts = sources
    .filter((p) => texts.has(p))
    .map((path) => ({ path, text: texts.get(path)! }))
    .filter((f) => (bytes += f.text.length) <= MAX_BYTES);
  const byPath = new Map(sourceTexts.map((f) => [f.path, f.text]));
  const sites = indexLogCalls(sourceTexts);
  const graph = buildCallGraph(sourceTexts);
  const languages: Record<string, number> = {};
  for (const f of sourceTexts) {
    const ext = /\.([a-z]+)$/.exec(f.path)?.[1] ?? 'other';
    const lang = /^[cm]?tsx?$/.test(ext) ? 'typescript' : 'javascript';
    languages[lang] = (languages[lang] ?? 0) + 1;
  }
  return {
    model: codeModelOf(files, byPath, sites, graph),
    filesIndexed: sourceTexts.length,
    languages,
    sites: sites.map((s) => ({
      path: s.path,
      line: s.line,
      level: s.level,
      message: s.message,
      fn: s.fn?.name ?? null,
    })),
    layout: { outDir: entry?.sourceMaps.enabled ? entry.sourceMaps.outDir : null },
    compilerOptions: compilerOptionsOf(tsconfig, texts.get('package.json')),
  };
}

/** The CodeModel over an index (pure: also what the unit tests build from constructed sources). */
export function codeModelOf(
  files: ReadonlySet<string>,
  texts: ReadonlyMap<string, string>,
  sites: readonly LogCallSite[],
  graph: CallGraph,
): CodeModel {
  const fnOf = (site: LogCallSite): CodeSpan | undefined => {
    const fn = enclosingFunction(graph, site.path, site.line, site.column);
    return fn && fn.kind !== 'module' ? span(fn) : undefined;
  };
  const asMatch = (site: LogCallSite, score: number): SiteMatch => {
    const fn = fnOf(site);
    return { path: site.path, line: site.line, score, ...(fn ? { fn } : {}) };
  };
  const siteAt = (path: string, line: number) => sites.find((s) => s.path === path && s.line === line);
  const callersOf = new Map<string, FunctionNode[]>();
  for (const e of graph.edges) {
    if (e.via === 'nested') continue;
    const from = graph.functions.get(e.from);
    if (!from) continue;
    const list = callersOf.get(e.to) ?? [];
    if (!list.includes(from)) list.push(from);
    callersOf.set(e.to, list);
  }
  const nodeOf = (s: CodeSpan) =>
    (graph.byPath.get(s.path) ?? []).find(
      (f) => f.startLine === s.start && f.endLine === s.end && f.name === s.name,
    );
  return {
    files,
    text: (path) => texts.get(path),
    enclosing: (path, line) => {
      const fn = enclosingFunction(graph, path, line);
      return fn && fn.kind !== 'module' ? span(fn) : undefined;
    },
    sitesForTemplate: (template) =>
      // Below 0.6 a match is as likely an unrelated statement (mined sample templates: the right site scored 0.75-1,
      // the best unrelated one under 0.4).
      matchTemplate(template, sites, { limit: 10, minScore: 0.6 })
        .filter((m) => !m.site.test)
        .map((m) => asMatch(m.site, m.score)),
    sitesForStep: (step) =>
      sitesForStep(step, sites)
        .filter((s) => !s.test)
        .map((s) => asMatch(s, 1)),
    regionBefore: (at, metric) => {
      const site = siteAt(at.path, at.line);
      if (!site) return undefined;
      const region = stepRegion(graph, site, metric);
      if (region.endLine < region.startLine && region.callees.length === 0) return undefined;
      const direct = region.callees.map((f) => f.id);
      const reached = reachableFrom(graph, direct, CALL_DEPTH).filter(
        (r) => r.fn.kind !== 'module' && !r.fn.test,
      );
      return {
        lines: {
          path: region.path,
          name: region.fn?.name ?? region.path,
          start: region.startLine,
          end: Math.max(region.startLine, region.endLine),
        },
        callees: reached.map((r) => span(r.fn)),
      };
    },
    callers: (fn) => {
      const node = nodeOf(fn);
      return node
        ? (callersOf.get(node.id) ?? []).filter((f) => f.kind !== 'module' && !f.test).map(span)
        : [];
    },
  };
}
