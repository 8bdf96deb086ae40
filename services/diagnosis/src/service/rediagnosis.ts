import type { Db } from 'mongodb';
import type { Finding, PayloadOf } from '@self-healing/schemas';
import type { StageEvent } from '@self-healing/shared';
import type { IncidentSnapshot } from './trigger.js';
import { recommendedOf, type FixRecommendation } from '../diagnose/remedies.js';

/**
 * Whether some diagnosis of the incident already handed a remedy to the machines (its fix is then generated,
 * validated and deployed, or being so): a second diagnosis would start a second pull request for one incident.
 * Read from the stored diagnoses, which are written before the diagnosis is announced.
 */
export async function remedyHandedOn(db: Db, incidentId: string): Promise<boolean> {
  const stored = await db
    .collection<{ incidentId: string; recommendations?: FixRecommendation[] }>('diagnoses')
    .find({ incidentId })
    .project<{ recommendations?: FixRecommendation[] }>({ recommendations: 1 })
    .toArray();
  return stored.some((d) => recommendedOf(d.recommendations ?? []) !== null);
}

/**
 * Whether an incident event may start a diagnosis (the stage's `admits`). An opening always may. A reopening, or an
 * update bringing subjects the incident had not had, may once the diagnoses before found nothing a machine could
 * try: the new evidence may name the cause they missed (a slowdown seen first on the request's completion line,
 * then on the step that causes it). Commands are judged by the first beat, which says why it refuses one.
 */
export async function admitsDiagnosis(db: Db, event: StageEvent): Promise<boolean> {
  switch (event.meta.type) {
    case 'IncidentUpdated': {
      const p = event.payload as PayloadOf<'IncidentUpdated'>;
      if ((p.newSubjects ?? []).length === 0) return false;
      return !(await remedyHandedOn(db, p.incidentId));
    }
    case 'IncidentReopened':
      return !(await remedyHandedOn(db, event.meta.incidentId));
    default:
      return true;
  }
}

/**
 * The incident to diagnose again after an update: all its findings as anomaly-detect stored them, the update's own
 * included even where the store is not yet written (the event and the store are two writes), else those the
 * previous diagnosis had. Versioned by the update's place in the incident's stream, so it names a new diagnosis.
 */
export function widenedIncident(
  update: { payload: PayloadOf<'IncidentUpdated'>; seq: number },
  stored: IncidentSnapshot | null,
  previousFindings: readonly Finding[],
): IncidentSnapshot {
  const byId = new Map<string, Finding>();
  for (const f of [...previousFindings, ...(stored?.findings ?? []), ...update.payload.newFindings])
    byId.set(f.id, f);
  const findings = [...byId.values()].sort((a, b) => a.since - b.since || a.id.localeCompare(b.id));
  const p = update.payload;
  return {
    incidentId: p.incidentId,
    version: update.seq,
    severity: p.severity,
    services: [...new Set([...p.services, ...(stored?.services ?? [])])].sort(),
    timeRange: {
      from: Math.min(p.timeRange.from, ...findings.map((f) => f.since)),
      until: Math.max(p.timeRange.until, ...findings.map((f) => f.at + 1)),
    },
    findings,
    parseRunIds: stored?.parseRunIds ?? [],
  };
}
