import { describe, expect, it } from 'vitest';
import type { Finding, TemplatedEvent } from '@self-healing/schemas';
import { buildCallGraph } from '../code/callGraph.js';
import { indexLogCalls } from '../code/logCalls.js';
import { codeModelOf } from '../service/codeModel.js';
import { touchesOf } from './changes.js';
import {
  locateBehavior,
  locateCoverage,
  locateErrors,
  stacksOf,
  locatePerformance,
  repeatsAnErrorFinding,
  type LocateInput,
} from './locate.js';
import type { ChangeWindow } from './types.js';
import { timedLine } from './testing/timedLine.js';

// A constructed repository: a checkout flow that logs its steps, and the stock module it calls.
const FLOW = `import { reserve } from './stock.js';

export async function checkout(log: Log, items: string[]): Promise<void> {
  log.info({ step: 'receive' }, \`received \${items.length} items\`);
  const started = Date.now();
  await reserve(items);
  log.info({ step: 'reserve', durationMs: Date.now() - started }, \`reserved \${items.length} items took \${Date.now() - started} ms\`);
  ship(items);
  log.info({ step: 'ship' }, 'shipped the order');
}

function ship(items: string[]): void {
  if (items.length === 0) throw new Error('nothing to ship');
}

interface Log { info(o: object, m: string): void }
`;
const STOCK = `export async function reserve(items: string[]): Promise<void> {
  for (const item of items) await lookup(item);
}

async function lookup(item: string): Promise<string> {
  return item.trim();
}
`;
const sources = [
  { path: 'src/flow.ts', text: FLOW },
  { path: 'src/stock.ts', text: STOCK },
];
const model = codeModelOf(
  new Set(sources.map((s) => s.path)),
  new Map(sources.map((s) => [s.path, s.text])),
  indexLogCalls(sources),
  buildCallGraph(sources),
);
const sha = 'f'.repeat(40);
const window: ChangeWindow = {
  good: 'a'.repeat(40),
  bad: sha,
  bounded: true,
  commits: [
    {
      sha,
      time: 0,
      author: 'x',
      subject: 'Stock: look items up one by one',
      depth: 0,
      styleOnly: false,
      touches: touchesOf('--- a/src/stock.ts\n+++ b/src/stock.ts\n@@ -2 +2 @@\n'),
    },
  ],
};
const finding = (over: Partial<Finding>): Finding => ({
  id: 'f1',
  kind: 'performance',
  rule: 'latency-shift',
  service: 'checkout',
  subject: '',
  templateIds: [],
  since: 1000,
  at: 2000,
  magnitude: 5,
  explanation: '',
  evidence: {},
  ...over,
});
const input = (findings: Finding[], over: Partial<LocateInput> = {}): LocateInput => ({
  findings,
  events: [],
  templates: new Map([['t-reserved', 'reserved <*> items took <*> ms']]),
  code: model,
  window,
  layout: { outDir: null },
  ...over,
});

describe('locatePerformance', () => {
  const slow = finding({ subject: 't-reserved:durationMs', templateIds: ['t-reserved'] });

  it('given a slower step, then the code it runs ranks first, and a line the deployment changed there first of all', () => {
    const issue = locatePerformance(input([slow]))!;
    expect(issue.lines[0]).toMatchObject({ path: 'src/stock.ts', line: 2 });
    expect(issue.lines[0]!.why).toMatch(/changed in fffffff/);
    expect(issue.title).toContain('reserved <*> items took <*> ms');
  });

  it('given no deployment window, then the step region itself leads', () => {
    const issue = locatePerformance(input([slow], { window: null }))!;
    // What runs between the previous log line and the one that reports the step: its two lines, equally.
    expect(issue.lines.slice(0, 2).map((l) => [l.path, l.line])).toEqual([
      ['src/flow.ts', 5],
      ['src/flow.ts', 6],
    ]);
    expect(issue.lines.map((l) => l.path)).toContain('src/stock.ts');
  });

  it('given a slower line whose requests spend the new time in a step of their own, then that step comes first', () => {
    // "received" stands for a request's completion line here: its duration spans the reserve step that follows.
    const events: TemplatedEvent[] = [];
    const event = (templateId: string, template: string, at: number, ms: number): TemplatedEvent =>
      timedLine(templateId, at, ms, { template, params: [] });
    for (let start = 0; start < 60_000; start += 1000) {
      const reserveMs = start >= 30_000 ? 200 : 2;
      events.push(event('t-reserved', 'reserved <*> items took <*> ms', start + 1 + reserveMs, reserveMs));
      events.push(event('t-received', 'received <*> items', start + 3 + reserveMs, 3 + reserveMs));
    }
    const received = finding({
      subject: 't-received:latency.p95',
      templateIds: ['t-received'],
      since: 30_000,
    });
    const issue = locatePerformance(
      input([received], { templates: new Map([['t-received', 'received <*> items']]), events }),
    )!;
    expect(issue.title).toContain('reserved <*> items took <*> ms');
    expect(issue.evidence.within).toMatch(/accounts for 198 of the 198 ms/);
    expect(issue.lines[0]).toMatchObject({ path: 'src/stock.ts', line: 2 });
    // Without the requests' own lines the request line's code is all there is.
    const alone = locatePerformance(
      input([received], { templates: new Map([['t-received', 'received <*> items']]) }),
    )!;
    expect(alone.title).toContain('received <*> items');
  });

  it('given a template no log statement writes, then it says so and points nowhere', () => {
    const issue = locatePerformance(input([finding({ subject: 'zz:durationMs', templateIds: ['zz'] })]))!;
    expect(issue.lines).toEqual([]);
    expect(issue.hypothesis).toMatch(/no log statement/);
  });
});

