import { describe, expect, it } from 'vitest';
import { buildEvent, type StageEvent } from '@self-healing/shared';
import { evolve, summarise, type IncidentDoc } from './evolve.js';

function ev(
  type: string,
  seq: number,
  payload: unknown = {},
  sequenceId: string | null = 'telemetry.parse',
): StageEvent {
  return buildEvent(
    sequenceId ?? 'x',
    { type, payload },
    {
      incidentId: 'batch-1',
      seq,
      causationId: null,
      correlationId: 'c1',
      startedAt: 1000 * seq,
      occurredAt: 1000 * seq + 250,
      producer: 'test',
      sequenceId,
      beat: seq,
      handler: `h${seq}`,
      attempt: 1,
      machineVersion: 'v1',
    },
  );
}

function run(events: StageEvent[], topic = 'selfhealing.telemetry.parse.events'): IncidentDoc | null {
  return events.reduce<IncidentDoc | null>((doc, e) => evolve(doc, e, topic) ?? doc, null);
}

describe('incident projection', () => {
  it('given a new incident, when its first event arrives, then it is running with one timeline entry', () => {
    const doc = run([ev('TelemetryParseRequested', 1, { source: 'file' })]);
    expect(doc).toMatchObject({
      _id: 'batch-1',
      version: 1,
      status: 'running',
      stage: 'telemetry.parse',
      createdAt: 1250,
    });
    expect(doc?.timeline).toEqual([
      {
        stage: 'telemetry.parse',
        seq: 1,
        eventId: expect.any(String),
        beat: 1,
        handler: 'h1',
        event: 'TelemetryParseRequested',
        startedAt: 1000,
        endedAt: 1250,
        durationMs: 250,
        outcome: 'ok',
      },
    ]);
    expect(doc?.outputs).toEqual({ TelemetryParseRequested: { source: 'file' } });
  });

  it('marks the incident completed, rejected or failed by its last event', () => {
    expect(run([ev('TelemetryParseRequested', 1), ev('TelemetryParseCompleted', 2)])?.status).toBe(
      'completed',
    );
    expect(run([ev('TelemetryParseRejected', 1)])?.status).toBe('rejected');
    expect(run([ev('TelemetryParseRequested', 1), ev('TelemetryParseFailed', 2)])?.status).toBe('failed');
  });

  it('opens, resolves and reopens incidents from the anomaly stage', () => {
    const topic = 'selfhealing.incidents';
    let doc = evolve(null, ev('IncidentOpened', 1, {}, null), topic);
    expect(doc?.status).toBe('open');
    doc = evolve(doc, ev('IncidentResolved', 2, {}, null), topic);
    expect(doc?.status).toBe('resolved');
    doc = evolve(doc, ev('IncidentReopened', 3, {}, null), topic);
    expect(doc?.status).toBe('open');
    expect(doc?.checkpoint).toEqual({ selfhealing_incidents: 3 });
  });

  it('shows a run as waiting while a beat waits, and running again once the wait is over', () => {
    const at = 'deployment.deploy';
    const waiting = run([ev('DeploymentRequested', 1, {}, at), ev('DeploymentWaiting', 2, {}, at)]);
    expect(waiting?.status).toBe('waiting');
    expect(
      run([
        ev('DeploymentRequested', 1, {}, at),
        ev('DeploymentWaiting', 2, {}, at),
        ev('ApprovalChecked', 3, {}, at),
      ])?.status,
    ).toBe('running');
  });

  it('changes nothing when an event is delivered twice', () => {
    const doc = run([ev('TelemetryParseRequested', 1), ev('LogFilesLoaded', 2)]);
    expect(evolve(doc, ev('LogFilesLoaded', 2), 't')).toBeNull();
    expect(evolve(doc, ev('TelemetryParseRequested', 1), 't')).toBeNull();
  });

  it('keeps a checkpoint per stream, so a second stage on the same incident is applied too', () => {
    const doc = run([
      ev('AnomalyDetectionRequested', 1, {}, 'anomaly.detect'),
      ev('IncidentOpened', 1, {}, null),
    ]);
    expect(doc?.version).toBe(2);
    expect(doc?.checkpoint).toEqual({ anomaly_detect: 1, selfhealing_telemetry_parse_events: 1 });
  });

  it('summarises payloads: no binary, long arrays cut, keys safe for MongoDB', () => {
    expect(
      summarise({
        sketch: new Uint8Array([1]),
        'a.b': 1,
        $x: 2,
        list: Array.from({ length: 60 }, (_, i) => i),
      }),
    ).toEqual({
      a_b: 1,
      _x: 2,
      list: [...Array.from({ length: 50 }, (_, i) => i), '… 10 more'],
    });
  });

  it('is deterministic: the same events give the same document', () => {
    const events = [
      ev('TelemetryParseRequested', 1),
      ev('LogFilesLoaded', 2, { records: 3 }),
      ev('TelemetryParseCompleted', 3),
    ];
    expect(run(events)).toEqual(run(events));
  });
});
