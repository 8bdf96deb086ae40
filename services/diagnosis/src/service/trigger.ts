import { createHash } from 'node:crypto';
import type { Finding, PayloadOf } from '@self-healing/schemas';
import type { StageEvent } from '@self-healing/shared';

export interface Reason {
  code: string;
  message: string;
  field: string | null;
}

/** What a diagnosis starts from: the incident as its opening (or reopening) event, or as the projection has it. */
export interface IncidentSnapshot {
  incidentId: string;
  version: number;
  severity: PayloadOf<'IncidentOpened'>['severity'];
  services: string[];
  timeRange: { from: number; until: number };
  findings: Finding[];
  parseRunIds: string[];
}

/** Deterministic per incident and version: a redelivered trigger names the same diagnosis. */
export function diagnosisIdOf(incidentId: string, version: number): string {
  return `dg-${createHash('sha256').update(`${incidentId}\u0000${version}`).digest('hex').slice(0, 16)}`;
}

/** The incident an IncidentOpened or IncidentReopened carries in full; null for other events. */
export function incidentFromEvent(cause: StageEvent): IncidentSnapshot | null {
  if (cause.meta.type === 'IncidentOpened') {
    const p = cause.payload as PayloadOf<'IncidentOpened'>;
    return {
      incidentId: p.incidentId,
      version: cause.meta.seq,
      severity: p.severity,
      services: p.services,
      timeRange: p.timeRange,
      findings: p.findings,
      parseRunIds: p.parseRunIds,
    };
  }
  if (cause.meta.type === 'IncidentReopened') {
    const p = cause.payload as PayloadOf<'IncidentReopened'>;
    return {
      incidentId: p.incidentId,
      version: cause.meta.seq,
      severity: p.severity,
      services: p.services,
      timeRange: p.timeRange,
      findings: p.findings,
      // The reopening detection run read the parse runs of its findings' time range; the events of the incident are
      // found by service and time, whichever run stored them.
      parseRunIds: [],
    };
  }
  return null;
}

/** Why an incident cannot be diagnosed, or null when it can. */
export function refusal(incident: IncidentSnapshot, knownService: boolean): Reason[] | null {
  const reasons: Reason[] = [];
  if (incident.findings.length === 0)
    reasons.push({
      code: 'no-findings',
      message: `incident ${incident.incidentId} carries no findings`,
      field: 'findings',
    });
  if (!knownService)
    reasons.push({
      code: 'service-not-in-catalogue',
      message: `no service of incident ${incident.incidentId} (${incident.services.join(', ') || 'none'}) is in the service catalogue: there is no code to look at`,
      field: 'services',
    });
  return reasons.length > 0 ? reasons : null;
}
