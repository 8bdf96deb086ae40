import { describe, expect, it } from 'vitest';
import type { Finding } from '@self-healing/schemas';
import { defaultIncidentPolicy, emptyIncidentReducerState, evolve, severityOf } from './reducer.js';
import type { IncidentReducerState } from './reducer.js';
import { findingId } from './stable-id.js';

const MIN = 60_000;

function finding(over: Partial<Finding> & { since: number }): Finding {
  const base = {
    kind: 'error' as const,
    rule: 'error-burst',
    service: 'checkout',
    subject: 'error-rate',
    templateIds: ['t-timeout'],
    at: over.since,
    magnitude: 5,
    explanation: 'x',
    evidence: {},
    ...over,
  };
  return { id: findingId(base.kind, base.rule, base.service, base.subject, base.since), ...base };
}

describe('incident grouping', () => {
  it('groups findings of one service that share a template and are close in time into one incident', () => {
    const burst = finding({ since: 0, at: MIN });
    const newTemplate = finding({
      kind: 'error',
      rule: 'new-error-template',
      subject: 't-timeout',
      since: 2 * MIN,
    });
    const missing = finding({
      kind: 'behavioral',
      rule: 'missing-step',
      subject: 'ship',
      templateIds: ['t-timeout', 't-ship'],
      since: 3 * MIN,
    });
    const { opened, updated, state } = evolve(
      emptyIncidentReducerState(),
      [missing, burst, newTemplate],
      3 * MIN,
    );
    expect(opened).toHaveLength(1);
    expect(updated).toHaveLength(0);
    expect(opened[0]).toMatchObject({
      status: 'open',
      openedAt: 0,
      findingCount: 3,
      kinds: ['error', 'behavioral'],
    });
    expect(Object.keys(state.incidents)).toHaveLength(1);
  });

  it("groups one session's violations (a step moved: missing, unexpected, out of order) into one incident", () => {
    const violation = (rule: string, subject: string, session: string) =>
      finding({
        kind: 'behavioral',
        rule,
        subject,
        templateIds: [subject],
        since: MIN,
        evidence: { sessionKey: session },
      });
    const moved = [
      violation('missing-step', 't-coupon', 's-1'),
      violation('unexpected-step', 't-paid', 's-1'),
      violation('step-out-of-order', 't-mail', 's-1'),
    ];
    const one = evolve(emptyIncidentReducerState(), moved, MIN);
    expect(one.opened).toHaveLength(1);
    expect(one.opened[0]!.findingCount).toBe(3);
    // Another session's violation of another rule and step is another problem.
    const other = evolve(one.state, [violation('repeated-step', 't-stock', 's-2')], MIN);
    expect(other.opened).toHaveLength(1);
  });

  it('groups performance findings of one service on the same metric, close in time, across templates', () => {
    const latency = (templateId: string, rule: string, since: number) =>
      finding({
        kind: 'performance',
        rule,
        subject: `${templateId}:latency.p95`,
        templateIds: [templateId],
        since,
        evidence: { metric: 'latency.p95' },
      });
    const spike = latency('t-charge', 'spike', 0);
    const shift = latency('t-charged', 'latency-shift', 2 * MIN);
    const throughputElsewhere = finding({
      kind: 'performance',
      rule: 'drop',
      subject: 't-ship:throughput',
      templateIds: ['t-ship'],
      since: MIN,
      evidence: { metric: 'throughput' },
    });
    const { opened } = evolve(emptyIncidentReducerState(), [spike, shift, throughputElsewhere], 3 * MIN);
    expect(opened.map((i) => i.subjects.sort())).toEqual([
      ['t-charge:latency.p95', 't-charged:latency.p95'],
      ['t-ship:throughput'],
    ]);
    // Named by its founding finding's own keys, not by the shared metric.
    expect(opened[0]!.signature).toBe('checkout|r:performance/spike');
  });

  it('keeps unrelated findings, other services and distant findings apart', () => {
    const a = finding({ since: 0 });
    const otherService = finding({ since: MIN, service: 'billing' });
    const unrelated = finding({
      rule: 'hot-uncovered',
      kind: 'coverage',
      subject: 'src/a.ts:3',
      templateIds: [],
      since: MIN,
    });
    const tooLate = finding({ since: 0, at: 0 });
    const { opened } = evolve(emptyIncidentReducerState(), [a, otherService, unrelated], MIN);
    expect(opened).toHaveLength(3);
    // Same cause, but after the correlation window of an incident that is still open: a separate episode.
    const later = finding({ since: 12 * MIN, subject: 'error-rate' });
    const r = evolve(
      evolve(emptyIncidentReducerState(), [tooLate], 0, { ...defaultIncidentPolicy, quietPeriodMs: 60 * MIN })
        .state,
      [later],
      12 * MIN,
      { ...defaultIncidentPolicy, quietPeriodMs: 60 * MIN },
    );
    expect(r.opened).toHaveLength(1);
  });

  it('keeps two new errors of a service apart unless they share a template; instances of one rule stay together', () => {
    // A rare handled error opens an incident; minutes later a release brings another error (its new line and its
    // new stack, which share the line's template). The second is a problem of its own, to be diagnosed on its own.
    const handled = finding({
      rule: 'new-stack-signature',
      subject: 'st-mail',
      templateIds: ['t-mail'],
      since: 0,
    });
    const faultLine = finding({
      rule: 'new-error-template',
      subject: 't-crash',
      templateIds: ['t-crash'],
      since: 3 * MIN,
    });
    const faultStack = finding({
      rule: 'new-stack-signature',
      subject: 'st-crash',
      templateIds: ['t-crash'],
      since: 3 * MIN,
    });
    const first = evolve(emptyIncidentReducerState(), [handled], MIN);
    const second = evolve(first.state, [faultLine, faultStack], 4 * MIN);
    expect(second.updated).toEqual([]);
    expect(second.opened).toHaveLength(1);
    expect(second.opened[0]).toMatchObject({ findingCount: 2, subjects: ['t-crash', 'st-crash'] });

    // Many traces each missing a different step at once are still one problem: non-novelty rules link by rule.
    const missing = (subject: string, since: number) =>
      finding({ kind: 'behavioral', rule: 'missing-step', subject, templateIds: [subject], since });
    const steps = evolve(emptyIncidentReducerState(), [missing('t-ship', 0), missing('t-pay', MIN)], MIN);
    expect(steps.opened).toHaveLength(1);
    expect(steps.opened[0]!.findingCount).toBe(2);
  });
  it('gives incidents ids from signature and first-seen time: replaying the same findings opens nothing new', () => {
    const findings = [
      finding({ since: 0 }),
      finding({ since: 30_000, rule: 'new-error-template', subject: 't-timeout' }),
    ];
    const first = evolve(emptyIncidentReducerState(), findings, MIN);
    const again = evolve(emptyIncidentReducerState(), [...findings].reverse(), MIN);
    expect(again.opened.map((i) => i.id)).toEqual(first.opened.map((i) => i.id));
    const redelivered = evolve(first.state, findings, MIN);
    expect(redelivered.opened).toEqual([]);
    expect(redelivered.updated).toEqual([]);
    expect(Object.values(redelivered.state.incidents)[0]!.findingCount).toBe(2);
  });

  it('does not modify the input state and keeps it JSON-serialisable', () => {
    const state = emptyIncidentReducerState();
    const r = evolve(state, [finding({ since: 0 })], 0);
    expect(state).toEqual(emptyIncidentReducerState());
    expect(JSON.parse(JSON.stringify(r.state)) as IncidentReducerState).toEqual(r.state);
  });
});

