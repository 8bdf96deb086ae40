import { describe, expect, it } from 'vitest';
import type { LearningCase } from '../service/case.js';
import { compareSeries } from '../compare/series.js';
import { assessmentOf } from './assessSuccess.js';

const MIN = 60_000;
const errors = (perMinute: number, minutes: number) => ({
  points: Array.from({ length: minutes }, (_, i) => ({
    windowStart: i * MIN,
    count: perMinute,
    errorCount: perMinute,
    p95: null,
  })),
  spanMs: minutes * MIN,
});
// The error template stopped after the deployment: no windows of it at all.
const stopped = compareSeries('errors', {
  baseline: errors(0, 60),
  during: errors(6, 15),
  after: { points: [], spanMs: 15 * MIN },
});

const caseWith = (serviceAggregates: number, rolledBack = false): LearningCase =>
  ({
    _id: 'inc-1',
    incidentId: 'inc-1',
    deploymentId: 'dp-1',
    observeForMs: 15 * MIN,
    requestedBy: 'test',
    loaded: { services: ['checkout'], deploymentOutcome: rolledBack ? 'rolled_back' : 'deployed' },
    collected: { serviceAggregates, aggregates: 0, events: 0, errors: 0, parseRunIds: [], complete: false },
    comparisons: [{ ...stopped, findingId: 'f-1', service: 'checkout', subject: 't-1' }],
    newFindings: 0,
  }) as unknown as LearningCase;

describe('assessmentOf', () => {
  it('judges a stopped error template resolved while the service’s other telemetry keeps coming', () => {
    expect(assessmentOf(caseWith(42)).outcome).toBe('resolved');
  });

  it('does not judge a fix when no telemetry of the service came at all', () => {
    const a = assessmentOf(caseWith(0));
    expect(a).toMatchObject({ outcome: 'no_change', confidence: 0 });
    expect(a.reasons[0]!.code).toBe('no-telemetry');
  });

  it('counts a rolled-back canary as regressed, with no rollback to recommend', () => {
    expect(assessmentOf(caseWith(0, true))).toMatchObject({
      outcome: 'regressed',
      rollbackRecommended: false,
    });
  });
});