describe('locateBehavior', () => {
  it('given a missing step, then where it is logged and the function that calls it', () => {
    const issue = locateBehavior(
      input([finding({ kind: 'behavioral', rule: 'missing-step', subject: 'ship' })], { window: null }),
    )!;
    expect(issue.lines[0]).toMatchObject({ path: 'src/flow.ts', line: 9 });
    expect(issue.title).toContain('missing-step ship');
  });
});

describe('locateBehavior on a changed value', () => {
  // The amount a line writes is computed by a pricing module two calls away; a release changed its comparison.
  const ORDER = `import { quote } from './pricing.js';

export function pay(log: Log, quantity: number, cents: number): void {
  log.info({ step: 'receive' }, \`received \${quantity} units\`);
  const price = quote(quantity, cents);
  const total = price.total;
  log.info({ step: 'charge' }, \`charged \${total} EUR for \${quantity} units\`);
}

interface Log { info(o: object, m: string): void }
`;
  const PRICING = `export function quote(quantity: number, cents: number): { total: number } {
  return { total: quantity * cents - bulkDiscount(quantity, cents) };
}

function bulkDiscount(quantity: number, cents: number): number {
  if (quantity > 10) return Math.round(quantity * cents * 0.05);
  return 0;
}
`;
  const files = [
    { path: 'src/order.ts', text: ORDER },
    { path: 'src/pricing.ts', text: PRICING },
  ];
  const code = codeModelOf(
    new Set(files.map((f) => f.path)),
    new Map(files.map((f) => [f.path, f.text])),
    indexLogCalls(files),
    buildCallGraph(files),
  );
  const changed: ChangeWindow = {
    ...window,
    commits: [
      {
        ...window.commits[0]!,
        subject: 'Pricing: extract the bulk discount',
        touches: touchesOf('--- a/src/pricing.ts\n+++ b/src/pricing.ts\n@@ -6 +6 @@\n'),
      },
    ],
  };
  const valueFinding = finding({
    kind: 'behavioral',
    rule: 'changed-outcome',
    subject: 't-charged#1',
    templateIds: ['t-charged'],
    evidence: { parameter: 1 },
  });

  it('given the amount charged changed for the same inputs, then the code computing it, the changed line first', () => {
    const issue = locateBehavior({
      ...input([valueFinding], { window: changed }),
      code,
      templates: new Map([['t-charged', 'charged <*> EUR for <*> units']]),
    })!;
    expect(issue.lines[0]).toMatchObject({ path: 'src/pricing.ts', line: 6 });
    expect(issue.lines[0]!.why).toMatch(/called to compute parameter 1 of "charged <\*> EUR for <\*> units"/);
    // The statement that only writes the value is not taken for its cause.
    const writer = issue.lines.find((l) => l.path === 'src/order.ts' && l.line === 7)!;
    expect(writer.score).toBeLessThan(issue.lines[0]!.score);
  });

  it('given no release to weigh by, then still the computing code above the statement that writes it', () => {
    const issue = locateBehavior({
      ...input([valueFinding], { window: null }),
      code,
      templates: new Map([['t-charged', 'charged <*> EUR for <*> units']]),
    })!;
    expect(issue.lines[0]).toMatchObject({ path: 'src/order.ts' });
    expect(issue.lines[0]!.line).toBeLessThan(7);
    expect(issue.lines.some((l) => l.path === 'src/pricing.ts' && l.line === 6)).toBe(true);
  });
});

