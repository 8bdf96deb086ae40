import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { measureFor, type LineSpan, type LogCallSite } from './logCalls.js';
import {
  calleeName,
  calleeText,
  enclosingFunctionNode,
  isFunctionLikeNode,
  isTestPath,
  lineColumn,
  ownName,
  parseSource,
  qualifiedName,
  type FunctionLikeNode,
  type FunctionRef,
  type SourceText,
  VIRTUAL_ROOT,
} from './source.js';

export type FunctionKind = 'function' | 'method' | 'constructor' | 'accessor' | 'arrow' | 'module';

export interface FunctionNode extends FunctionRef {
  /** `src/inventory/inventory.ts#Inventory.reserve@59:3`: unique and stable while the file does not change. */
  readonly id: string;
  readonly path: string;
  readonly startColumn: number;
  /** 1-based column just past the function's last character. */
  readonly endColumn: number;
  readonly kind: FunctionKind;
  /** A callback or an arrow function not bound to a name. */
  readonly anonymous: boolean;
  /** The function lexically around this one; null for a module and its top-level functions. */
  readonly parent: string | null;
  readonly test: boolean;
}

/**
 * How an edge was found. `checker`: the TypeScript checker resolved the callee to its declaration.
 * `dispatch`: the callee is an interface or base-class method; the edge goes to an implementation or override.
 * `name`: the checker could not type the callee (an untyped value, JavaScript without types), so the edge goes
 * to the functions with that name. `reference`: a function handed to a call as a value (a route handler, a
 * callback) is taken to be called. `nested`: an anonymous function defined inside another runs on its behalf.
 */
export type Resolution = 'checker' | 'dispatch' | 'name' | 'reference' | 'nested';

export interface CallEdge {
  readonly from: string;
  readonly to: string;
  readonly path: string;
  readonly line: number;
  readonly column: number;
  /** The callee as written (`deps.inventory.reserve`). */
  readonly callee: string;
  readonly via: Resolution;
}

export interface CallGraphStats {
  readonly files: number;
  readonly functions: number;
  readonly calls: number;
  /** Calls resolved to functions of the repository, by how. */
  readonly resolved: Readonly<Record<'checker' | 'dispatch' | 'name', number>>;
  /**
   * Calls into a library or the runtime (not an edge: nothing of ours runs): resolved there by the checker, or a
   * method whose name no function of the repository has.
   */
  readonly external: number;
  readonly unresolved: number;
}

export interface CallGraph {
  readonly functions: ReadonlyMap<string, FunctionNode>;
  readonly edges: readonly CallEdge[];
  readonly outgoing: ReadonlyMap<string, readonly CallEdge[]>;
  /** Functions per file, by start position. */
  readonly byPath: ReadonlyMap<string, readonly FunctionNode[]>;
  readonly stats: CallGraphStats;
}

/** Method names of the standard library: when the receiver is untyped, a same-named function of ours is a guess too far. */
const BUILTIN_METHODS = new Set(
  (
    'get set has add delete clear keys values entries forEach map filter reduce reduceRight find findIndex findLast ' +
    'some every includes indexOf lastIndexOf push pop shift unshift slice splice concat join sort reverse flat ' +
    'flatMap fill at then catch finally resolve reject all race allSettled any toString valueOf toJSON parse ' +
    'stringify assign freeze create call apply bind trim split replace replaceAll match matchAll startsWith ' +
    'endsWith padStart padEnd toLowerCase toUpperCase charAt charCodeAt substring test exec now emit on once ' +
    'off write end send next return throw log info warn error debug trace fatal child format round floor ceil ' +
    'max min abs random from of isArray isInteger isFinite hasOwnProperty ' +
    // Node's and fetch's: their objects come from packages the in-memory program does not load
    'listen close pipe destroy connect request setHeader writeHead text json arrayBuffer blob read unref ref'
  ).split(' '),
);
/** More same-named candidates than this and a name-only edge says nothing. */
const MAX_NAME_CANDIDATES = 6;

const COMPILER_OPTIONS: ts.CompilerOptions = {
  allowJs: true,
  checkJs: false,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  allowImportingTsExtensions: true,
  // enough of the standard library to see that `map.get` or `promise.then` is not a function of ours
  lib: ['lib.es2015.d.ts'],
  types: [],
  skipLibCheck: true,
  noLib: false,
};

