import { maxOf } from '@self-healing/shared';
import type { DetectBeat } from '../service/deps.js';
import { planIncidents } from '../service/incidentEvents.js';

/**
 * Beat 7. Reads the four detectors' staged findings and the open incidents; decides per incident: open, update,
 * reopen, or resolve what went quiet; stages the plan (new incident state and lifecycle events) for beats 8 and 9.
 */
export const aggregateAnomalyResults: DetectBeat<'aggregateAnomalyResults'> = async (
  { runId, earlier },
  deps,
) => {
  const r = earlier.AnomalyDetectionRequested;
  const mem = await deps.memoryBefore(runId);
  const outcomes = await Promise.all(
    (['performance', 'behavioral', 'coverage', 'errors'] as const).map((s) => deps.staged(runId, s)),
  );
  const all = outcomes.flatMap((o) => o.findings);
  const unique = [...new Map(all.map((f) => [f.id, f])).values()];
  // Event time, not wall-clock time: replaying the same input decides the same way.
  const aggregates = await deps.aggregates(runId, r);
  // A verdict run's time is the verdict's; it examined no telemetry.
  const now = r.verdict
    ? r.verdict.at
    : Math.max(0, maxOf(aggregates.map((a) => a.windowStart + a.windowMs)), maxOf(unique.map((f) => f.at)));
  const plan = planIncidents({
    before: mem.incidents,
    incidentSeq: mem.incidentSeq,
    findings: unique,
    now,
    parseRunIds: r.parseRunIds,
    runId,
    topic: deps.topics.incidents,
    producer: deps.producer,
    verdict: r.verdict ? { given: r.verdict, suppressForMs: deps.settings.dismissSuppressMs } : null,
  });
  const { state, incidentSeq, planned, touched, findingsById: byId, quieted, note } = plan;
  await deps.chunks.write(runId, 'incidents', [{ state, incidentSeq, planned, findings: unique }]);
  return {
    event: {
      type: 'AnomalyResultsAggregated',
      payload: {
        groups: touched.map(({ incident, action }) => ({
          fingerprint: incident.signature,
          incidentId: incident.id,
          action,
          title: incident.summary,
          severity: incident.severity,
          kinds: incident.kinds,
          services: [incident.service],
          findingIds: incident.findingIds.filter((id) => byId.has(id)),
          since: incident.openedAt,
          at: incident.lastSeen,
        })),
        findings: unique.length,
        // Duplicates across detectors, and findings a dismissed incident keeps quiet.
        suppressed: all.length - unique.length + quieted,
        verdictNote: note,
      },
    },
  };
};
