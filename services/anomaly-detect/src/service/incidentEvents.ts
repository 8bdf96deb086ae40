import type { Finding, PayloadOf, Severity } from '@self-healing/schemas';
import { buildEvent, outsideBeatMeta } from '@self-healing/shared';
import {
  applyVerdict,
  evolve,
  type Incident,
  type EvolveResult,
  type IncidentReducerState,
  type Verdict,
} from '../incidents/index.js';
import type { PlannedEvent } from './deps.js';

export type IncidentAction = 'open' | 'update' | 'reopen' | 'resolve';

/** A verdict as the detection run's request carries it (AnomalyDetectionRequested.verdict). */
export type RequestedVerdict = NonNullable<PayloadOf<'AnomalyDetectionRequested'>['verdict']>;

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
  /** A verdict run: the verdict alone decides (no findings, no quiet-period resolutions on its clock). */
  verdict?: { given: RequestedVerdict; suppressForMs: number } | null;
}

/** What a verdict run does to the incidents, in the shape of a findings run's evolution. */
function verdictEvolution(
  before: IncidentReducerState,
  v: NonNullable<IncidentPlanInput['verdict']>,
): EvolveResult & { note: string | null } {
  const verdict: Verdict = {
    incidentId: v.given.incidentId,
    action: v.given.action,
    at: v.given.at,
    suppressForMs: v.given.suppressForMs ?? v.suppressForMs,
  };
  const r = applyVerdict(before, verdict);
  const touched = r.incident && r.action !== 'none' ? [r.incident] : [];
  return {
    state: r.state,
    opened: [],
    updated: [],
    reopened: r.action === 'reopen' ? touched : [],
    resolved: r.action === 'resolve' ? touched : [],
    quieted: 0,
    note: r.note,
  };
}

/**
 * What this run's findings do to the incidents: which open, update, reopen or resolve, the incidents' state after
 * the run, and the lifecycle event of each, numbered on from the incident's last one. Pure.
 */
export function planIncidents(p: IncidentPlanInput) {
  const evolved = p.verdict
    ? verdictEvolution(p.before, p.verdict)
    : { ...evolve(p.before, p.findings, p.now), note: null };
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
      previousSubjects: p.before.incidents[incident.id]?.subjects ?? [],
      seq,
      findingsById,
      parseRunIds: p.parseRunIds,
      runId: p.runId,
      topic: p.topic,
      producer: p.producer,
      now: p.now,
      verdict: p.verdict?.given ?? null,
    });
  });
  return {
    state: evolved.state,
    touched,
    planned,
    incidentSeq,
    findingsById,
    quieted: evolved.quieted,
    // What a verdict run did, or why it announced nothing (an unknown incident): its record says it.
    note: evolved.note,
  };
}

export interface IncidentEventInput {
  incident: Incident;
  action: IncidentAction;
  /** The incident's severity before this run (for an update): what subscribers compare against. */
  previousSeverity: Severity | null;
  /** The incident's subjects before this run (for an update): what a diagnosis made before may have seen. */
  previousSubjects: readonly string[];
  seq: number;
  /** This run's findings by id: an event carries the incident's findings this run found. */
  findingsById: ReadonlyMap<string, Finding>;
  parseRunIds: readonly string[];
  runId: string;
  topic: string;
  producer: string;
  /** Event time of the run (the newest window end or finding): replaying the same input decides the same. */
  now: number;
  /** The verdict this run applies, if it is a verdict run: who resolved the incident, and with what. */
  verdict?: RequestedVerdict | null;
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
        newSubjects: newSubjectsOf(findings, i.previousSubjects),
      } satisfies PayloadOf<'IncidentUpdated'>,
    }),
    reopen: () => ({
      type: 'IncidentReopened',
      payload: {
        incidentId: incident.id,
        previousResolution: incident.resolution ?? 'recovered',
        severity: incident.severity,
        services: [incident.service],
        timeRange,
        findings,
        reopenCount: incident.reopenCount,
        detectionRunId: runId,
      } satisfies PayloadOf<'IncidentReopened'>,
    }),
    resolve: () => ({ type: 'IncidentResolved', payload: resolvedPayload(incident, i.verdict ?? null, now) }),
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

/**
 * The subjects this update brings that the incident had none of: a later step of the same slowdown, another error
 * of the same fault. Diagnosis looks again at an incident it could give no automatable remedy for when these appear.
 */
export function newSubjectsOf(findings: readonly Finding[], previous: readonly string[]): string[] {
  const known = new Set(previous);
  return [...new Set(findings.map((f) => f.subject).filter((s) => !known.has(s)))].sort();
}

/** Why and by whom the incident closed: quiet long enough, fixed (learning.track's verdict), or dismissed. */
function resolvedPayload(
  incident: Incident,
  verdict: RequestedVerdict | null,
  now: number,
): PayloadOf<'IncidentResolved'> {
  const openForMs = (incident.resolvedAt ?? now) - incident.openedAt;
  const resolution = incident.resolution ?? 'recovered';
  if (resolution === 'recovered' || !verdict)
    return {
      incidentId: incident.id,
      resolution: 'recovered',
      reason: `no finding for ${Math.round((now - incident.lastSeen) / 60_000)} min`,
      resolvedBy: 'anomaly.detect',
      patchId: null,
      deploymentId: null,
      pullRequestUrl: null,
      improvementScore: null,
      openForMs,
    };
  return {
    incidentId: incident.id,
    resolution,
    reason: verdict.reason,
    resolvedBy: verdict.by,
    patchId: verdict.patchId ?? null,
    deploymentId: verdict.deploymentId ?? null,
    pullRequestUrl: verdict.pullRequestUrl ?? null,
    improvementScore: verdict.improvementScore ?? null,
    openForMs,
  };
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
