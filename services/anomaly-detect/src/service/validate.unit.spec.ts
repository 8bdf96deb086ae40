import { describe, expect, it } from 'vitest';
import { buildEvent, outsideBeatMeta, type StageEvent } from '@self-healing/shared';
import { validateDetectionTrigger } from './validate.js';

const meta = (incidentId: string) =>
  outsideBeatMeta({ incidentId, seq: 1, correlationId: 'c', occurredAt: 0, producer: 't' });
const ev = (type: string, payload: unknown, key = 'run-1'): StageEvent =>
  buildEvent('x', { type, payload }, meta(key));

describe('what starts a detection run', () => {
  it('a completed parse run: detection examines that run, with every detector', () => {
    const v = validateDetectionTrigger(
      ev('TelemetryParseCompleted', {
        runId: 'run-1',
        services: ['checkout'],
        timeRange: { from: 1, until: 2 },
        events: 10,
      }),
    );
    expect(v).toEqual({
      ok: true,
      requested: {
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

  it('a parse run with no events is not worth a detection run', () => {
    const v = validateDetectionTrigger(
      ev('TelemetryParseCompleted', { runId: 'run-1', services: [], timeRange: null, events: 0 }),
    );
    expect(!v.ok && v.reasons[0]?.code).toBe('no-events');
  });

  it("an operator's command, with its detectors and services", () => {
    const v = validateDetectionTrigger(
      ev('DetectAnomaliesCommand', {
        runId: 'run-1',
        parseRunIds: ['p1', 'p1', 'p2'],
        services: [' Api '],
        timeRange: null,
        detectors: ['error'],
        requestedBy: 'me',
        comment: null,
      }),
    );
    expect(v).toMatchObject({
      ok: true,
      requested: { parseRunIds: ['p1', 'p2'], services: ['api'], detectors: ['error'], trigger: 'command' },
    });
  });

  it('a bad command is refused with every reason', () => {
    const v = validateDetectionTrigger(
      ev('DetectAnomaliesCommand', {
        runId: 'other',
        parseRunIds: [],
        services: [],
        timeRange: { from: 5, until: 5 },
        detectors: [],
        requestedBy: 'me',
        comment: null,
      }),
    );
    expect(!v.ok && v.reasons.map((r) => r.code)).toEqual([
      'run-id-mismatch',
      'no-parse-runs',
      'bad-time-range',
    ]);
  });

  it('anything else cannot start one', () => {
    expect(validateDetectionTrigger(ev('ParseTelemetryCommand', {})).ok).toBe(false);
  });
});