describe('repeatsAnErrorFinding', () => {
  const unseen = finding({
    id: 'b1',
    kind: 'behavioral',
    rule: 'unseen-template',
    subject: 't-err',
    templateIds: ['t-err'],
  });
  const newError = finding({
    id: 'e1',
    kind: 'error',
    rule: 'new-error-template',
    subject: 't-err',
    templateIds: ['t-err'],
  });
  it('given a never-seen line that an error finding also names, then it is left to the error analysis', () => {
    expect(repeatsAnErrorFinding(unseen, [unseen, newError])).toBe(true);
  });
  it('given a never-seen line no error finding names, or another behavioural rule, then it stays behavioural', () => {
    expect(repeatsAnErrorFinding(unseen, [unseen, { ...newError, templateIds: ['t-other'] }])).toBe(false);
    const missing = { ...unseen, rule: 'missing-step' };
    expect(repeatsAnErrorFinding(missing, [missing, newError])).toBe(false);
    expect(repeatsAnErrorFinding(newError, [unseen, newError])).toBe(false);
  });
});

describe('locateCoverage', () => {
  it('given hot uncovered code, then that line and its function', () => {
    const issue = locateCoverage(
      input([finding({ kind: 'coverage', rule: 'hot-uncovered', subject: 'stock.ts:6' })], { window: null }),
    )!;
    expect(issue.lines[0]).toMatchObject({ path: 'src/stock.ts', line: 6, score: 1 });
    expect(issue.lines.some((l) => l.symbol === 'lookup')).toBe(true);
  });
});

describe('locateErrors', () => {
  const error = finding({
    kind: 'error',
    rule: 'new-error-template',
    subject: 't-err',
    templateIds: ['t-err'],
  });
  const event = (stack: string[]): TemplatedEvent => ({
    timestamp: 1500,
    service: 'checkout',
    host: null,
    level: 'error',
    component: null,
    templateId: 't-err',
    template: 'request failed: <*>',
    params: [],
    traceId: null,
    spanId: null,
    sessionId: null,
    numbers: {},
    stack,
  });

  it('given a stack, then the innermost frame of the service leads, and refused frames are counted', () => {
    const issue = locateErrors(
      input([error], {
        window: null,
        events: [
          event([
            'ship (/srv/app/src/flow.ts:13)',
            'evil (../../etc/passwd:1)',
            'checkout (/srv/app/src/flow.ts:8)',
          ]),
        ],
      }),
    )!;
    expect(issue.lines[0]).toMatchObject({ path: 'src/flow.ts', line: 13, score: 1 });
    expect(issue.innermostFrame).toEqual({ path: 'src/flow.ts', line: 13 });
    expect(issue.evidence).toMatchObject({ framesRefused: 1, stacks: 1 });
  });

  it("given the finding's error lines only in the runs around the incident, then their stack, not another error's", () => {
    const everyday = {
      ...event(['charge (/srv/app/src/flow.ts:3)']),
      templateId: 't-pay',
      template: 'payment failed',
    };
    const issue = locateErrors(
      input([error], {
        window: null,
        events: [everyday],
        around: [everyday, event(['ship (/srv/app/src/flow.ts:13)'])],
      }),
    )!;
    expect(issue.lines[0]).toMatchObject({ path: 'src/flow.ts', line: 13 });
    expect(issue.evidence).toMatchObject({ errorTemplate: 'request failed: <*>' });
  });

  it("given no line of the finding's template anywhere, then another error's stack is never taken for it", () => {
    const everyday = {
      ...event(['charge (/srv/app/src/flow.ts:3)']),
      templateId: 't-pay',
      template: 'payment failed',
    };
    expect(stacksOf({ events: [everyday], around: [everyday] }, [error], new Set(['t-err']))).toEqual([]);
    // A finding naming no template (a stack signature alone) still reads the incident's stacks.
    expect(stacksOf({ events: [everyday] }, [error], new Set())).toEqual([everyday]);
  });

  it('given no stack at all, then the log statement that writes the error template', () => {
    const issue = locateErrors(
      input([{ ...error, templateIds: ['t-ship'] }], {
        window: null,
        templates: new Map([['t-ship', 'shipped the order']]),
      }),
    )!;
    expect(issue.lines[0]).toMatchObject({ path: 'src/flow.ts', line: 9 });
    expect(issue.innermostFrame).toBeUndefined();
  });
});
