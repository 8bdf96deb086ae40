import { describe, expect, it } from 'vitest';
import type { TemplatedEvent, WindowAggregate } from '@self-healing/schemas';
import { ErrorBurstDetector } from './burst.js';
import { parseFrame, stackSignature } from './frames.js';
import { ErrorPatternDetector } from './patterns.js';
import { poissonUpperTail } from './stats.js';
import { prng } from '@self-healing/shared';

function window(start: number, total: number, errors: number, service = 'checkout'): WindowAggregate[] {
  return [
    {
      service,
      templateId: 'ok',
      template: 'ok',
      windowStart: start,
      windowMs: 60_000,
      count: total - errors,
      errorCount: 0,
      latency: null,
      latencySketch: null,
      firstSeen: start,
      lastSeen: start,
      newTemplate: false,
    },
    {
      service,
      templateId: 'err',
      template: 'failed <*>',
      windowStart: start,
      windowMs: 60_000,
      count: errors,
      errorCount: errors,
      latency: null,
      latencySketch: null,
      firstSeen: start,
      lastSeen: start,
      newTemplate: false,
    },
  ];
}

describe('poissonUpperTail', () => {
  it('matches exact values', () => {
    // P(X >= 1 | 1) = 1 - e^-1; P(X >= 3 | 0.5) = 1 - e^-0.5 (1 + 0.5 + 0.125)
    expect(poissonUpperTail(1, 1)).toBeCloseTo(1 - Math.exp(-1), 12);
    expect(poissonUpperTail(3, 0.5)).toBeCloseTo(1 - Math.exp(-0.5) * 1.625, 12);
    expect(poissonUpperTail(0, 3)).toBe(1);
    expect(poissonUpperTail(200, 10)).toBeGreaterThan(0);
    expect(poissonUpperTail(200, 10)).toBeLessThan(1e-100);
  });
});

describe('error bursts', () => {
  it('given a noisy, overdispersed baseline, when nothing changes, then no burst is reported', () => {
    const rand = prng(7);
    const detector = new ErrorBurstDetector();
    const findings = [];
    for (let i = 0; i < 300; i++) {
      // Error rate itself wanders between 0.5% and 3% (overdispersion a plain Poisson test would flag).
      const total = 800 + Math.floor(rand() * 400);
      const rate = 0.005 + rand() * 0.025;
      const errors = Math.round(total * rate);
      findings.push(...detector.observe(window(i * 60_000, total, errors)));
    }
    expect(findings).toEqual([]);
  });

  it('given a noisy baseline, when the error rate jumps, then one burst whose id holds across its windows', () => {
    const rand = prng(11);
    const detector = new ErrorBurstDetector();
    for (let i = 0; i < 60; i++) {
      const total = 1000;
      detector.observe(window(i * 60_000, total, Math.round(total * (0.005 + rand() * 0.02))));
    }
    const first = detector.observe(window(60 * 60_000, 1000, 150));
    const second = detector.observe(window(61 * 60_000, 1000, 180));
    const after = detector.observe(window(62 * 60_000, 1000, 12));
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({
      kind: 'error',
      rule: 'error-burst',
      service: 'checkout',
      since: 3_600_000,
    });
    expect(second[0]!.id).toBe(first[0]!.id);
    expect(second[0]!.evidence['burstWindows']).toBe(2);
    expect(first[0]!.templateIds).toEqual(['err']);
    expect(first[0]!.explanation).toContain('15.00% (150 of 1000)');
    expect(after).toEqual([]);
  });

  it('keeps services apart and ignores a redelivered window', () => {
    const detector = new ErrorBurstDetector();
    for (let i = 0; i < 10; i++)
      detector.observe([...window(i * 60_000, 1000, 5, 'a'), ...window(i * 60_000, 1000, 5, 'b')]);
    const burst = detector.observe([...window(600_000, 1000, 100, 'a'), ...window(600_000, 1000, 5, 'b')]);
    expect(burst.map((f) => f.service)).toEqual(['a']);
    expect(detector.observe(window(600_000, 1000, 100, 'a'))).toEqual([]);
  });

  it('needs a baseline before judging', () => {
    const detector = new ErrorBurstDetector();
    expect(detector.observe(window(0, 1000, 500))).toEqual([]);
  });
});

