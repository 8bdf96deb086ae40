import { describe, expect, it } from 'vitest';
import { buildCallGraph, enclosingFunction, linesBetween, reachableFrom, stepRegion } from './callGraph.js';
import type { CallGraph } from './callGraph.js';
import { indexLogCalls } from './logCalls.js';
import type { SourceText } from './source.js';

const files: SourceText[] = [
  {
    path: 'src/stock.ts',
    text: [
      'export class Stock {', // 1
      '  private readonly units = new Map<string, number>();', // 2
      '  reserve(sku: string): number {', // 3
      '    this.sweep();', // 4
      '    return this.units.get(sku) ?? 0;', // 5
      '  }', // 6
      '  sweep(): void {', // 7
      '    this.units.clear();', // 8
      '  }', // 9
      '}', // 10
      'export function get(key: string): string {', // 11
      '  return key;', // 12
      '}', // 13
    ].join('\n'),
  },
  {
    path: 'src/payments.ts',
    text: [
      'export interface Gateway {', // 1
      '  charge(cents: number): Promise<string>;', // 2
      '}', // 3
      'export class CardGateway implements Gateway {', // 4
      '  constructor(private readonly url: string) {}', // 5
      '  async charge(cents: number): Promise<string> {', // 6
      '    return send(this.url, cents);', // 7
      '  }', // 8
      '}', // 9
      'const send = async (url: string, cents: number): Promise<string> => `${url}:${cents}`;', // 10
    ].join('\n'),
  },
  {
    path: 'src/flow.ts',
    text: [
      "import { Stock } from './stock.js';", // 1
      "import { CardGateway, type Gateway } from './payments.js';", // 2
      'export interface Deps { stock: Stock; gateway: Gateway; log: any }', // 3
      'export async function flow(deps: Deps): Promise<void> {', // 4
      "  deps.log.info({ step: 'start' }, 'flow started');", // 5
      '  const held = await timed(() => deps.stock.reserve("a"));', // 6
      "  deps.log.info({ step: 'reserve', durationMs: held.ms }, `reserved took ${held.ms} ms`);", // 7
      '  const paid = await timed(() => deps.gateway.charge(100));', // 8
      "  deps.log.info({ step: 'charge', durationMs: paid.ms }, `charged took ${paid.ms} ms`);", // 9
      '}', // 10
      'export async function timed<T>(work: () => Promise<T> | T): Promise<{ value: T; ms: number }> {', // 11
      '  const started = Date.now();', // 12
      '  const value = await work();', // 13
      '  return { value, ms: Date.now() - started };', // 14
      '}', // 15
      "export const wire = (): Deps => ({ stock: new Stock(), gateway: new CardGateway('u'), log: console });", // 16
      'export function route(add: (h: (d: Deps) => Promise<void>) => void): void {', // 17
      '  add(flow);', // 18
      '}', // 19
    ].join('\n'),
  },
  {
    path: 'lib/legacy.js',
    text: [
      'function helper(x) { return x * 2; }', // 1
      'module.exports.run = function run(thing) {', // 2
      '  thing.reserve();', // 3
      '  return helper(thing.value);', // 4
      '};', // 5
    ].join('\n'),
  },
];

const graph: CallGraph = buildCallGraph(files);
const fnId = (name: string): string => {
  const found = [...graph.functions.values()].filter((f) => f.name === name);
  expect(found, name).toHaveLength(1);
  return found[0]!.id;
};
const targets = (from: string): string[] =>
  (graph.outgoing.get(fnId(from)) ?? []).map((e) => `${graph.functions.get(e.to)!.name} ${e.via}`).sort();

