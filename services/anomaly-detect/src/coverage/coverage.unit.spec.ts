import { describe, expect, it } from 'vitest';
import type { TemplatedEvent } from '@self-healing/schemas';
import { detectCoverageGaps, routePattern } from './gaps.js';
import { bestSuffixMatch, normalizePath, suffixMatchLength } from './paths.js';
import { ProductionProfileBuilder, callSiteFromAttributes } from './production.js';
import { parseIstanbul, parseLcov } from './report.js';

/** Two records for one file (two test names) and a second file; as `c8`/`nyc --reporter=lcov` write them. */
const LCOV = `TN:unit
SF:/home/ci/work/services/shop/src/orders/checkout.ts
FN:3,validateCart
FN:12,applyDiscount
FNDA:4,validateCart
FNDA:0,applyDiscount
FNF:2
FNH:1
DA:3,4
DA:4,4
DA:12,0
DA:13,0
DA:14,0
BRDA:4,0,0,3
BRDA:4,0,1,0
LF:5
LH:2
end_of_record
TN:int
SF:/home/ci/work/services/shop/src/orders/checkout.ts
FN:12,applyDiscount
FNDA:0,applyDiscount
DA:3,1
DA:12,0
end_of_record
TN:
SF:/home/ci/work/services/shop/src/payments/charge.ts
FN:1,charge
FNDA:2,charge
DA:1,2
DA:2,2
end_of_record
`;

/** A hand-written coverage-final.json with statement, function and branch maps. */
const ISTANBUL = JSON.stringify({
  '/repo/src/shipping/create.ts': {
    path: '/repo/src/shipping/create.ts',
    statementMap: {
      '0': { start: { line: 2, column: 2 }, end: { line: 2, column: 30 } },
      '1': { start: { line: 5, column: 2 }, end: { line: 5, column: 40 } },
      '2': { start: { line: 9, column: 2 }, end: { line: 9, column: 20 } },
    },
    fnMap: {
      '0': { name: 'createShipment', decl: { start: { line: 1, column: 9 }, end: { line: 1, column: 23 } },
        loc: { start: { line: 1, column: 0 }, end: { line: 6, column: 1 } }, line: 1 },
      '1': { name: 'cancelShipment', decl: { start: { line: 8, column: 9 }, end: { line: 8, column: 23 } },
        loc: { start: { line: 8, column: 0 }, end: { line: 10, column: 1 } }, line: 8 },
    },
    branchMap: {
      '0': { loc: { start: { line: 5, column: 2 }, end: { line: 5, column: 40 } }, type: 'if', line: 5,
        locations: [{ start: { line: 5, column: 2 }, end: { line: 5, column: 20 } }, { start: { line: 5, column: 21 }, end: { line: 5, column: 40 } }] },
    },
    s: { '0': 3, '1': 3, '2': 0 },
    f: { '0': 3, '1': 0 },
    b: { '0': [3, 0] },
  },
});

const ev = (t: number, extra: Partial<TemplatedEvent>): TemplatedEvent => ({
  timestamp: t, service: 'shop', host: null, level: 'info', component: null, templateId: 'x', template: 'x',
  params: [], traceId: null, spanId: null, sessionId: null, numbers: {}, stack: [], ...extra,
});

describe('lcov parsing', () => {
  it('merges records of one file and reads lines, functions and branches', () => {
    const files = parseLcov(LCOV);
    expect(files.map((f) => f.path)).toEqual([
      '/home/ci/work/services/shop/src/orders/checkout.ts',
      '/home/ci/work/services/shop/src/payments/charge.ts',
    ]);
    const checkout = files[0]!;
    expect(checkout.lines.get(3)).toBe(5);
    expect(checkout.lines.get(12)).toBe(0);
    expect(checkout.functions).toEqual([
      { name: 'validateCart', line: 3, endLine: null, hits: 4 },
      { name: 'applyDiscount', line: 12, endLine: null, hits: 0 },
    ]);
    expect(checkout.branches).toEqual([{ line: 4, hits: 3 }, { line: 4, hits: 0 }]);
  });
});

describe('istanbul parsing', () => {
  it('derives line hits from statements and keeps function ranges', () => {
    const [file] = parseIstanbul(ISTANBUL);
    expect(file!.path).toBe('/repo/src/shipping/create.ts');
    expect([...file!.lines]).toEqual([[2, 3], [5, 3], [9, 0]]);
    expect(file!.functions).toEqual([
      { name: 'createShipment', line: 1, endLine: 6, hits: 3 },
      { name: 'cancelShipment', line: 8, endLine: 10, hits: 0 },
    ]);
    expect(file!.branches).toEqual([{ line: 5, hits: 3 }, { line: 5, hits: 0 }]);
  });
});

