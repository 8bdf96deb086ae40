import { describe, expect, it } from 'vitest';
import type { Finding, PayloadOf } from '@self-healing/schemas';
import { emptyIncidentReducerState, findingId } from '../incidents/index.js';
import { planIncidents } from './incidentEvents.js';

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

const run = (
  before: ReturnType<typeof emptyIncidentReducerState>,
  seq: Record<string, number>,
  findings: Finding[],
  now: number,
) =>
  planIncidents({
    before,
    incidentSeq: seq,
    findings,
    now,
    parseRunIds: ['parse-1'],
    runId: 'detect-1',
    topic: 'selfhealing.incidents',
    producer: 'test',
  });

describe('incident lifecycle events of a detection run', () => {
  it('given an open incident whose severity rises, then IncidentUpdated carries the severity before the update', () => {
    const first = run(emptyIncidentReducerState(), {}, [finding({ since: 0 })], 0);
    expect(first.planned.map((p) => p.event.meta.type)).toEqual(['IncidentOpened']);
    const openedAs = (first.planned[0]!.event.payload as PayloadOf<'IncidentOpened'>).severity;

    const wider = finding({
      kind: 'behavioral',
      rule: 'missing-step',
      subject: 'checkout:charge',
      since: 5 * MIN,
      at: 20 * MIN,
      magnitude: 100,
    });
    const second = run(first.state, first.incidentSeq, [wider], 20 * MIN);
    expect(second.planned.map((p) => [p.event.meta.type, p.event.meta.seq])).toEqual([
      ['IncidentUpdated', 2],
    ]);
    const updated = second.planned[0]!.event.payload as PayloadOf<'IncidentUpdated'>;
    expect(updated.severity).not.toBe(openedAs);
    expect(updated.previousSeverity).toBe(openedAs);
  });

  it('given an update, then it names the subjects the incident had none of before (what an earlier diagnosis did not see)', () => {
    const opened = run(emptyIncidentReducerState(), {}, [finding({ since: 0 })], 0);
    // The same subject again with a larger magnitude, and the slowdown's cause on a step of its own.
    const again = finding({ since: 0, at: 2 * MIN, magnitude: 9 });
    const step = finding({
      kind: 'performance',
      rule: 'latency-step',
      subject: 't-authenticate:latency.p95',
      templateIds: ['t-timeout', 't-authenticate'],
      since: MIN,
      at: 2 * MIN,
    });
    const second = run(opened.state, opened.incidentSeq, [again, step], 2 * MIN);
    expect(second.planned.map((p) => p.event.meta.type)).toEqual(['IncidentUpdated']);
    const updated = second.planned[0]!.event.payload as PayloadOf<'IncidentUpdated'>;
    expect(updated.newFindings.map((f) => f.subject).sort()).toEqual([
      'error-rate',
      't-authenticate:latency.p95',
    ]);
    expect(updated.newSubjects).toEqual(['t-authenticate:latency.p95']);
    // Nothing new the next time: only a magnitude changed.
    const third = run(
      second.state,
      second.incidentSeq,
      [finding({ since: 0, at: 3 * MIN, magnitude: 12 })],
      3 * MIN,
    );
    const later = third.planned[0]!.event.payload as PayloadOf<'IncidentUpdated'>;
    expect(later.newSubjects).toEqual([]);
  });

  it('given the same findings again, then the same events with the same ids (a replay decides the same)', () => {
    const a = run(emptyIncidentReducerState(), {}, [finding({ since: 0 })], 0);
    const b = run(emptyIncidentReducerState(), {}, [finding({ since: 0 })], 0);
    expect(b.planned).toEqual(a.planned);
  });
});