describe('resolution, flapping and re-opening', () => {
  const policy = { ...defaultIncidentPolicy, quietPeriodMs: 10 * MIN, reopenHorizonMs: 60 * MIN };

  it('resolves only after the quiet period', () => {
    let r = evolve(emptyIncidentReducerState(), [finding({ since: 0 })], 0, policy);
    r = evolve(r.state, [], 9 * MIN, policy);
    expect(r.resolved).toEqual([]);
    r = evolve(r.state, [], 10 * MIN, policy);
    expect(r.resolved).toHaveLength(1);
    expect(r.resolved[0]).toMatchObject({ status: 'resolved', resolvedAt: 10 * MIN });
  });

  it('re-opens the same incident when the cause returns, and each re-open lengthens the quiet period', () => {
    let r = evolve(emptyIncidentReducerState(), [finding({ since: 0 })], 10 * MIN, policy);
    const id = r.resolved[0]!.id;
    // The burst flaps: a new burst (new finding id) of the same signature after resolution.
    r = evolve(r.state, [finding({ since: 15 * MIN })], 15 * MIN, policy);
    expect(r.opened).toEqual([]);
    expect(r.reopened.map((i) => i.id)).toEqual([id]);
    expect(r.reopened[0]!.reopenCount).toBe(1);
    // Quiet period is now doubled (20 min): still open after 10 minutes.
    r = evolve(r.state, [], 26 * MIN, policy);
    expect(r.resolved).toEqual([]);
    r = evolve(r.state, [], 35 * MIN, policy);
    expect(r.resolved.map((i) => i.id)).toEqual([id]);
    expect(Object.keys(r.state.incidents)).toEqual([id]);
  });

  it('opens a new incident when the cause returns after the re-open horizon, and forgets the old one', () => {
    let r = evolve(emptyIncidentReducerState(), [finding({ since: 0 })], 10 * MIN, policy);
    const old = r.resolved[0]!.id;
    r = evolve(r.state, [], 80 * MIN, policy);
    expect(r.state.incidents[old]).toBeUndefined();
    expect(r.state.findingIndex).toEqual({});
    r = evolve(r.state, [finding({ since: 90 * MIN })], 90 * MIN, policy);
    expect(r.opened).toHaveLength(1);
    expect(r.opened[0]!.id).not.toBe(old);
  });

  it('a finding redelivered after resolution does not re-open the incident', () => {
    const f = finding({ since: 0 });
    let r = evolve(emptyIncidentReducerState(), [f], 10 * MIN, policy);
    r = evolve(r.state, [f], 12 * MIN, policy);
    expect(r.reopened).toEqual([]);
    expect(Object.values(r.state.incidents)[0]!.status).toBe('resolved');
  });
});

