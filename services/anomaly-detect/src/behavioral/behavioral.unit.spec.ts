import { describe, expect, it } from 'vitest';
import type { Finding, TemplatedEvent } from '@self-healing/schemas';
import { BehavioralDetector } from './detector.js';
import type { BehavioralSnapshot } from './detector.js';
import { DeclaredModel, longestIncreasing } from './declared-model.js';
import { LearnedModel } from './learned-model.js';
import type { ClosedSession } from './types.js';

function event(
  trace: string,
  step: string,
  timestamp: number,
  extra: Partial<TemplatedEvent> = {},
): TemplatedEvent {
  return {
    timestamp,
    service: 'checkout',
    host: null,
    level: 'info',
    component: step,
    templateId: `t-${step}`,
    template: `${step} done took <*> ms`,
    params: ['5'],
    traceId: trace,
    spanId: null,
    sessionId: null,
    numbers: { durationMs: 5 },
    stack: [],
    ...extra,
  };
}

/** Feeds sessions one after another (each step 10 ms apart, sessions 1 s apart) and drains at the end. */
function run(detector: BehavioralDetector, sessions: string[][], startAt = 0): Finding[] {
  const findings: Finding[] = [];
  sessions.forEach((steps, s) => {
    steps.forEach((step, i) =>
      findings.push(...detector.push(event(`tr-${startAt + s}`, step, (startAt + s) * 1000 + i * 10))),
    );
  });
  findings.push(...detector.advance((startAt + sessions.length) * 1000 + 60_000));
  return findings;
}

const happy = ['receive', 'validate', 'charge', 'ship', 'respond'];

