import { describe, expect, it } from 'vitest';
import type { Finding, PayloadOf } from '@self-healing/schemas';
import { widenedIncident } from './rediagnosis.js';
import { AUTOMATE_ABOVE, recommendedOf } from '../diagnose/remedies.js';
import type { IncidentSnapshot } from './trigger.js';

const finding = (id: string, since: number, subject = `${id}:latency.p95`): Finding => ({
  id,
  kind: 'performance',
  rule: 'latency-step',
  service: 'checkout',
  subject,
  templateIds: [id],
  since,
  at: since + 60_000,
  magnitude: 3,
  explanation: 'x',
  evidence: {},
});

const update = (newFindings: Finding[]): PayloadOf<'IncidentUpdated'> => ({
  incidentId: 'inc-1',
  severity: 'high',
  previousSeverity: 'medium',
  kinds: ['performance'],
  services: ['checkout'],
  timeRange: { from: 0, until: 200_000 },
  newFindings,
  findingCount: 2,
  detectionRunId: 'detect-9',
  newSubjects: newFindings.map((f) => f.subject),
});

type Recommendation = Parameters<typeof recommendedOf>[0][number];
const remedy = (over: Partial<Recommendation>): Recommendation => ({
  id: 'r',
  issueId: 'i',
  rank: 1,
  strategy: 'revert_commit',
  summary: 'x',
  rationale: 'x',
  targets: [],
  confidence: 0.9,
  risk: 'low',
  automatable: true,
  ...over,
});

describe('a second diagnosis of an incident', () => {
  it('given an update whose finding the store has not written yet, then the incident holds the earlier findings and the new one, under the update as version', () => {
    const completion = finding('t-post', 0);
    const step = finding('t-auth', 60_000);
    const stored: IncidentSnapshot = {
      incidentId: 'inc-1',
      version: 0,
      severity: 'medium',
      services: ['checkout'],
      timeRange: { from: 0, until: 60_001 },
      findings: [completion],
      parseRunIds: [],
    };
    const widened = widenedIncident({ payload: update([step]), seq: 4 }, stored, [completion]);
    expect(widened.findings.map((f) => f.id)).toEqual(['t-post', 't-auth']);
    expect(widened).toMatchObject({ incidentId: 'inc-1', version: 4, severity: 'high' });
    expect(widened.timeRange).toEqual({ from: 0, until: 200_000 });
    // No stored incident at all (a store read that failed over): the earlier case file's findings still count.
    expect(widenedIncident({ payload: update([step]), seq: 4 }, null, [completion]).findings).toHaveLength(2);
  });

  it('given the remedies, then only an automatable one at least as likely as the threshold goes to the machines', () => {
    expect(
      recommendedOf([remedy({ automatable: false }), remedy({ confidence: AUTOMATE_ABOVE / 2 })]),
    ).toBeNull();
    expect(recommendedOf([remedy({ id: 'a', automatable: false }), remedy({ id: 'b' })])?.id).toBe('b');
  });
});
