import { insertOnce } from '@self-healing/shared';
import type { PayloadOf } from '@self-healing/schemas';
import type { CaseFile, DiagnoseBeat } from '../service/deps.js';
import { diagnosisIdOf, incidentFromEvent, refusal, type IncidentSnapshot } from '../service/trigger.js';
import { incidentFromStore } from '../service/incidentStore.js';
import { remedyHandedOn, widenedIncident } from '../service/rediagnosis.js';

/**
 * Beat 1. Accepts an incident for diagnosis: from its opening or reopening event (which carry the findings in full),
 * from an update that brought new subjects (the incident as stored, all findings; see `admitsDiagnosis`), or from
 * `healctl diagnose <incident>` (the incident as anomaly-detect stored it). A later round is refused while an
 * earlier diagnosis's remedy is with the machines. Writes the case file once: a redelivered trigger, or this beat
 * run again after a crash, finds the first copy and says the same.
 */
export const analyzeRequested: DiagnoseBeat<'analyzeRequested'> = async (
  { runId, incidentId, round, cause },
  deps,
) => {
  const existing = await deps.cases.findOne({ _id: runId });
  if (!existing && round > 1 && (await remedyHandedOn(deps.db, incidentId)))
    return rejected(cause, [
      {
        code: 'remedy-under-way',
        message: `an earlier diagnosis of incident ${incidentId} handed a remedy to fix.generate: its fix goes on, and a second diagnosis would start a second one`,
        field: null,
      },
    ]);
  let incident: IncidentSnapshot | null = existing ? snapshotOf(existing) : incidentFromEvent(cause);
  if (!incident && cause.meta.type === 'IncidentUpdated') {
    const earlier = await deps.cases.find({ incidentId }).toArray();
    incident = widenedIncident(
      { payload: cause.payload as PayloadOf<'IncidentUpdated'>, seq: cause.meta.seq },
      await incidentFromStore(deps.db, incidentId),
      earlier.flatMap((c) => c.findings),
    );
  }
  if (!incident && cause.meta.type === 'AnalyzeIncidentCommand') {
    const p = cause.payload as PayloadOf<'AnalyzeIncidentCommand'>;
    incident = await incidentFromStore(deps.db, p.incidentId);
    if (!incident)
      return rejected(cause, [
        { code: 'unknown-incident', message: `no incident ${p.incidentId} is known`, field: 'incidentId' },
      ]);
  }
  if (!incident)
    return rejected(cause, [
      { code: 'unexpected-trigger', message: `${cause.meta.type} cannot start a diagnosis`, field: null },
    ]);
  const refused = refusal(incident, deps.serviceEntry(incident.services) !== null);
  if (refused) return rejected(cause, refused);
  const diagnosisId = diagnosisIdOf(incident.incidentId, incident.version, round);
  if (!existing) {
    const file: CaseFile = {
      _id: runId,
      incidentId: incident.incidentId,
      diagnosisId,
      incidentVersion: incident.version,
      severity: incident.severity,
      services: incident.services,
      timeRange: incident.timeRange,
      parseRunIds: incident.parseRunIds,
      findings: incident.findings,
    };
    // Insert-to-win: of two attempts racing (a rebalance), the first case file stands and both read it.
    await insertOnce(deps.cases, file);
  }
  const command = cause.meta.type === 'AnalyzeIncidentCommand';
  const requestedBy = command
    ? (cause.payload as PayloadOf<'AnalyzeIncidentCommand'>).requestedBy
    : 'stage:anomaly.detect';
  return {
    event: {
      type: 'DiagnosisRequested',
      payload: {
        incidentId: incident.incidentId,
        diagnosisId,
        incidentVersion: incident.version,
        trigger: command ? 'command' : 'upstream_event',
        requestedBy,
      },
    },
  };
};

function snapshotOf(c: CaseFile): IncidentSnapshot {
  return {
    incidentId: c.incidentId,
    version: c.incidentVersion,
    severity: c.severity,
    services: c.services,
    timeRange: c.timeRange,
    findings: c.findings,
    parseRunIds: c.parseRunIds,
  };
}

function rejected(
  cause: { meta: { type: string; eventId: string } },
  reasons: Array<{ code: string; message: string; field: string | null }>,
) {
  return {
    event: {
      type: 'DiagnosisRejected' as const,
      payload: { reasons, commandType: cause.meta.type, commandId: cause.meta.eventId },
    },
  };
}