/** Aliases confined to the virtual root: a `..` that climbs out of the repository resolves to nothing. */
function optionsWith(options: BuildOptions): ts.CompilerOptions {
  if (!options.paths) return COMPILER_OPTIONS;
  const base = (options.baseUrl ?? '').replace(/^\.?\/+/, '').replace(/\/+$/, '');
  if (base.split('/').includes('..')) return COMPILER_OPTIONS;
  const paths: Record<string, string[]> = {};
  for (const [alias, targets] of Object.entries(options.paths)) {
    const safe = targets.filter((t) => !t.split('/').includes('..') && !t.startsWith('/'));
    if (safe.length > 0) paths[alias] = safe;
  }
  return { ...COMPILER_OPTIONS, baseUrl: VIRTUAL_ROOT + base, paths };
}

/** The compiler's own declaration files, parsed once per process: they are the same for every repository. */
const libCache = new Map<string, ts.SourceFile | undefined>();

function libSourceFile(fileName: string): ts.SourceFile | undefined {
  if (!libCache.has(fileName)) {
    let sf: ts.SourceFile | undefined;
    try {
      sf = ts.createSourceFile(fileName, readFileSync(fileName, 'utf8'), ts.ScriptTarget.ES2022, false);
    } catch {
      sf = undefined;
    }
    libCache.set(fileName, sf);
  }
  return libCache.get(fileName);
}

function compilerHost(files: ReadonlyMap<string, ts.SourceFile>): ts.CompilerHost {
  const libDir = dirname(ts.getDefaultLibFilePath(COMPILER_OPTIONS));
  const dirs = new Set<string>();
  for (const name of files.keys())
    for (let d = dirname(name); d.length > 1 && !dirs.has(d); d = dirname(d)) dirs.add(d);
  const isLib = (name: string): boolean =>
    dirname(name) === libDir && /^lib\.[\w.]+\.d\.ts$/.test(name.slice(libDir.length + 1));
  return {
    getSourceFile: (name) => files.get(name) ?? (isLib(name) ? libSourceFile(name) : undefined),
    getDefaultLibFileName: (options) => join(libDir, ts.getDefaultLibFileName(options)),
    getDefaultLibLocation: () => libDir,
    writeFile: () => undefined,
    getCurrentDirectory: () => VIRTUAL_ROOT,
    getCanonicalFileName: (name) => name,
    useCaseSensitiveFileNames: () => true,
    getNewLine: () => '\n',
    fileExists: (name) => files.has(name) || (isLib(name) && libSourceFile(name) !== undefined),
    readFile: (name) => files.get(name)?.text ?? (isLib(name) ? libSourceFile(name)?.text : undefined),
    directoryExists: (name) => dirs.has(name.replace(/\/+$/, '')) || name === libDir,
    getDirectories: () => [],
    realpath: (name) => name,
  };
}

function kindOf(fn: FunctionLikeNode): FunctionKind {
  if (ts.isConstructorDeclaration(fn)) return 'constructor';
  if (ts.isMethodDeclaration(fn)) return 'method';
  if (ts.isGetAccessorDeclaration(fn) || ts.isSetAccessorDeclaration(fn)) return 'accessor';
  if (ts.isArrowFunction(fn)) return 'arrow';
  return 'function';
}

function moduleId(path: string): string {
  return `${path}#<module>`;
}

export interface BuildOptions {
  /**
   * Import aliases as a tsconfig writes them (`{ "@app/*": ["src/*"] }`), relative to `baseUrl` (a
   * repository-relative directory, default the root): imports through them then resolve among the files.
   */
  readonly paths?: Readonly<Record<string, readonly string[]>>;
  readonly baseUrl?: string;
}

/**
 * The call graph of a repository's files: functions, methods and named arrow functions with their spans, and
 * call edges resolved with a TypeScript program over the texts in memory (imports among the given files resolve;
 * packages do not, and calls into them are not edges). Pure apart from reading the compiler's own lib files.
 */