describe('buildCallGraph: functions', () => {
  it('lists functions, methods, constructors and named arrows with spans', () => {
    const reserve = graph.functions.get(fnId('Stock.reserve'))!;
    expect(reserve).toMatchObject({
      path: 'src/stock.ts',
      startLine: 3,
      endLine: 6,
      kind: 'method',
      anonymous: false,
    });
    expect(graph.functions.get(fnId('send'))).toMatchObject({ kind: 'arrow', startLine: 10 });
    expect(graph.functions.get(fnId('CardGateway.constructor'))).toMatchObject({ kind: 'constructor' });
    expect(graph.functions.get(fnId('run'))).toMatchObject({
      path: 'lib/legacy.js',
      startLine: 2,
      endLine: 5,
    });
  });
});

describe('buildCallGraph: edges', () => {
  it('resolves imported functions and this-calls through the checker, not same-named functions', () => {
    expect(targets('Stock.reserve')).toEqual(['Stock.sweep checker']);
    // `this.units.get` is Map.get of the standard library: no edge to the `get` function of stock.ts
    expect(targets('Stock.sweep')).toEqual([]);
  });

  it('follows an interface method to the classes that implement it', () => {
    const callback = [...graph.functions.values()].find(
      (f) => f.path === 'src/flow.ts' && f.startLine === 8,
    )!;
    const edges = graph.outgoing.get(callback.id)!;
    expect(edges.map((e) => [graph.functions.get(e.to)!.name, e.via])).toEqual([
      ['CardGateway.charge', 'dispatch'],
    ]);
    expect(targets('CardGateway.charge')).toEqual(['send checker']);
  });

  it('links new to the constructor, functions handed to calls, and callbacks to their parent', () => {
    expect(targets('wire')).toEqual(['CardGateway.constructor checker']);
    expect(targets('route')).toEqual(['flow reference']);
    expect(targets('flow')).toEqual([
      'flow > timed() callback nested',
      'flow > timed() callback nested',
      'timed checker',
      'timed checker',
    ]);
  });

  it('falls back to names for untyped JavaScript, but not for built-in method names', () => {
    expect(targets('run')).toEqual(['Stock.reserve name', 'helper checker']);
  });

  it('counts what it resolved', () => {
    expect(graph.stats.files).toBe(4);
    expect(graph.stats.resolved.checker).toBeGreaterThan(5);
    expect(graph.stats.external).toBeGreaterThan(0);
  });
});

describe('buildCallGraph: CommonJS', () => {
  const cjs = buildCallGraph([
    {
      path: 'lib/app.js',
      text: [
        "var b = require('./b');",
        "var Router = require('./router');",
        'module.exports = function createApp() {',
        '  b.run();',
        '  var router = new Router();',
        '  router.handle({});',
        '};',
      ].join('\n'),
    },
    {
      path: 'lib/b.js',
      text: 'exports.run = function () { helper(); };\nfunction helper() {}\nexports.alias = helper;',
    },
    {
      path: 'lib/router.js',
      text: [
        'function Router() { this.stack = []; }',
        'Router.prototype.handle = function handle(req) {',
        '  this.stack.forEach(function (layer) { layer.go(req); });',
        '};',
        'module.exports = Router;',
      ].join('\n'),
    },
    { path: 'lib/esm.mjs', text: "import { alias } from './b.js';\nexport default function () { alias(); }" },
  ]);
  const names = (from: string): string[] =>
    cjs.edges
      .filter((e) => cjs.functions.get(e.from)!.name === from && e.via !== 'nested')
      .map((e) => `${cjs.functions.get(e.to)!.name} ${e.via}`);

  it('resolves require, exports assignments, prototype methods and names bound to names', () => {
    expect(names('createApp')).toEqual(['run checker', 'Router checker', 'Router.handle checker']);
    expect(names('run')).toEqual(['helper checker']);
    expect(names('default')).toEqual(['helper checker']);
  });
});