describe('declared sequences', () => {
  const declared = () =>
    new BehavioralDetector(
      new DeclaredModel([
        { id: 'checkout', steps: ['receive', 'validate', 'discount?', 'charge', 'ship', 'respond'] },
        { id: 'checkout-failed', steps: ['receive', 'validate', 'charge', 'rollback', 'respond'] },
      ]),
      // Template novelty is tested with the learned model; here every template is new.
      { warmupEvents: 1_000 },
    );

  it('given conforming sessions of both flows, when they complete, then nothing is reported', () => {
    const findings = run(declared(), [
      happy,
      ['receive', 'validate', 'discount', 'charge', 'ship', 'respond'],
      ['receive', 'validate', 'charge', 'rollback', 'respond'],
    ]);
    expect(findings.filter((f) => f.rule !== 'unseen-template')).toEqual([]);
  });

  it('given a skipped step, then one missing-step finding names expected and observed neighbours', () => {
    const findings = run(declared(), [['receive', 'validate', 'charge', 'respond']]).filter(
      (f) => f.rule !== 'unseen-template',
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ kind: 'behavioral', rule: 'missing-step', subject: 'ship' });
    expect(findings[0]!.evidence).toMatchObject({
      expected: 'charge → ship → respond',
      observed: 'charge → respond',
      traceId: 'tr-0',
    });
  });

  it('given two swapped steps, then exactly one step is out of order', () => {
    const findings = run(declared(), [['receive', 'charge', 'validate', 'ship', 'respond']]).filter(
      (f) => f.rule !== 'unseen-template',
    );
    expect(findings.map((f) => f.rule)).toEqual(['step-out-of-order']);
    expect(['charge', 'validate']).toContain(findings[0]!.subject);
  });

  it('given a step run twice, then a repeated-step finding counts the runs', () => {
    const findings = run(declared(), [['receive', 'validate', 'charge', 'charge', 'ship', 'respond']]);
    const repeated = findings.filter((f) => f.rule === 'repeated-step');
    expect(repeated).toHaveLength(1);
    expect(repeated[0]).toMatchObject({ subject: 'charge', magnitude: 2 });
  });

  it('given a step of another flow inside this one, then it is unexpected', () => {
    const findings = run(declared(), [['receive', 'validate', 'charge', 'rollback', 'ship', 'respond']]);
    expect(findings.map((f) => f.rule).sort()).toEqual(['unexpected-step']);
  });

  it('given a step after the terminal step and its grace period, then the late step is unexpected', () => {
    const detector = declared();
    const findings = happy.flatMap((step, i) => detector.push(event('tr-l', step, i * 10)));
    findings.push(...detector.advance(5_000));
    expect(findings).toEqual([]);
    findings.push(...detector.push(event('tr-l', 'ship', 6_000)));
    expect(findings.map((f) => [f.rule, f.subject])).toEqual([['unexpected-step', 'ship']]);
    expect(findings[0]!.evidence['expected']).toBe('nothing after respond (it ends the flow)');
  });

  it('given a step after the terminal step within the grace period, then it is judged with the session', () => {
    const findings = run(declared(), [[...happy, 'ship']]);
    expect(findings.map((f) => [f.rule, f.subject])).toEqual([['repeated-step', 'ship']]);
  });

  it('given several lines of one handler (start, warning, completion), then they form one step', () => {
    const detector = declared();
    const findings: Finding[] = [];
    happy.forEach((step, i) => {
      findings.push(...detector.push(event('tr-x', step, i * 10)));
      if (step === 'validate')
        findings.push(
          ...detector.push(event('tr-x', step, i * 10 + 1, { templateId: 't-warn', template: 'low stock' })),
        );
    });
    findings.push(...detector.advance(120_000));
    expect(findings.filter((f) => f.rule !== 'unseen-template')).toEqual([]);
  });

  it('given a session cut by the end of input, then only gaps are missing, not the trailing steps', () => {
    const detector = declared();
    for (const [i, step] of ['receive', 'charge'].entries()) detector.push(event('tr-d', step, i));
    const findings = detector.drain();
    expect(findings.map((f) => [f.rule, f.subject])).toEqual([['missing-step', 'validate']]);
  });

  it('given a session that never reaches its terminal step, then the timeout closes it and the end is missing', () => {
    const detector = declared();
    for (const [i, step] of ['receive', 'validate', 'charge'].entries())
      detector.push(event('tr-t', step, i));
    expect(detector.advance(10_000)).toEqual([]);
    const findings = detector.advance(40_000);
    expect(findings.map((f) => f.subject).sort()).toEqual(['respond', 'ship']);
    expect(findings[0]!.evidence['closeReason']).toBe('timeout');
  });

  it("given one service's telemetry arriving 40 s after another's, then its sessions are not cut in two", () => {
    // checkout's logs are shipped promptly, billing's 40 s late (a busy shipper): the two streams arrive
    // interleaved, checkout's event time 40 s ahead of billing's, more than the inactivity timeout.
    const detector = declared();
    const findings: Finding[] = [];
    for (let s = 0; s < 20; s++)
      happy.forEach((step, i) => {
        const t = s * 5_000 + i * 1_000;
        findings.push(...detector.push(event(`ck-${s}`, step, 40_000 + t)));
        findings.push(...detector.push(event(`bl-${s}`, step, t, { service: 'billing' })));
      });
    findings.push(...detector.advance(400_000));
    expect(findings.filter((f) => f.rule !== 'unseen-template')).toEqual([]);
  });

  it('given a service gone quiet, then its open sessions still end once the others run far ahead', () => {
    const detector = declared();
    const findings = [
      ...detector.push(event('bl-1', 'receive', 0, { service: 'billing' })),
      ...detector.push(event('bl-1', 'validate', 10, { service: 'billing' })),
    ];
    for (let t = 1_000; t <= 400_000; t += 1_000)
      findings.push(...detector.push(event(`ck-${t}`, 'receive', t)));
    expect(findings.filter((f) => f.service === 'billing').map((f) => f.rule)).toContain('missing-step');
  });

  it('orders steps by event time, not arrival order', () => {
    const detector = declared();
    const events = happy.map((step, i) => event('tr-o', step, i * 10)).reverse();
    const findings = events.flatMap((e) => detector.push(e));
    findings.push(...detector.advance(100_000));
    expect(findings).toEqual([]);
  });
});