describe('severity', () => {
  const base = {
    peakMagnitude: 0,
    kinds: ['behavioral' as const],
    subjects: ['a'],
    findingCount: 1,
    openedAt: 0,
    lastSeen: 0,
    rules: ['missing-step'],
  };
  it('rises with magnitude, breadth and duration', () => {
    expect(severityOf(base)).toBe('low');
    expect(severityOf({ ...base, rules: ['error-burst'] })).toBe('medium');
    expect(
      severityOf({ ...base, peakMagnitude: 3, kinds: ['error', 'behavioral'], lastSeen: 20 * MIN }),
    ).toBe('high');
    expect(
      severityOf({
        ...base,
        peakMagnitude: 4,
        kinds: ['error', 'behavioral', 'performance'],
        subjects: ['a', 'b', 'c', 'd', 'e'],
        findingCount: 30,
        lastSeen: 2 * 60 * MIN,
      }),
    ).toBe('critical');
  });

  it('never falls while the incident lives', () => {
    let r = evolve(emptyIncidentReducerState(), [finding({ since: 0, magnitude: 30 })], 0);
    expect(r.opened[0]!.severity).toBe('medium');
    r = evolve(
      r.state,
      [
        finding({
          since: 5 * MIN,
          at: 20 * MIN,
          rule: 'new-error-template',
          subject: 't-timeout',
          magnitude: 1,
        }),
      ],
      20 * MIN,
    );
    const incident = Object.values(r.state.incidents)[0]!;
    expect(incident.findingCount).toBe(2);
    expect(['medium', 'high']).toContain(incident.severity);
  });
});