export function buildCallGraph(files: readonly SourceText[], options: BuildOptions = {}): CallGraph {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const sources = new Map<string, ts.SourceFile>();
  const pathOf = new Map<ts.SourceFile, string>();
  for (const file of sorted) {
    const sf = parseSource(file);
    sources.set(sf.fileName, sf);
    pathOf.set(sf, file.path);
  }
  const program = ts.createProgram({
    rootNames: [...sources.keys()],
    options: optionsWith(options),
    host: compilerHost(sources),
  });
  const checker = program.getTypeChecker();

  const functions = new Map<string, FunctionNode>();
  const idOf = new Map<ts.Node, string>();
  const byName = new Map<string, string[]>();
  const classes: ts.ClassLikeDeclaration[] = [];

  // 1. every function, named by what holds it
  for (const [sf, path] of pathOf) {
    const lines = sf.getLineStarts().length;
    functions.set(moduleId(path), {
      id: moduleId(path),
      name: '<module>',
      path,
      startLine: 1,
      endLine: lines,
      startColumn: 1,
      endColumn: lineColumn(sf, sf.getEnd()).column,
      kind: 'module',
      anonymous: false,
      parent: null,
      test: isTestPath(path),
    });
    const visit = (node: ts.Node): void => {
      if (ts.isClassDeclaration(node) || ts.isClassExpression(node)) classes.push(node);
      if (isFunctionLikeNode(node)) {
        const own = ownName(node);
        const start = lineColumn(sf, node.getStart(sf));
        const end = lineColumn(sf, node.getEnd());
        const name = qualifiedName(node);
        const id = `${path}#${name}@${start.line}:${start.column}`;
        const outer = enclosingFunctionNode(node);
        functions.set(id, {
          id,
          name,
          path,
          startLine: start.line,
          endLine: end.line,
          startColumn: start.column,
          endColumn: end.column,
          kind: kindOf(node),
          anonymous: own.anonymous,
          parent: outer ? (idOf.get(outer) ?? null) : null,
          test: isTestPath(path),
        });
        idOf.set(node, id);
        if (!own.anonymous) {
          const short = own.name.split('.').at(-1)!;
          push(byName, short, id);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }

  // 2. subtypes, for calls through an interface or a base class
  const subtypes = new Map<ts.Symbol, ts.ClassLikeDeclaration[]>();
  for (const cls of classes) {
    for (const clause of cls.heritageClauses ?? []) {
      for (const t of clause.types) {
        const sym = resolveAlias(checker, checker.getSymbolAtLocation(t.expression));
        if (sym) push(subtypes, sym, cls);
      }
    }
  }

  /**
   * The function a declaration stands for: the function itself, or what a variable, property or JavaScript
   * assignment (`exports.run = function ...`, `Router.prototype.handle = ...`) binds to its name, following a
   * name bound to another name (`const run = helper`, `module.exports = { run }`) a few steps.
   */
  const functionOfDeclaration = (decl: ts.Node, depth = 0): string | undefined => {
    const direct = idOf.get(decl);
    if (direct) return direct;
    let value: ts.Expression | undefined;
    if (ts.isVariableDeclaration(decl) || ts.isPropertyDeclaration(decl) || ts.isPropertyAssignment(decl))
      value = decl.initializer;
    else if (ts.isBinaryExpression(decl) && decl.operatorToken.kind === ts.SyntaxKind.EqualsToken)
      value = decl.right;
    else if (
      (ts.isPropertyAccessExpression(decl) || ts.isElementAccessExpression(decl)) &&
      ts.isBinaryExpression(decl.parent) &&
      decl.parent.left === decl
    )
      value = decl.parent.right;
    else if (ts.isShorthandPropertyAssignment(decl) && depth < 3) {
      const target = checker.getShorthandAssignmentValueSymbol(decl);
      for (const d of target?.declarations ?? []) {
        const id = functionOfDeclaration(d, depth + 1);
        if (id) return id;
      }
    }
    while (value && (ts.isParenthesizedExpression(value) || ts.isAsExpression(value)))
      value = value.expression;
    if (!value) return undefined;
    const id = idOf.get(value);
    if (id || depth >= 3 || !(ts.isIdentifier(value) || ts.isPropertyAccessExpression(value))) return id;
    const target = resolveAlias(checker, checker.getSymbolAtLocation(value));
    for (const d of target?.declarations ?? []) {
      const found = functionOfDeclaration(d, depth + 1);
      if (found) return found;
    }
    return undefined;
  };

  /** Same-named members of the classes that implement or extend a type, transitively. */
  const implementations = (owner: ts.Symbol, member: string, seen = new Set<ts.Symbol>()): string[] => {
    if (seen.has(owner)) return [];
    seen.add(owner);
    const out: string[] = [];
    for (const cls of subtypes.get(owner) ?? []) {
      for (const m of cls.members) {
        if (m.name && ts.isIdentifier(m.name) && m.name.text === member) {
          const id = functionOfDeclaration(m);
          if (id) out.push(id);
        }
      }
      const clsSym = cls.name ? checker.getSymbolAtLocation(cls.name) : undefined;
      if (clsSym) out.push(...implementations(clsSym, member, seen));
    }
    return out;
  };

  const edges: CallEdge[] = [];
  const counts = { checker: 0, dispatch: 0, name: 0, external: 0, unresolved: 0, foreign: 0, calls: 0 };

  const targetsOf = (
    callee: ts.Expression,
    isNew: boolean,
  ): { ids: string[]; via: Resolution } | 'external' | 'unresolved' | 'foreign' => {
    const name = calleeName(callee);
    // typing a receiver is most of the checker's cost; a member name no function of ours has cannot be an edge
    if (ts.isPropertyAccessExpression(callee) && !(name && byName.has(name))) return 'foreign';
    const at = ts.isPropertyAccessExpression(callee) ? callee.name : callee;
    const symbol = resolveAlias(checker, checker.getSymbolAtLocation(at));
    if (symbol?.declarations?.length) {
      const ids: string[] = [];
      let via: Resolution = 'checker';
      let ours = false;
      for (const decl of symbol.declarations) {
        if (!sources.has(decl.getSourceFile().fileName)) continue;
        ours = true;
        if (isNew && (ts.isClassDeclaration(decl) || ts.isClassExpression(decl))) {
          const ctor = decl.members.find(ts.isConstructorDeclaration);
          const id = ctor && idOf.get(ctor);
          if (id) ids.push(id);
          continue;
        }
        const id = functionOfDeclaration(decl);
        if (id && !ts.isMethodSignature(decl)) ids.push(id);
        // a method declared by an interface or a base class runs as whichever implementation the value has
        const owner =
          decl.parent && (ts.isInterfaceDeclaration(decl.parent) || ts.isClassLike(decl.parent))
            ? resolveAlias(checker, checker.getSymbolAtLocation(decl.parent.name ?? decl.parent))
            : undefined;
        if (owner && name) {
          const impl = implementations(owner, name);
          if (impl.length > 0) {
            ids.push(...impl);
            if (!id) via = 'dispatch';
          } else if (!id && ts.isInterfaceDeclaration(decl.parent)) {
            // structural typing: a class can fit an interface without naming it
            const guesses = (byName.get(name) ?? []).filter((g) => functions.get(g)?.kind === 'method');
            if (guesses.length <= MAX_NAME_CANDIDATES) ids.push(...guesses);
            via = 'dispatch';
          }
        }
      }
      if (ids.length > 0) return { ids: [...new Set(ids)], via };
      return ours ? 'unresolved' : 'external';
    }
    if (!name || BUILTIN_METHODS.has(name)) return 'unresolved';
    if (ts.isPropertyAccessExpression(callee)) {
      // the receiver has a type the checker knows, and no such member: not a function of ours
      const receiver = checker.getTypeAtLocation(callee.expression);
      if (!(receiver.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown))) return 'unresolved';
    }
    const candidates = (byName.get(name) ?? []).filter((id) => !functions.get(id)?.anonymous);
    if (candidates.length === 0 || candidates.length > MAX_NAME_CANDIDATES) return 'unresolved';
    return { ids: candidates, via: 'name' };
  };

  // 3. calls, references to functions handed to calls, and anonymous functions running for their parent
  for (const [sf, path] of pathOf) {
    const fromOf = (node: ts.Node): string => {
      const fn = enclosingFunctionNode(node);
      return (fn && idOf.get(fn)) ?? moduleId(path);
    };
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
        counts.calls++;
        const callee = node.expression;
        const found = targetsOf(callee, ts.isNewExpression(node));
        const { line, column } = lineColumn(sf, node.getStart(sf));
        const from = fromOf(node);
        if (typeof found === 'string') counts[found]++;
        else {
          counts[found.via === 'dispatch' ? 'dispatch' : found.via === 'name' ? 'name' : 'checker']++;
          for (const to of found.ids)
            edges.push({ from, to, path, line, column, callee: calleeText(callee), via: found.via });
        }
        for (const arg of node.arguments ?? []) {
          if (!ts.isIdentifier(arg) && !ts.isPropertyAccessExpression(arg)) continue;
          if (ts.isPropertyAccessExpression(arg) && !byName.has(arg.name.text)) continue;
          const at = ts.isPropertyAccessExpression(arg) ? arg.name : arg;
          const sym = resolveAlias(checker, checker.getSymbolAtLocation(at));
          for (const decl of sym?.declarations ?? []) {
            const to = functionOfDeclaration(decl);
            if (to) {
              const pos = lineColumn(sf, arg.getStart(sf));
              edges.push({
                from,
                to,
                path,
                line: pos.line,
                column: pos.column,
                callee: calleeText(arg),
                via: 'reference',
              });
            }
          }
        }
      }
      if (isFunctionLikeNode(node)) {
        const id = idOf.get(node)!;
        const fn = functions.get(id)!;
        if (fn.anonymous) {
          edges.push({
            from: fromOf(node),
            to: id,
            path,
            line: fn.startLine,
            column: fn.startColumn,
            callee: fn.name,
            via: 'nested',
          });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }

  const outgoing = new Map<string, CallEdge[]>();
  for (const e of edges) push(outgoing, e.from, e);
  const byPath = new Map<string, FunctionNode[]>();
  for (const fn of functions.values()) push(byPath, fn.path, fn);
  for (const list of byPath.values())
    list.sort((a, b) => a.startLine - b.startLine || a.startColumn - b.startColumn);
  return {
    functions,
    edges,
    outgoing,
    byPath,
    stats: {
      files: sources.size,
      functions: functions.size - sources.size,
      calls: counts.calls,
      resolved: { checker: counts.checker, dispatch: counts.dispatch, name: counts.name },
      external: counts.external + counts.foreign,
      unresolved: counts.unresolved,
    },
  };
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function resolveAlias(checker: ts.TypeChecker, symbol: ts.Symbol | undefined): ts.Symbol | undefined {
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) {
    try {
      return checker.getAliasedSymbol(symbol);
    } catch {
      return symbol;
    }
  }
  return symbol;
}

export interface Reached {
  readonly fn: FunctionNode;
  readonly depth: number;
  /** The edge this function was first reached by; null for a start function. */
  readonly through: CallEdge | null;
}

export interface ReachOptions {
  /** Edge kinds to follow (default: all). Leaving out `name` keeps to what the checker proved. */
  readonly via?: readonly Resolution[];
}

/**
 * Functions reachable from one or more functions within `maxDepth` calls, breadth first (so each is reported at
 * its shortest distance), in order of depth, then path and line.
 */
export function reachableFrom(
  graph: CallGraph,
  from: string | readonly string[],
  maxDepth = 8,
  options: ReachOptions = {},
): Reached[] {
  const allowed = options.via ? new Set(options.via) : undefined;
  const seen = new Map<string, Reached>();
  let frontier: string[] = [];
  for (const id of typeof from === 'string' ? [from] : from) {
    const fn = graph.functions.get(id);
    if (fn && !seen.has(id)) {
      seen.set(id, { fn, depth: 0, through: null });
      frontier.push(id);
    }
  }
  for (let depth = 1; depth <= maxDepth && frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const id of frontier) {
      for (const edge of graph.outgoing.get(id) ?? []) {
        if (allowed && !allowed.has(edge.via)) continue;
        if (seen.has(edge.to)) continue;
        const fn = graph.functions.get(edge.to);
        if (!fn) continue;
        seen.set(edge.to, { fn, depth, through: edge });
        next.push(edge.to);
      }
    }
    frontier = next;
  }
  return [...seen.values()].sort(
    (a, b) =>
      a.depth - b.depth ||
      (a.fn.path < b.fn.path ? -1 : a.fn.path > b.fn.path ? 1 : 0) ||
      a.fn.startLine - b.fn.startLine,
  );
}

/** The innermost function whose span holds a line (a stack frame, a log call); the module when none does. */
export function enclosingFunction(
  graph: CallGraph,
  path: string,
  line: number,
  column?: number,
): FunctionNode | undefined {
  let module: FunctionNode | undefined;
  let best: FunctionNode | undefined;
  for (const fn of graph.byPath.get(path) ?? []) {
    if (fn.kind === 'module') {
      module = fn;
      continue;
    }
    if (line < fn.startLine || line > fn.endLine) continue;
    if (column !== undefined && line === fn.startLine && column < fn.startColumn) continue;
    if (column !== undefined && line === fn.endLine && column >= fn.endColumn) continue;
    // spans nest: of the functions holding the place, the innermost starts last (byPath is in start order)
    best = fn;
  }
  return best ?? module;
}

function isInside(inner: FunctionNode, outer: FunctionNode): boolean {
  if (outer.kind === 'module') return true;
  const startsAfter =
    inner.startLine > outer.startLine ||
    (inner.startLine === outer.startLine && inner.startColumn >= outer.startColumn);
  const endsBefore =
    inner.endLine < outer.endLine || (inner.endLine === outer.endLine && inner.endColumn <= outer.endColumn);
  return startsAfter && endsBefore && inner.id !== outer.id;
}

/** A stretch of one function's code and the functions of the repository it calls. */
export interface CodeRegion extends LineSpan {
  readonly path: string;
  readonly fn: FunctionNode | undefined;
  /** Calls made on these lines, by the function or by callbacks defined in it (nested-function edges left out). */
  readonly calls: readonly CallEdge[];
  /** The distinct functions those calls go to, in order of first call. */
  readonly callees: readonly FunctionNode[];
  /** `measured`: the statement the logged metric was computed from; `between`: the code since the previous log call. */
  readonly basis: 'measured' | 'between' | 'function-start';
}

function functionOfSite(graph: CallGraph, site: LogCallSite): FunctionNode | undefined {
  const ref = site.fn;
  if (ref) {
    const exact = (graph.byPath.get(site.path) ?? []).find(
      (f) => f.startLine === ref.startLine && f.endLine === ref.endLine && f.name === ref.name,
    );
    if (exact) return exact;
  }
  return enclosingFunction(graph, site.path, site.line, site.column);
}

function region(
  graph: CallGraph,
  path: string,
  fn: FunctionNode | undefined,
  span: LineSpan,
  basis: CodeRegion['basis'],
): CodeRegion {
  const within = (id: string): boolean => {
    const from = graph.functions.get(id);
    return !!from && (!fn || from.id === fn.id || isInside(from, fn));
  };
  const calls = graph.edges.filter(
    (e) =>
      e.path === path &&
      e.via !== 'nested' &&
      e.line >= span.startLine &&
      e.line <= span.endLine &&
      within(e.from),
  );
  const callees: FunctionNode[] = [];
  const seen = new Set<string>();
  for (const e of calls) {
    const to = graph.functions.get(e.to);
    if (to && !seen.has(to.id)) {
      seen.add(to.id);
      callees.push(to);
    }
  }
  return { path, fn, startLine: span.startLine, endLine: span.endLine, calls, callees, basis };
}

/**
 * The code of a function that runs between two of its log calls: from the line after `a` (or the start of the
 * function when `a` is null or elsewhere) to the line before `b`. This is what the later line's timestamp, or a
 * step latency it reports, accounts for.
 */
export function linesBetween(graph: CallGraph, a: LogCallSite | null, b: LogCallSite): CodeRegion {
  const fn = functionOfSite(graph, b);
  const sameFn =
    a !== null &&
    a.path === b.path &&
    a.line < b.line &&
    (!fn || (a.line >= fn.startLine && a.line <= fn.endLine));
  const start = sameFn ? a.endLine + 1 : (fn?.startLine ?? 1);
  return region(
    graph,
    b.path,
    fn,
    { startLine: start, endLine: b.line - 1 },
    sameFn ? 'between' : 'function-start',
  );
}

/**
 * The code a log line's step accounts for. With a metric (`durationMs`, `$2` for the third `<*>` of the
 * message, or a detector's `latency.p95`: see measureFor) that the site computes from a statement of its
 * function, that statement (`timed(() => reserve())`);
 * otherwise the lines since the previous log statement that always runs before it in the same function.
 */
export function stepRegion(graph: CallGraph, site: LogCallSite, metric?: string): CodeRegion {
  const fn = functionOfSite(graph, site);
  const measured = metric !== undefined ? measureFor(site, metric) : undefined;
  if (measured) return region(graph, site.path, fn, measured, 'measured');
  const start = site.previous ? site.previous.endLine + 1 : (fn?.startLine ?? 1);
  return region(
    graph,
    site.path,
    fn,
    { startLine: start, endLine: site.line - 1 },
    site.previous ? 'between' : 'function-start',
  );
}
