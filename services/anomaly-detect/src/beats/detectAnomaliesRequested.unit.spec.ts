import { describe, it } from 'vitest';
import { beatSpec } from '@self-healing/shared';
import type { AnomalyDetectDeps } from '../service/deps.js';
import { detectAnomaliesRequested } from './detectAnomaliesRequested.js';

// A pure beat: specified without any server; it never touches its deps.
const spec = beatSpec(
  'anomaly.detect',
  'detectAnomaliesRequested',
  detectAnomaliesRequested,
  null as unknown as AnomalyDetectDeps,
  { runId: 'run-1' },
);

describe('detectAnomaliesRequested', () => {
  it("given a completed parse run, then detection examines that run's services with every detector", async () => {
    await spec
      .given({})
      .when({
        type: 'TelemetryParseCompleted',
        payload: { runId: 'run-1', services: ['checkout'], timeRange: { from: 1, until: 2 }, events: 10 },
      })
      .then({
        type: 'AnomalyDetectionRequested',
        payload: {
          runId: 'run-1',
          parseRunIds: ['run-1'],
          services: ['checkout'],
          timeRange: { from: 1, until: 2 },
          detectors: ['performance', 'behavioral', 'coverage', 'error'],
          trigger: 'upstream_event',
          requestedBy: 'stage:telemetry.parse',
          verdict: null,
        },
      });
  });

  it("given an operator's dismissal, then the run applies it as a verdict and examines no telemetry", async () => {
    const outcome = await spec
      .given({})
      .when({
        type: 'DismissIncidentCommand',
        payload: {
          incidentId: ' inc-1 ',
          reason: 'a load test, not customers',
          suppressForMs: 3_600_000,
          requestedBy: 'user:alice',
          comment: null,
        },
      })
      .run();
    if (!('event' in outcome) || outcome.event.type !== 'AnomalyDetectionRequested')
      throw new Error('not requested');
    const p = outcome.event.payload;
    if (p.parseRunIds.length !== 0 || p.runId !== 'run-1') throw new Error('examines telemetry');
    if (
      p.verdict?.action !== 'dismiss' ||
      p.verdict.incidentId !== 'inc-1' ||
      p.verdict.by !== 'user:alice' ||
      p.verdict.suppressForMs !== 3_600_000
    )
      throw new Error(`wrong verdict ${JSON.stringify(p.verdict)}`);
  });

  it('given a dismissal without a reason, then it is refused with that reason', async () => {
    const outcome = await spec
      .given({})
      .when({
        type: 'DismissIncidentCommand',
        payload: {
          incidentId: 'inc-1',
          reason: ' ',
          suppressForMs: null,
          requestedBy: 'user:alice',
          comment: null,
        },
      })
      .run();
    if (!('event' in outcome) || outcome.event.type !== 'AnomalyDetectionRejected')
      throw new Error('not rejected');
    if (outcome.event.payload.reasons[0]?.code !== 'no-reason') throw new Error('wrong reason');
  });

  const tracked = (
    outcome: 'resolved' | 'improved' | 'no_change' | 'regressed',
    resolvesIncident: boolean,
  ) => ({
    type: 'EffectivenessTrackingCompleted' as const,
    payload: {
      deploymentId: 'dep-1',
      patchId: 'patch-1',
      pullRequestUrl: 'http://forge/pr/1',
      outcome,
      improvementScore: resolvesIncident ? 0.9 : -0.2,
      findingsCleared: 1,
      findingsRemaining: 0,
      resolvesIncident,
      document: { collection: 'learning_effectiveness', id: 'x' },
    },
  });

  it('given a tracked fix that resolves the incident, then the verdict is fixed, citing the patch and PR', async () => {
    const outcome = await spec.given({}).when(tracked('resolved', true)).run();
    if (!('event' in outcome) || outcome.event.type !== 'AnomalyDetectionRequested')
      throw new Error('not requested');
    const v = outcome.event.payload.verdict;
    if (v?.action !== 'fixed' || v.patchId !== 'patch-1' || v.pullRequestUrl !== 'http://forge/pr/1')
      throw new Error(`wrong verdict ${JSON.stringify(v)}`);
  });

  it('given a tracked fix that regressed, then the verdict is not_fixed; an improvement alone changes nothing', async () => {
    const regressed = await spec.given({}).when(tracked('regressed', false)).run();
    if (!('event' in regressed) || regressed.event.type !== 'AnomalyDetectionRequested')
      throw new Error('not requested');
    if (regressed.event.payload.verdict?.action !== 'not_fixed') throw new Error('not not_fixed');
    const improved = await spec.given({}).when(tracked('improved', false)).run();
    if (!('event' in improved) || improved.event.type !== 'AnomalyDetectionRejected')
      throw new Error('not rejected');
    if (improved.event.payload.reasons[0]?.code !== 'nothing-to-apply') throw new Error('wrong reason');
  });

  it('given a parse run without events, then the run is refused with its reason', async () => {
    const outcome = await spec
      .given({})
      .when({
        type: 'TelemetryParseCompleted',
        payload: { runId: 'run-1', services: [], timeRange: null, events: 0 },
      })
      .run();
    if (!('event' in outcome) || outcome.event.type !== 'AnomalyDetectionRejected')
      throw new Error('not rejected');
    if (outcome.event.payload.reasons[0]?.code !== 'no-events') throw new Error('wrong reason');
  });
});