describe('learned directly-follows model', () => {
  const normal = (n: number): string[][] =>
    Array.from({ length: n }, (_, i) =>
      i % 4 === 0 ? ['receive', 'validate', 'discount', 'charge', 'ship', 'respond'] : happy,
    );
  const learned = () =>
    new BehavioralDetector(
      new LearnedModel({ warmupSessions: 100, rareProbability: 0.05, stepOf: (e) => e.component }),
      {
        warmupEvents: 100,
      },
    );

  it('given normal traffic only, then no finding, and the terminal step is learned', () => {
    const detector = learned();
    expect(run(detector, normal(300))).toEqual([]);
  });

  it('given a skipped step after learning, then missing-step with the usual path as expectation', () => {
    const detector = learned();
    run(detector, normal(150));
    const findings = run(detector, [['receive', 'validate', 'charge', 'respond']], 1000);
    expect(findings.map((f) => [f.rule, f.subject])).toEqual([['missing-step', 'ship']]);
    expect(findings[0]!.evidence['expected']).toBe('charge → ship → respond');
  });

  it('given a swap, then step-out-of-order (one finding per session and rule)', () => {
    const detector = learned();
    run(detector, normal(150));
    const findings = run(detector, [['receive', 'charge', 'validate', 'ship', 'respond']], 1000);
    expect(new Set(findings.map((f) => f.rule))).toEqual(new Set(['step-out-of-order']));
  });

  it('given a repeat, then repeated-step', () => {
    const detector = learned();
    run(detector, normal(150));
    const findings = run(detector, [['receive', 'validate', 'validate', 'charge', 'ship', 'respond']], 1000);
    expect(findings.map((f) => [f.rule, f.subject])).toContainEqual(['repeated-step', 'validate']);
  });

  it('given a known step where it never occurs, then unexpected-step', () => {
    const detector = learned();
    run(detector, normal(150));
    const findings = run(detector, [['receive', 'validate', 'charge', 'receive2', 'ship', 'respond']], 1000);
    expect(findings.map((f) => f.rule)).toEqual(['unseen-template']);
    const again = run(detector, [['receive', 'validate', 'respond', 'charge', 'ship', 'respond']], 2000);
    expect(again.map((f) => f.rule)).toContain('unexpected-step');
  });

  it('given a template never seen before, then one unseen-template finding, not one per occurrence', () => {
    const detector = learned();
    run(detector, normal(150));
    const findings = run(
      detector,
      [happy.concat(), ['receive', 'validate', 'charge', 'ship', 'respond']],
      1000,
    );
    expect(findings).toEqual([]);
    const novel = [
      ...detector.push(event('tr-n', 'boom', 5_000_000)),
      ...detector.push(event('tr-m', 'boom', 5_000_001)),
    ];
    expect(novel.map((f) => f.rule)).toEqual(['unseen-template']);
    expect(novel[0]!.explanation).toContain('never seen');
  });

  it('gives each service its own warm-up; a line another service has logged is not news; kept across a snapshot', () => {
    const detector = learned(); // warm-up: 100 events
    run(detector, normal(150));
    // Another service's first lines are its warm-up, however many events the detector has seen in all.
    const other = (trace: string, step: string, t: number) =>
      detector.push(event(trace, step, t, { service: 'billing' }));
    const warming: Finding[] = [];
    for (let i = 0; i < 100; i++) warming.push(...other(`b-${i}`, i === 50 ? 'refund' : 'receive', 3e6 + i));
    expect(warming.filter((f) => f.rule === 'unseen-template')).toEqual([]);
    // After its warm-up: a line the other service logs all the time is known; one nobody logged is news.
    expect(other('b-x', 'charge', 3e6 + 200).filter((f) => f.rule === 'unseen-template')).toEqual([]);
    expect(other('b-y', 'audit', 3e6 + 201).map((f) => [f.rule, f.service, f.subject])).toEqual([
      ['unseen-template', 'billing', 't-audit'],
    ]);
    // Restored from a snapshot, a third service still starts its own warm-up, billing does not.
    const restored = BehavioralDetector.restore(
      detector['model'] as LearnedModel,
      JSON.parse(JSON.stringify(detector.snapshot())) as BehavioralSnapshot,
      { warmupEvents: 100 },
    );
    expect(restored.push(event('s-1', 'export', 3e6 + 300, { service: 'shipping' }))).toEqual([]);
    expect(
      restored.push(event('b-z', 'purge', 3e6 + 301, { service: 'billing' })).map((f) => f.rule),
    ).toEqual(['unseen-template']);
  });

  it('given a changed flow that persists, then it is reported while new and learned after the relearn delay', () => {
    const detector = new BehavioralDetector(
      new LearnedModel({ warmupSessions: 100, rareProbability: 0.05, stepOf: (e) => e.component }),
      { warmupEvents: 100, relearnAfterMs: 60_000 },
    );
    run(detector, normal(150));
    const changed = ['receive', 'validate', 'charge', 'respond'];
    const early = run(
      detector,
      Array.from({ length: 30 }, () => changed),
      1000,
    );
    expect(early.filter((f) => f.rule === 'missing-step')).toHaveLength(30);
    // Well after the relearn delay, the new flow is common in the model: no more findings.
    const late = run(
      detector,
      Array.from({ length: 5 }, () => changed),
      5000,
    );
    expect(late).toEqual([]);
  });

  it('given a restart mid-session, then the restored detector finds exactly what the original finds', () => {
    const options = {
      warmupSessions: 100,
      rareProbability: 0.05,
      stepOf: (e: TemplatedEvent) => e.component,
    };
    const learned = new LearnedModel(options);
    const original = new BehavioralDetector(learned, { warmupEvents: 100 });
    run(original, normal(150));
    for (const [i, step] of ['receive', 'validate', 'charge'].entries())
      original.push(event('tr-r', step, 900_000 + i));
    const json = JSON.parse(JSON.stringify({ detector: original.snapshot() })) as {
      detector: BehavioralSnapshot;
    };
    // The model is restored from its own snapshot taken at the same moment.
    const model = LearnedModel.restore(JSON.parse(JSON.stringify(learned.snapshot())), options);
    const restored = BehavioralDetector.restore(model, json.detector, { warmupEvents: 100 });
    const finish = (d: BehavioralDetector) => [
      ...d.push(event('tr-r', 'respond', 900_010)),
      ...d.advance(2_000_000),
    ];
    const expected = finish(original);
    expect(expected.map((f) => f.rule)).toEqual(['missing-step']);
    expect(finish(restored)).toEqual(expected);
  });

  it('keeps successor sets bounded (Space-Saving) and round-trips through a snapshot', () => {
    const model = new LearnedModel({ maxSuccessors: 3, warmupSessions: 0 });
    for (let i = 0; i < 50; i++) {
      model.learn({
        key: `k${i}`,
        service: 's',
        traceId: null,
        start: 0,
        end: 0,
        reason: 'timeout',
        events: [],
        occurrences: [
          { step: 'a', openingTemplateId: 'a', templateIds: ['a'], start: 0, end: 0 },
          { step: i % 10 === 0 ? 'b' : `x${i}`, openingTemplateId: 'b', templateIds: [], start: 0, end: 0 },
        ],
      });
    }
    const snapshot = model.snapshot();
    const a = snapshot.steps.find(([step]) => step === 'a');
    expect(a![2].length).toBeLessThanOrEqual(3);
    expect(LearnedModel.restore(snapshot).snapshot()).toEqual(snapshot);
  });
});

