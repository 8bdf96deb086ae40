import { beatsOf } from '@self-healing/schemas';
import { createSequenceMachine } from './sequenceMachine.js';

/**
 * The stage machines built so far. Each follows its sequence contract beat for beat; a stage is listed here
 * only once its service has a real handler for every beat (the conformance test checks both).
 * Bump a version whenever its machine changes: runners then rebuild cached states from the event log.
 */
export const telemetryParseMachine = createSequenceMachine(
  { id: 'telemetry.parse', beats: beatsOf('telemetry.parse') },
  {
    triggers: ['ParseTelemetryCommand'],
    rejected: 'TelemetryParseRejected',
    failed: 'TelemetryParseFailed',
  },
);

export const anomalyDetectMachine = createSequenceMachine(
  { id: 'anomaly.detect', beats: beatsOf('anomaly.detect') },
  {
    // On request from an operator, or automatically when a parse run completes.
    triggers: ['DetectAnomaliesCommand', 'TelemetryParseCompleted'],
    rejected: 'AnomalyDetectionRejected',
    failed: 'AnomalyDetectionFailed',
  },
);

export const stageMachines = {
  'telemetry.parse': { machine: telemetryParseMachine, version: 'telemetry.parse/1' },
  'anomaly.detect': { machine: anomalyDetectMachine, version: 'anomaly.detect/1' },
} as const;
