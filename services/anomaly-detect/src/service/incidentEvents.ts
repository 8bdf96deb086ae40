import type { Finding, PayloadOf, Severity } from '@self-healing/schemas';
import { buildEvent, outsideBeatMeta } from '@self-healing/shared';
import { evolve, type Incident, type IncidentReducerState } from '../incidents/index.js';
import type { PlannedEvent } from './deps.js';

export type IncidentAction = 'open' | 'update' | 'reopen' | 'resolve';

export interface IncidentPlanInput {
  /** The open incidents before this run, and the last seq published per incident. */
  before: IncidentReducerState;
  incidentSeq: Readonly<Record<string, number>>;
  /** This run's findings, without duplicates. */
  findings: readonly Finding[];
  now: number;
  parseRunIds: readonly string[];
  runId: string;
  topic: string;
  producer: string;
}

/**
 * What this run's findings do to the incidents: which open, update, reopen or resolve, the incidents' state after
 * the run, and the lifecycle event of each, numbered on from the incident's last one. Pure.
 */
export function planIncidents(p: IncidentPlanInput) {
  const evolved = evolve(p.before, p.findings, p.now);
  const touched: Array<{ incident: Incident; action: IncidentAction }> = [
    ...evolved.opened.map((incident) => ({ incident, action: 'open' as const })),
    ...evolved.updated.map((incident) => ({ incident, action: 'update' as const })),
    ...evolved.reopened.map((incident) => ({ incident, action: 'reopen' as const })),
    ...evolved.resolved.map((incident) => ({ incident, action: 'resolve' as const })),
  ];
  const findingsById = new Map(p.findings.map((f) => [f.id, f]));
  const incidentSeq = { ...p.incidentSeq };
  const planned: PlannedEvent[] = touched.map(({ incident, action }) => {
    const seq = (incidentSeq[incident.id] ?? 0) + 1;
    incidentSeq[incident.id] = seq;
    return incidentEvent({
      incident,
      action,
      previousSeverity: p.before.incidents[incident.id]?.severity ?? null,
      seq,
      findingsById,
      parseRunIds: p.parseRunIds,
      runId: p.runId,
      topic: p.topic,
      producer: p.producer,
      now: p.now,
    });
  });
  return { state: evolved.state, touched, planned, incidentSeq, findingsById };
}

export interface IncidentEventInput {
  incident: Incident;
  action: IncidentAction;
  /** The incident's severity before this run (for an update): what subscribers compare against. */
  previousSeverity: Severity | null;
  seq: number;
  /** This run's findings by id: an event carries the incident's findings this run found. */
  findingsById: ReadonlyMap<string, Finding>;
  parseRunIds: readonly string[];
  runId: string;
  topic: string;
  producer: string;
  /** Event time of the run (the newest window end or finding): replaying the same input decides the same. */
  now: number;
}

/** The public lifecycle event of one incident this run touched, on the incidents topic. Pure. */
export function incidentEvent(i: IncidentEventInput): PlannedEvent {
  const { incident, runId, now } = i;
  const findings = incident.findingIds
    .map((id) => i.findingsById.get(id))
    .filter((f): f is Finding => f !== undefined)
    .slice(0, 500);
  const timeRange = { from: incident.openedAt, until: Math.max(incident.lastSeen, incident.openedAt) + 1 };
  const payloads = {
    open: () => ({
      type: 'IncidentOpened',
      payload: {
        incidentId: incident.id,
        fingerprint: incident.signature,
        title: incident.summary,
        severity: incident.severity,
        kinds: incident.kinds,
        services: [incident.service],
        timeRange,
        findings,
        detectionRunId: runId,
        parseRunIds: [...i.parseRunIds],
      } satisfies PayloadOf<'IncidentOpened'>,
    }),
    update: () => ({
      type: 'IncidentUpdated',
      payload: {
        incidentId: incident.id,
        severity: incident.severity,
        previousSeverity: i.previousSeverity ?? incident.severity,
        kinds: incident.kinds,
        services: [incident.service],
        timeRange,
        newFindings: findings,
        findingCount: incident.findingCount,
        detectionRunId: runId,
      } satisfies PayloadOf<'IncidentUpdated'>,
    }),
    reopen: () => ({
      type: 'IncidentReopened',
      payload: {
        incidentId: incident.id,
        previousResolution: 'recovered',
        severity: incident.severity,
        services: [incident.service],
        timeRange,
        findings,
        reopenCount: incident.reopenCount,
        detectionRunId: runId,
      } satisfies PayloadOf<'IncidentReopened'>,
    }),
    resolve: () => ({
      type: 'IncidentResolved',
      payload: {
        incidentId: incident.id,
        resolution: 'recovered',
        reason: `no finding for ${Math.round((now - incident.lastSeen) / 60_000)} min`,
        resolvedBy: 'anomaly.detect',
        patchId: null,
        deploymentId: null,
        pullRequestUrl: null,
        improvementScore: null,
        openForMs: (incident.resolvedAt ?? now) - incident.openedAt,
      } satisfies PayloadOf<'IncidentResolved'>,
    }),
  } as const;
  const { type, payload } = payloads[i.action]();
  const event = buildEvent(
    'incidents',
    { type, payload },
    outsideBeatMeta({
      incidentId: incident.id,
      seq: i.seq,
      correlationId: runId,
      occurredAt: now,
      producer: i.producer,
    }),
  );
  return { topic: i.topic, key: incident.id, event };
}

export function actionOf(type: string): IncidentAction | 'none' {
  return (
    (
      {
        IncidentOpened: 'open',
        IncidentUpdated: 'update',
        IncidentReopened: 'reopen',
        IncidentResolved: 'resolve',
      } as const
    )[type as 'IncidentOpened'] ?? 'none'
  );
}