describe('stack frames and signatures', () => {
  it('parses V8, domain and Gecko frame forms', () => {
    expect(parseFrame('    at Shipping.create (/app/dist/shipping/create.js:42:13)')).toEqual({
      fn: 'Shipping.create',
      file: '/app/dist/shipping/create.js',
      line: 42,
      column: 13,
    });
    expect(parseFrame('createShipment (src/shipping.ts:7)')).toEqual({
      fn: 'createShipment',
      file: 'src/shipping.ts',
      line: 7,
      column: null,
    });
    expect(parseFrame('at async Promise.all (index 0)')).toMatchObject({
      fn: 'Promise.all',
      file: 'index 0',
    });
    expect(parseFrame('    at /app/dist/main.js:1:2')).toEqual({
      fn: null,
      file: '/app/dist/main.js',
      line: 1,
      column: 2,
    });
    expect(parseFrame('handle@https://x.test/app/main.js:3:9')).toMatchObject({ fn: 'handle', line: 3 });
    expect(parseFrame('TypeError: boom')).toBeNull();
  });

  const stack = (root: string, line: number) => [
    `at Shipping.address (${root}/src/shipping/address.ts:${line}:7)`,
    `at ${root}/src/shipping/index.ts:3:1`,
    `at Object.<anonymous> (${root}/src/shipping/index.ts:9:1)`,
    `at Shipping.create (${root}/src/shipping/create.ts:${line + 10}:3)`,
    `at Layer.handle (${root}/node_modules/express/lib/router/layer.js:95:5)`,
    'at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
  ];

  it('clusters the same failure from different roots, lines and builds under one signature', () => {
    const a = stackSignature(stack('/srv/app-1', 10));
    const b = stackSignature(stack('/home/ci/work', 31).map((f) => f.replace('.ts:', '.js:')));
    expect(a).not.toBeNull();
    expect(a!.signature).toBe(b!.signature);
    expect(a!.frames).toEqual([
      'Shipping.address@src/shipping/address',
      'Shipping.create@src/shipping/create',
    ]);
  });

  it('tells different failure sites apart and falls back to library frames', () => {
    const other = stackSignature(['at Payment.charge (/srv/app/src/payment/charge.ts:1:1)']);
    expect(other!.signature).not.toBe(stackSignature(stack('/srv/app-1', 10))!.signature);
    expect(
      stackSignature(['at Layer.handle (/app/node_modules/express/lib/router/layer.js:95:5)'])!.frames,
    ).toEqual(['Layer.handle@lib/router/layer']);
    expect(stackSignature(['at node:internal/main:1:1', 'at <anonymous>'])).toBeNull();
  });
});

describe('new error templates and stack clusters', () => {
  const ev = (t: number, templateId: string, extra: Partial<TemplatedEvent> = {}): TemplatedEvent => ({
    timestamp: t,
    service: 'checkout',
    host: null,
    level: 'error',
    component: null,
    templateId,
    template: `${templateId} <*>`,
    params: [],
    traceId: `tr-${t}`,
    spanId: null,
    sessionId: null,
    numbers: {},
    stack: [],
    ...extra,
  });

  it('given an error template known from warm-up, then it is not new; a later unseen one is, once, then updated', () => {
    const detector = new ErrorPatternDetector({ warmupMs: 1000 });
    expect(detector.push(ev(0, 'gateway-timeout'))).toEqual([]);
    expect(detector.push(ev(5000, 'gateway-timeout'))).toEqual([]);
    const first = detector.push(ev(6000, 'npe'));
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ rule: 'new-error-template', subject: 'npe', since: 6000, magnitude: 1 });
    expect(detector.push(ev(7000, 'npe'))).toEqual([]);
    const update = detector.advance();
    expect(update).toHaveLength(1);
    expect(update[0]!.id).toBe(first[0]!.id);
    expect(update[0]!.evidence).toMatchObject({ count: 2, services: 'checkout' });
    expect(detector.advance()).toEqual([]);
    expect(detector.push(ev(8000, 'info-line', { level: 'info' }))).toEqual([]);
  });

  it('given a known warning raised where it always was, reached through another path, then no new signature; raised somewhere new, then one', () => {
    const detector = new ErrorPatternDetector({ warmupMs: 1000 });
    const stack = (...callers: string[]) => [
      'UndeliverableEmailError: mail server refuses a@b.invalid',
      '    at Notifier.queueConfirmation (/srv/app/src/notify/notifier.ts:33:11)',
      ...callers.map((fn, i) => `    at ${fn} (/srv/app/src/checkout/flow.ts:${100 + i}:5)`),
    ];
    const warn = (t: number, s: string[]) => ev(t, 'confirmation-failed', { level: 'warn', stack: s });
    expect(detector.push(warn(0, stack('timed', 'checkout')))).toEqual([]);
    // a release wraps the caller: the signature changes, the error and where it is raised do not
    expect(detector.push(warn(5000, stack('timed', 'placeOrder', 'checkout')))).toEqual([]);
    // the same template raised in a new place is news
    const moved = [
      'TypeError: to.toLowerCase is not a function',
      '    at validateEmail (/srv/app/src/checkout/validate.ts:12:9)',
      '    at checkout (/srv/app/src/checkout/flow.ts:80:5)',
    ];
    const found = detector.push(warn(6000, moved));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ rule: 'new-stack-signature' });
    // the site is known per template: another template raised there through a new path is news
    const elsewhere = detector.push(
      ev(8000, 'order-failed', { level: 'warn', stack: stack('retry', 'checkout') }),
    );
    expect(elsewhere).toHaveLength(1);
    expect(elsewhere[0]).toMatchObject({ rule: 'new-stack-signature' });
    // the throw sites survive a restart
    const restored = ErrorPatternDetector.restore(JSON.parse(JSON.stringify(detector.snapshot())), {
      warmupMs: 1000,
    });
    expect(restored.push(warn(9000, stack('timed', 'retry', 'placeOrder', 'checkout')))).toEqual([]);
  });

  it('given an error one service already shows, then it is still new in another that never showed it', () => {
    const detector = new ErrorPatternDetector({ warmupMs: 1000 });
    detector.push(ev(0, 'gateway-timeout'));
    detector.push(ev(0, 'gateway-timeout', { service: 'billing' }));
    const inCheckout = detector.push(ev(6000, 'npe'));
    const inBilling = detector.push(ev(7000, 'npe', { service: 'billing' }));
    expect(inCheckout).toHaveLength(1);
    expect(inBilling).toHaveLength(1);
    expect(inBilling[0]).toMatchObject({ service: 'billing', subject: 'npe', since: 7000 });
    expect(inBilling[0]!.id).not.toBe(inCheckout[0]!.id);
  });

  it('given a service that starts sending telemetry later, then it learns its own errors during its own warm-up', () => {
    const detector = new ErrorPatternDetector({ warmupMs: 1000 });
    detector.push(ev(0, 'gateway-timeout'));
    // Long after checkout's warm-up, billing's first minute: its usual errors are learned, not reported.
    expect(detector.push(ev(60_000, 'card-declined', { service: 'billing' }))).toEqual([]);
    expect(detector.push(ev(60_500, 'card-declined', { service: 'billing' }))).toEqual([]);
    expect(detector.push(ev(62_000, 'npe', { service: 'billing' }))).toHaveLength(1);
  });

  it('given stacks from several services, then each service has its cluster with counts, first seen and service', () => {
    const detector = new ErrorPatternDetector({ warmupMs: 0 });
    const s = ['at Shipping.address (/a/src/shipping/address.ts:1:1)'];
    const found = [
      ...detector.push(ev(10, 'npe', { stack: s })),
      ...detector.push(ev(15, 'npe', { stack: s })),
      ...detector.push(
        ev(20, 'npe', {
          stack: s.map((x) => x.replace('/a/', '/b/').replace(':1:1', ':9:9')),
          service: 'api',
        }),
      ),
    ];
    expect(found.map((f) => `${f.service} ${f.rule}`).sort()).toEqual([
      'api new-error-template',
      'api new-stack-signature',
      'checkout new-error-template',
      'checkout new-stack-signature',
    ]);
    const clusters = detector.stackClusters();
    expect(clusters).toHaveLength(2);
    expect(clusters[0]).toMatchObject({ count: 2, firstSeen: 10, lastSeen: 15, services: ['checkout'] });
    // The same frames under other paths and lines: one signature.
    expect(clusters[1]).toMatchObject({ key: clusters[0]!.key, count: 1, firstSeen: 20, services: ['api'] });
  });
});