describe('path matching across roots', () => {
  it('normalizes and matches on the longest common suffix, ignoring ts/js', () => {
    expect(normalizePath('file:///C:\\app\\dist\\.\\orders\\..\\orders\\checkout.js')).toBe('app/dist/orders/checkout.js');
    expect(suffixMatchLength('/app/dist/orders/checkout.js', '/home/ci/src/orders/checkout.ts')).toBe(2);
    expect(suffixMatchLength('/app/a.js', '/app/b.js')).toBe(0);
    expect(bestSuffixMatch('/app/dist/orders/checkout.js', ['/r/src/orders/checkout.ts', '/r/src/admin/checkout.ts'])).toBe('/r/src/orders/checkout.ts');
    // Two equally good candidates: refuse rather than blame the wrong file.
    expect(bestSuffixMatch('/app/checkout.js', ['/r/a/checkout.ts', '/r/b/checkout.ts'])).toBeNull();
  });
});

describe('coverage gaps', () => {
  const profile = () => {
    const builder = new ProductionProfileBuilder('shop');
    for (let i = 0; i < 40; i++) {
      // Hot: applyDiscount line 13 runs on every request, via stack frames from another deploy root.
      builder.add(ev(1000 + i, { stack: [
        'at applyDiscount (/srv/app/dist/orders/checkout.js:13:5)',
        'at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
        'at Layer.handle (/srv/app/node_modules/express/lib/router/layer.js:95:5)',
      ], template: 'POST /checkout took <*> ms', params: ['12'] }));
      // Covered line, via a logger call site in the record's attributes.
      builder.add(ev(1000 + i, { component: 'validateCart' }), { caller: 'src/orders/checkout.ts:3' });
    }
    // Instrumented only as a function: cancelShipment never called by tests, hit 6 times in production.
    for (let i = 0; i < 6; i++) builder.add(ev(2000 + i, {}), { 'code.filepath': '/srv/app/dist/shipping/create.js', 'code.lineno': 8, 'code.function': 'cancelShipment' });
    // A file no test loads.
    for (let i = 0; i < 7; i++) builder.add(ev(3000 + i, { stack: ['at refund (/srv/app/dist/payments/refund.js:4:1)'] }));
    return builder.build();
  };

  it('reports hot uncovered lines and functions, most hits first, and unmeasured files', () => {
    const findings = detectCoverageGaps({ coverage: [...parseLcov(LCOV), ...parseIstanbul(ISTANBUL)], production: profile() });
    expect(findings.map((f) => [f.rule, f.subject, f.magnitude])).toEqual([
      ['hot-uncovered', '/home/ci/work/services/shop/src/orders/checkout.ts:13', 40],
      ['hot-unmeasured', 'srv/app/dist/payments/refund.js:4', 7],
      ['hot-uncovered', '/repo/src/shipping/create.ts:8', 6],
    ]);
    expect(findings[2]!.evidence['reason']).toBe('function-not-hit');
    expect(findings[0]!.explanation).toContain('ran 40 time(s) in production');
  });

  it('respects the hot threshold', () => {
    const findings = detectCoverageGaps({ coverage: parseLcov(LCOV), production: profile(), options: { minHits: 10, reportUnmeasuredFiles: false } });
    expect(findings.map((f) => f.subject)).toEqual(['/home/ci/work/services/shop/src/orders/checkout.ts:13']);
  });

  it('reports declared handlers and routes production never reaches', () => {
    const findings = detectCoverageGaps({
      coverage: [],
      production: profile(),
      options: { reportUnmeasuredFiles: false },
      declared: [
        { id: 'checkout', kind: 'route', route: 'POST /checkout' },
        { id: 'order-by-id', kind: 'route', route: 'GET /orders/:id' },
        { id: 'validateCart', kind: 'handler', name: 'validateCart' },
        { id: 'discount', kind: 'handler', name: 'applyDiscount' },
        { id: 'export', kind: 'handler', name: 'exportOrders', file: 'src/orders/export.ts' },
      ],
    });
    expect(findings.map((f) => [f.rule, f.subject])).toEqual([
      ['unreached-route', 'order-by-id'],
      ['unreached-handler', 'export'],
    ]);
    expect(findings[0]!.magnitude).toBe(93);
  });

  it('reads call sites from OpenTelemetry, pino and file/line attributes', () => {
    expect(callSiteFromAttributes({ 'code.filepath': 'a.ts', 'code.lineno': 3 })).toEqual({ file: 'a.ts', line: 3, fn: null });
    expect(callSiteFromAttributes({ caller: 'src/a.ts:9:2' })).toEqual({ file: 'src/a.ts', line: 9, fn: null });
    expect(callSiteFromAttributes({ file: 'b.js', line: '4' })).toEqual({ file: 'b.js', line: 4, fn: null });
    expect(callSiteFromAttributes({ msg: 'x' })).toBeNull();
    expect(routePattern('GET /orders/:id').test('GET /orders/42')).toBe(true);
    expect(routePattern('GET /orders/:id').test('GET /orders/42/items')).toBe(false);
  });
});