describe("the learned model's warm-up", () => {
  const session = (key: string, steps: string[], start: number): ClosedSession => ({
    key,
    service: 'checkout',
    traceId: key,
    start,
    end: start + steps.length * 10,
    reason: 'terminal',
    occurrences: steps.map((step, i) => ({
      step,
      openingTemplateId: step,
      templateIds: [step],
      start: start + i * 10,
      end: start + i * 10,
    })),
    events: [],
  });

  it('given hundreds of short sessions within seconds (the first to end), then it is not ready until they span a minute', () => {
    const model = new LearnedModel({ warmupSessions: 200, warmupSpanMs: 60_000 });
    for (let i = 0; i < 300; i++) model.learn(session(`s${i}`, ['browse'], i * 20));
    expect(model.ready()).toBe(false);
    model.learn(session('long', ['browse', 'cart', 'pay'], 59_990));
    expect(model.ready()).toBe(true);
    // The span survives a restart; an older snapshot without it counts as warmed up.
    expect(LearnedModel.restore(model.snapshot(), { warmupSpanMs: 60_000 }).ready()).toBe(true);
    const { learnedFrom: _from, learnedUntil: _until, ...older } = model.snapshot();
    expect(LearnedModel.restore(older, { warmupSpanMs: 60_000 }).ready()).toBe(true);
  });
});

