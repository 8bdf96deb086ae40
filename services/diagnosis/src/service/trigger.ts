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

/**
 * Deterministic per incident, version and round: a redelivered trigger names the same diagnosis, and a later round
 * (two commands on an unchanged incident) a new one. The first round's ids are those made before rounds existed.
 */
export function diagnosisIdOf(incidentId: string, version: number, round = 1): string {
  const key = round <= 1 ? `${incidentId}\u0000${version}` : `${incidentId}\u0000${version}\u0000${round}`;
  return `dg-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

/** The incident an IncidentOpened or IncidentReopened carries in full; null for other events. */
export function incidentFromEvent(cause: StageEvent): IncidentSnapshot | null {
  if (cause.meta.type !== 'IncidentOpened' && cause.meta.type !== 'IncidentReopened') return null;
  const p = cause.payload as PayloadOf<'IncidentOpened'> | PayloadOf<'IncidentReopened'>;
  return {
    incidentId: p.incidentId,
    version: cause.meta.seq,
    severity: p.severity,
    services: p.services,
    timeRange: p.timeRange,
    findings: p.findings,
    // A reopening names no parse runs: the events of the incident are then found by service and time, whichever
    // runs stored them.
    parseRunIds: 'parseRunIds' in p ? p.parseRunIds : [],
  };
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