/** An error-level event of a template with no stack, as the restart specs push them. */
const errorEvent = (service: string, templateId: string, timestamp: number): TemplatedEvent => ({
  timestamp,
  service,
  host: null,
  level: 'error',
  component: null,
  templateId,
  template: templateId,
  params: [],
  traceId: null,
  spanId: null,
  sessionId: null,
  numbers: {},
  stack: [],
});

describe('restart', () => {
  it('continues from a JSON snapshot exactly as the original would', () => {
    const bursts = new ErrorBurstDetector();
    for (let i = 0; i < 10; i++) bursts.observe(window(i * 60_000, 1000, 5));
    const restored = ErrorBurstDetector.restore(JSON.parse(JSON.stringify(bursts.snapshot())));
    const expected = bursts.observe(window(600_000, 1000, 100));
    expect(expected).toHaveLength(1);
    expect(restored.observe(window(600_000, 1000, 100))).toEqual(expected);

    const patterns = new ErrorPatternDetector({ warmupMs: 1000 });
    const early = errorEvent('s', 'a', 0);
    patterns.push(early);
    const copy = ErrorPatternDetector.restore(JSON.parse(JSON.stringify(patterns.snapshot())), {
      warmupMs: 1000,
    });
    expect(copy.push({ ...early, timestamp: 5000 })).toEqual([]);
    expect(copy.push({ ...early, timestamp: 5000, templateId: 'b' })).toHaveLength(1);
    expect(copy.errorTemplates()[0]).toMatchObject({ key: 'a', count: 2 });
  });

  it('restores a snapshot from before per-service novelty: its clusters known to each of their services', () => {
    const older = {
      firstEventAt: 0,
      known: [
        {
          key: 'a',
          kind: 'template' as const,
          label: 'a',
          frames: [],
          count: 3,
          firstSeen: 0,
          lastSeen: 10,
          services: ['s', 't'],
          templateIds: ['a'],
          exampleTraceIds: [],
          novel: false,
          reportedCount: 0,
        },
      ],
    };
    const copy = ErrorPatternDetector.restore(older, { warmupMs: 1000 });
    const event = (service: string, templateId: string) => errorEvent(service, templateId, 5000);
    expect(copy.push(event('s', 'a'))).toEqual([]);
    expect(copy.push(event('t', 'a'))).toEqual([]);
    expect(copy.push(event('t', 'b'))).toHaveLength(1);
  });
});