describe('flow windows: a changed flow the model cannot yet call rare', () => {
  // The default rare probability (0.3 %) needs about 1,000 departures from a step before one session can be called
  // rare: 300 sessions of warm-up are too few, as minutes of a demo's traffic are.
  const detector = () =>
    new BehavioralDetector(
      new LearnedModel({ warmupSessions: 100, warmupSpanMs: 10_000, stepOf: (e) => e.component }),
      { warmupEvents: 100 },
    );
  /** Sessions `every` ms apart from `startAt` ms, then event time moved on past every window. */
  const feed = (d: BehavioralDetector, sessions: string[][], startAt: number, every = 200): Finding[] => {
    const findings: Finding[] = [];
    sessions.forEach((steps, s) =>
      steps.forEach((step, i) =>
        findings.push(...d.push(event(`tr-${startAt}-${s}`, step, startAt + s * every + i * 10))),
      ),
    );
    findings.push(...d.advance(startAt + sessions.length * every + 200_000));
    return findings;
  };
  const swapped = ['receive', 'validate', 'ship', 'charge', 'respond'];
  const rare = ['receive', 'validate', 'charge', 'audit', 'ship', 'respond'];

  it('given one release moving a step in every session, then the window reports it within minutes', () => {
    const d = detector();
    expect(
      feed(
        d,
        Array.from({ length: 300 }, () => happy),
        0,
      ),
    ).toEqual([]);
    // Each session alone is merely new (its transitions never seen in 300 departures, too few to call rare).
    const findings = feed(
      d,
      Array.from({ length: 100 }, () => swapped),
      1_000_000,
    );
    expect(findings.length).toBeGreaterThanOrEqual(1);
    expect(new Set(findings.map((f) => f.rule))).toEqual(new Set(['step-out-of-order']));
    expect(String(findings[0]!.evidence['observed'])).toMatch(/in \d+ of \d+ departures/);
    expect(findings[0]!.evidence['flowWindowSessions']).toBeGreaterThanOrEqual(5);
  });

  it('given a rare path of normal traffic the warm-up never showed, then nothing is reported', () => {
    const d = detector();
    feed(
      d,
      Array.from({ length: 300 }, () => happy),
      0,
    );
    // 1 % of sessions take a detour: a handful per window, as chance allows at the model's bound.
    const traffic = Array.from({ length: 2_000 }, (_, i) => (i % 100 === 7 ? rare : happy));
    // Its template is new, and said once as such; its transitions are no flow change.
    const findings = feed(d, traffic, 1_000_000);
    expect(findings.map((f) => f.rule)).toEqual(['unseen-template']);
  });

  it('keeps its open windows in the snapshot: a restart finds what the original finds', () => {
    const a = detector();
    feed(
      a,
      Array.from({ length: 300 }, () => happy),
      0,
    );
    // Sessions end in a window that is still open when the snapshot is taken.
    const sessions = Array.from({ length: 60 }, () => swapped);
    sessions.forEach((steps, s) =>
      steps.forEach((step, i) => a.push(event(`tr-x-${s}`, step, 1_000_000 + s * 200 + i * 10))),
    );
    a.advance(1_000_000 + 60 * 200 + 5_000);
    const b = BehavioralDetector.restore(
      LearnedModel.restore((a as unknown as { model: LearnedModel }).model.snapshot(), {
        stepOf: (e) => e.component,
      }),
      structuredClone(a.snapshot()),
      { warmupEvents: 100 },
    );
    const later = 1_000_000 + 400_000;
    expect(b.advance(later).map((f) => f.id)).toEqual(a.advance(later).map((f) => f.id));
  });
});

describe('companion lines: a step skipped for some sessions only', () => {
  it('given a release that stops confirming coupon orders, then the confirmation is missing beside the charge', () => {
    const d = new BehavioralDetector(
      new LearnedModel({ warmupSessions: 100, warmupSpanMs: 10_000, stepOf: (e) => e.component }),
      { warmupEvents: 100 },
    );
    const coupon = ['receive', 'validate', 'discount', 'charge', 'ship', 'confirm', 'respond'];
    const plain = ['receive', 'validate', 'charge', 'ship', 'confirm', 'respond'];
    const failed = ['receive', 'validate', 'decline', 'respond'];
    const unconfirmed = ['receive', 'validate', 'discount', 'charge', 'ship', 'respond'];
    // 10 minutes of 300 sessions a minute: a fifth with a coupon, one in 33 declined; then the release.
    const kinds = (i: number, released: boolean) =>
      i % 33 === 0 ? failed : i % 5 === 0 ? (released && i % 2 === 0 ? unconfirmed : coupon) : plain;
    const findings: Finding[] = [];
    for (let i = 0; i < 4_500; i++) {
      const steps = kinds(i, i >= 3_000);
      steps.forEach((step, k) => findings.push(...d.push(event(`tr-c-${i}`, step, i * 200 + k * 10))));
    }
    findings.push(...d.advance(4_500 * 200 + 200_000));
    const companions = findings.filter((f) => f.rule === 'missing-companion');
    expect(companions).toHaveLength(1);
    expect(companions[0]).toMatchObject({ kind: 'behavioral', subject: 't-confirm' });
    expect(companions[0]!.since).toBeGreaterThanOrEqual(3_000 * 200 - 60_000);
    // Kept across a snapshot (the detectors' memory between runs).
    expect(d.snapshot().companions?.services.map((x) => x.service)).toEqual(['checkout']);
  });
});

describe('longestIncreasing', () => {
  it('keeps the longest run in declared order', () => {
    expect([...longestIncreasing([0, 2, 1, 3])].sort()).toEqual([0, 2, 3]);
    expect([...longestIncreasing([])]).toEqual([]);
  });
});