describe('buildCallGraph: import aliases', () => {
  const aliased: SourceText[] = [
    { path: 'packages/core/src/index.ts', text: 'export function core(): number { return 1; }' },
    {
      path: 'apps/api/src/main.ts',
      text: "import { core } from '@acme/core';\nexport function main(): number { return core(); }",
    },
  ];
  const edgesOf = (g: CallGraph): string[] =>
    g.edges.map((e) => `${g.functions.get(e.from)!.name} -> ${g.functions.get(e.to)!.name} ${e.via}`);

  it('resolves tsconfig paths among the files, and without them falls back to the name', () => {
    const paths = { '@acme/*': ['packages/*/src/index.ts'] };
    expect(edgesOf(buildCallGraph(aliased, { paths }))).toEqual(['main -> core checker']);
    expect(edgesOf(buildCallGraph(aliased))).toEqual(['main -> core name']);
  });

  it('ignores aliases that climb out of the repository', () => {
    const paths = { '@acme/*': ['../../outside/*'] };
    expect(edgesOf(buildCallGraph(aliased, { paths }))).toEqual(['main -> core name']);
  });
});

describe('reachableFrom', () => {
  it('walks callees breadth first up to a depth', () => {
    const reached = reachableFrom(graph, fnId('flow'), 3).map((r) => `${r.depth} ${r.fn.name}`);
    expect(reached).toEqual([
      '0 flow',
      '1 flow > timed() callback',
      '1 flow > timed() callback',
      '1 timed',
      '2 CardGateway.charge',
      '2 Stock.reserve',
      '3 send',
      '3 Stock.sweep',
    ]);
    expect(reachableFrom(graph, fnId('flow'), 1)).toHaveLength(4);
  });
  it('keeps to chosen edge kinds', () => {
    const names = reachableFrom(graph, fnId('run'), 5, { via: ['checker'] }).map((r) => r.fn.name);
    expect(names).toEqual(['run', 'helper']);
  });
});

describe('enclosingFunction', () => {
  it('gives the innermost function, or the module outside any', () => {
    expect(enclosingFunction(graph, 'src/stock.ts', 4)?.name).toBe('Stock.reserve');
    expect(enclosingFunction(graph, 'src/flow.ts', 6)?.name).toBe('flow > timed() callback');
    expect(enclosingFunction(graph, 'src/flow.ts', 6, 3)?.name).toBe('flow');
    // a stack frame's column tells two functions on one line apart (minified code is one line)
    expect(enclosingFunction(graph, 'src/flow.ts', 6, 40)?.name).toBe('flow > timed() callback');
    expect(enclosingFunction(graph, 'src/flow.ts', 6, 58)?.name).toBe('flow');
    expect(enclosingFunction(graph, 'src/flow.ts', 1)?.kind).toBe('module');
    expect(enclosingFunction(graph, 'nope.ts', 1)).toBeUndefined();
  });
});

describe('regions between log calls', () => {
  const sites = indexLogCalls(files).filter((s) => s.path === 'src/flow.ts');
  const [start, reserved, charged] = sites;

  it('linesBetween: the code between two log calls and what it calls', () => {
    const region = linesBetween(graph, reserved!, charged!);
    expect(region).toMatchObject({ path: 'src/flow.ts', startLine: 8, endLine: 8, basis: 'between' });
    expect(region.fn?.name).toBe('flow');
    expect(region.callees.map((f) => f.name)).toEqual(['timed', 'CardGateway.charge']);
    expect(linesBetween(graph, null, start!)).toMatchObject({
      startLine: 4,
      endLine: 4,
      basis: 'function-start',
    });
  });

  it('stepRegion: the statement a duration measures, else the lines since the previous log statement', () => {
    const measured = stepRegion(graph, reserved!, 'durationMs');
    expect(measured).toMatchObject({ startLine: 6, endLine: 6, basis: 'measured' });
    expect(measured.callees.map((f) => f.name)).toEqual(['timed', 'Stock.reserve']);
    const between = stepRegion(graph, charged!);
    expect(between).toMatchObject({ startLine: 8, endLine: 8, basis: 'between' });
    const reach = reachableFrom(
      graph,
      measured.callees.map((f) => f.id),
      2,
    ).map((r) => r.fn.name);
    expect(reach).toContain('Stock.sweep');
  });
});
