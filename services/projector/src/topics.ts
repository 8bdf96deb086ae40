import type { TopicNames } from '@self-healing/shared';

/** The topics the projection is built from: every stage's events and the incidents topic. */
export function projectedTopicsOf(t: TopicNames): string[] {
  return [
    t.telemetryParseEvents,
    t.anomalyDetectEvents,
    t.diagnosisAnalyzeEvents,
    t.fixGenerateEvents,
    t.validationRunEvents,
    t.deploymentDeployEvents,
    t.learningTrackEvents,
    t.incidents,
  ];
}
