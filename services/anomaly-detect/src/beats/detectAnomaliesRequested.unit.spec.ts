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
        },
      });
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
