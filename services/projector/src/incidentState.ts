import type { IncidentState } from '@self-healing/schemas';
import type { IncidentDoc } from './evolve.js';

type Opened = {
  title: string;
  severity: IncidentState['severity'];
  kinds: IncidentState['kinds'];
  services: string[];
  timeRange: { from: number; until: number };
  findings: unknown[];
};

/**
 * The current state of an incident as other teams read it from the compacted incidents.state topic. Only
 * documents of real incidents (opened by anomaly.detect) have one; parse and detection runs do not.
 */
export function toIncidentState(doc: IncidentDoc): IncidentState | null {
  const opened = doc.outputs.IncidentOpened as Opened | undefined;
  if (!opened) return null;
  const updated = doc.outputs.IncidentUpdated as (Partial<Opened> & { findingCount?: number }) | undefined;
  const reopened = doc.outputs.IncidentReopened as (Partial<Opened> & { reopenCount?: number }) | undefined;
  const resolved = doc.outputs.IncidentResolved as { resolution: IncidentState['resolution'] } | undefined;
  const last = doc.timeline.at(-1)!;
  const resolvedEntry = [...doc.timeline].reverse().find((t) => t.event === 'IncidentResolved');
  const latest = { ...opened, ...(updated ?? {}), ...(reopened ?? {}) };
  return {
    incidentId: doc._id,
    version: doc.version,
    status: doc.status === 'resolved' ? 'resolved' : 'open',
    title: opened.title,
    severity: latest.severity ?? opened.severity,
    kinds: latest.kinds ?? opened.kinds,
    services: latest.services ?? opened.services,
    timeRange: latest.timeRange ?? opened.timeRange,
    findingCount: updated?.findingCount ?? opened.findings.length,
    openedAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    resolvedAt: doc.status === 'resolved' ? (resolvedEntry?.endedAt ?? null) : null,
    resolution: doc.status === 'resolved' ? (resolved?.resolution ?? null) : null,
    stage: doc.stage,
    lastEventType: last.event,
    lastEventId: last.eventId,
    diagnosisId: null,
    patchId: null,
    deploymentId: null,
    pullRequestUrl: null,
    reopenCount: reopened?.reopenCount ?? 0,
  };
}
