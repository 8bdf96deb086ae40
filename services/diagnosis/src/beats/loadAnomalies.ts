import type { FindingKind } from '@self-healing/schemas';
import type { DiagnoseBeat } from '../service/deps.js';

const KINDS: FindingKind[] = ['performance', 'behavioral', 'coverage', 'error'];

/**
 * Beat 2. The incident's findings (from the case file) and its history: earlier incidents of the same service
 * about the same subjects, and how many of them a patch fixed.
 */
export const loadAnomalies: DiagnoseBeat<'loadAnomalies'> = async ({ runId }, deps) => {
  const c = await deps.caseOf(runId);
  const byKind = Object.fromEntries(KINDS.map((k) => [k, c.findings.filter((f) => f.kind === k).length]));
  const subjects = [...new Set(c.findings.map((f) => f.subject))];
  const related = await deps.db
    .collection<{ _id: string; status?: string; resolution?: string | null }>('anomaly_incidents')
    .find({ _id: { $ne: c.incidentId }, service: { $in: c.services }, subjects: { $in: subjects } })
    .project<{ _id: string; status?: string; resolution?: string | null }>({
      _id: 1,
      status: 1,
      resolution: 1,
    })
    .limit(50)
    .toArray();
  return {
    event: {
      type: 'AnomaliesLoaded',
      payload: {
        findingIds: c.findings.map((f) => f.id),
        findingsByKind: byKind,
        services: c.services,
        timeRange: c.timeRange,
        severity: c.severity,
        relatedIncidentIds: related.map((r) => r._id).sort(),
        previousFixes: related.filter((r) => r.resolution === 'fixed').length,
      },
    },
  };
};
