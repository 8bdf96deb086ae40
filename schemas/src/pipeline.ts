import type { EventType } from './events.js';
import type { SequenceId } from './sequences.js';
import type { TopicName } from './topics.js';
import { topicNames } from './topics.js';

export interface StageContract {
  readonly sequenceId: SequenceId;
  /** The stage's own topic, where all its events go. */
  readonly topic: TopicName;
  /** First beat's event (request accepted) and last beat's event (run complete). */
  readonly requested: EventType;
  readonly completed: EventType;
  /** Ends a run at the first beat: the request was refused. */
  readonly rejected: EventType;
  /** Ends a run at any beat: the beat was given up on. */
  readonly failed: EventType;
  /** Events that start a run: an upstream stage's output or a command. */
  readonly triggers: readonly EventType[];
  /** Outside events a running run waits for: exactly those its beats' `waits` name. */
  readonly awaits: readonly EventType[];
  /** Emitted when a beat ends in a wait (only stages with a beat that waits have one). */
  readonly waiting?: EventType;
  /** Topics the stage's consumer subscribes to. */
  readonly consumes: readonly TopicName[];
  /**
   * Runs one incident may have (default 1). The stages after diagnosis run again for the next candidate fix (a
   * failed validation, a rollback, a fix that changed nothing start the fix stage's next round, whose patch starts
   * the next rounds downstream). Deployment and learning spend up to two rounds per candidate (the fix, then its
   * rollback run or the refusal to track one), so the cap sits well above twice fix.generate's largest MAX_ATTEMPTS;
   * it only stops a loop, and a trigger past it starts nothing.
   */
  readonly rounds?: number;
}

/** Rounds of the stages that run again for the next candidate (see StageContract.rounds). */
const CANDIDATE_ROUNDS = 24;

/**
 * Diagnoses one incident may have: the first, then one more each time new evidence (an update with subjects the
 * incident had not had, a reopening) arrives while no earlier diagnosis of it found a remedy a machine may try.
 * The diagnosis service admits only those triggers (its `admits`), so the cap only stops a loop.
 */
const DIAGNOSIS_ROUNDS = 6;

/**
 * How the stages are wired: what starts each one and how each ends. telemetry.parse and anomaly.detect runs
 * are keyed by run id (a detection run triggered by TelemetryParseCompleted derives its id from the parse run's),
 * the others by incident id.
 */
export const pipeline = [
  {
    sequenceId: 'telemetry.parse',
    topic: topicNames.telemetryParseEvents,
    requested: 'TelemetryParseRequested',
    completed: 'TelemetryParseCompleted',
    rejected: 'TelemetryParseRejected',
    failed: 'TelemetryParseFailed',
    triggers: ['ParseTelemetryCommand'],
    awaits: [],
    consumes: [topicNames.commands],
  },
  {
    sequenceId: 'anomaly.detect',
    topic: topicNames.anomalyDetectEvents,
    requested: 'AnomalyDetectionRequested',
    completed: 'AnomalyDetectionCompleted',
    rejected: 'AnomalyDetectionRejected',
    failed: 'AnomalyDetectionFailed',
    // A verdict on an incident is a detection run too (keyed by the verdict's event id, examining no telemetry):
    // the anomaly-detect service is the incidents topic's sole writer and its reducer's state is one document, so
    // dismissing an incident, or resolving it as fixed when learning.track says so, goes through the same runs.
    triggers: [
      'TelemetryParseCompleted',
      'DetectAnomaliesCommand',
      'DismissIncidentCommand',
      'EffectivenessTrackingCompleted',
    ],
    awaits: [],
    // Detection runs take the detectors' memory in turn: a run that finds it held waits (see loadTelemetryData).
    waiting: 'AnomalyDetectionWaiting',
    consumes: [topicNames.telemetryParseEvents, topicNames.learningTrackEvents, topicNames.commands],
  },
  {
    sequenceId: 'diagnosis.analyze',
    topic: topicNames.diagnosisAnalyzeEvents,
    requested: 'DiagnosisRequested',
    completed: 'DiagnosisCompleted',
    rejected: 'DiagnosisRejected',
    failed: 'DiagnosisFailed',
    // An update starts a diagnosis only with new subjects and while no earlier diagnosis of the incident handed a
    // remedy on (see DIAGNOSIS_ROUNDS): a slowdown first seen on the request's completion line and, a minute later,
    // on the step that causes it was diagnosed on the first alone, and the step was never looked at.
    triggers: ['IncidentOpened', 'IncidentReopened', 'IncidentUpdated', 'AnalyzeIncidentCommand'],
    awaits: [],
    consumes: [topicNames.incidents, topicNames.commands],
    rounds: DIAGNOSIS_ROUNDS,
  },
  {
    sequenceId: 'fix.generate',
    topic: topicNames.fixGenerateEvents,
    requested: 'FixGenerationRequested',
    completed: 'FixGenerationCompleted',
    rejected: 'FixGenerationRejected',
    failed: 'FixGenerationFailed',
    triggers: ['DiagnosisCompleted', 'GenerateFixCommand'],
    awaits: [],
    consumes: [topicNames.diagnosisAnalyzeEvents, topicNames.commands],
    rounds: CANDIDATE_ROUNDS,
  },
  {
    sequenceId: 'validation.run',
    topic: topicNames.validationRunEvents,
    requested: 'ValidationRequested',
    completed: 'ValidationCompleted',
    rejected: 'ValidationRejected',
    failed: 'ValidationFailed',
    triggers: ['FixGenerationCompleted', 'ValidateFixCommand'],
    awaits: [],
    consumes: [topicNames.fixGenerateEvents, topicNames.commands],
    rounds: CANDIDATE_ROUNDS,
  },
  {
    sequenceId: 'deployment.deploy',
    topic: topicNames.deploymentDeployEvents,
    requested: 'DeploymentRequested',
    completed: 'DeploymentCompleted',
    rejected: 'DeploymentRejected',
    failed: 'DeploymentFailed',
    triggers: ['ValidationCompleted', 'DeployFixCommand', 'RollbackDeploymentCommand'],
    awaits: ['ApproveDeploymentCommand', 'RejectDeploymentCommand'],
    waiting: 'DeploymentWaiting',
    consumes: [topicNames.validationRunEvents, topicNames.commands],
    rounds: CANDIDATE_ROUNDS,
  },
  {
    sequenceId: 'learning.track',
    topic: topicNames.learningTrackEvents,
    requested: 'EffectivenessTrackingRequested',
    completed: 'EffectivenessTrackingCompleted',
    rejected: 'EffectivenessTrackingRejected',
    failed: 'EffectivenessTrackingFailed',
    triggers: ['DeploymentCompleted', 'TrackEffectivenessCommand'],
    awaits: [],
    waiting: 'EffectivenessTrackingWaiting',
    consumes: [topicNames.deploymentDeployEvents, topicNames.commands],
    rounds: CANDIDATE_ROUNDS,
  },
] as const satisfies readonly StageContract[];

/** A stage's contract with its literal types (trigger and ending event names). */
export type StageContractOf<S extends SequenceId> = Extract<(typeof pipeline)[number], { sequenceId: S }>;

export function stageContract<S extends SequenceId>(sequenceId: S): StageContractOf<S> & StageContract {
  const found = pipeline.find((s): s is StageContractOf<S> => s.sequenceId === sequenceId);
  if (!found) throw new Error(`no stage ${sequenceId}`);
  return found;
}
