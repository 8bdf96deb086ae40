import type { Severity } from '@self-healing/schemas';
import type { DetectBeat } from '../service/deps.js';

const SEVERITY_ORDER: Severity[] = ['low', 'medium', 'high', 'critical'];

/** Beat 9. Reads the run's plan; announces the run, and publishes the incident lifecycle events with it. */
export const detectAnomaliesCompleted: DetectBeat<'detectAnomaliesCompleted'> = async ({ runId }, deps) => {
  const { planned, findings } = await deps.incidentPlan(runId);
  // The memory is stored and that beat committed: the next run may take it. Given back here rather than by the
  // store beat, which could still run again after a crash and overwrite what the next run stored.
  await deps.claims.release('detectors', runId);
  const ids = (type: string) => planned.filter((p) => p.event.meta.type === type).map((p) => p.key);
  const byKind: Record<string, number> = {};
  for (const f of findings) byKind[f.kind] = (byKind[f.kind] ?? 0) + 1;
  const severities = planned
    .filter((p) => p.event.meta.type !== 'IncidentResolved')
    .map((p) => (p.event.payload as { severity: Severity }).severity);
  const highest = severities.sort((a, b) => SEVERITY_ORDER.indexOf(b) - SEVERITY_ORDER.indexOf(a))[0] ?? null;
  return {
    event: {
      type: 'AnomalyDetectionCompleted',
      payload: {
        runId,
        findings: findings.length,
        findingsByKind: byKind,
        incidentsOpened: ids('IncidentOpened'),
        incidentsUpdated: ids('IncidentUpdated'),
        incidentsReopened: ids('IncidentReopened'),
        incidentsResolved: ids('IncidentResolved'),
        highestSeverity: highest,
      },
    },
    // In the same transaction as the run's last event: subscribers see both or neither.
    publish: planned,
    afterCommit: () => deps.finish(runId),
  };
};
