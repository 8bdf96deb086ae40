import type { Db } from 'mongodb';
import type { Finding } from '@self-healing/schemas';
import type { IncidentSnapshot } from './trigger.js';

/**
 * An incident as anomaly-detect stored it (`anomaly_incidents`, `anomaly_findings`), for a diagnosis requested by
 * command: the command names only the incident. Read-only; anomaly-detect is the only writer of both collections.
 */
export async function incidentFromStore(db: Db, incidentId: string): Promise<IncidentSnapshot | null> {
  const doc = await db
    .collection<{
      _id: string;
      version?: number;
      severity: IncidentSnapshot['severity'];
      service: string;
      openedAt: number;
      lastSeen: number;
      findingIds: string[];
    }>('anomaly_incidents')
    .findOne({ _id: incidentId });
  if (!doc) return null;
  const findings = (await db
    .collection<Finding & { _id: string }>('anomaly_findings')
    .find({ _id: { $in: doc.findingIds } })
    .toArray()) as Array<Finding & { _id: string; runId?: string }>;
  const clean: Finding[] = findings
    .map(({ _id, runId: _run, ...f }) => ({ ...f, id: f.id ?? _id }))
    .sort((a, b) => a.since - b.since || a.id.localeCompare(b.id));
  const services = [...new Set([doc.service, ...clean.map((f) => f.service)])].sort();
  return {
    incidentId,
    version: doc.version ?? 0,
    severity: doc.severity,
    services,
    timeRange: {
      from: Math.min(doc.openedAt, ...clean.map((f) => f.since)),
      until: Math.max(doc.lastSeen, ...clean.map((f) => f.at)) + 1,
    },
    findings: clean,
    parseRunIds: [],
  };
}
