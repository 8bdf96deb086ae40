import type { FindingKind, PayloadOf } from '@self-healing/schemas';
import { deterministicId, type StageEvent } from '@self-healing/shared';

type Requested = PayloadOf<'AnomalyDetectionRequested'>;
export interface Reason {
  code: string;
  message: string;
  field: string | null;
}

const ALL_DETECTORS: FindingKind[] = ['performance', 'behavioral', 'coverage', 'error'];

/**
 * The first beat's decision. A detection run starts on an operator's command, or by itself when a parse run
 * completes (then its id is the parse run's, and it examines that run's aggregates).
 */
export function validateDetectionTrigger(
  cause: StageEvent,
  /** The run's id: the trigger's key, or for a verdict the id derived from it (see verdictRunId). */
  runId: string = cause.meta.incidentId,
): { ok: true; requested: Requested } | { ok: false; reasons: Reason[] } {
  if (cause.meta.type === 'TelemetryParseCompleted') {
    const p = cause.payload as PayloadOf<'TelemetryParseCompleted'>;
    if (p.events === 0) {
      return {
        ok: false,
        reasons: [
          {
            code: 'no-events',
            message: `parse run ${p.runId} produced no events to examine`,
            field: 'parseRunIds',
          },
        ],
      };
    }
    return {
      ok: true,
      requested: {
        runId: cause.meta.incidentId,
        parseRunIds: [p.runId],
        services: p.services,
        timeRange: p.timeRange,
        detectors: ALL_DETECTORS,
        trigger: 'upstream_event',
        requestedBy: `stage:telemetry.parse`,
        verdict: null,
      },
    };
  }
  if (cause.meta.type === 'DismissIncidentCommand' || cause.meta.type === 'EffectivenessTrackingCompleted')
    return verdictRun(runId, cause);
  if (cause.meta.type !== 'DetectAnomaliesCommand') {
    return {
      ok: false,
      reasons: [
        {
          code: 'unexpected-trigger',
          message: `${cause.meta.type} cannot start a detection run`,
          field: null,
        },
      ],
    };
  }
  const c = cause.payload as PayloadOf<'DetectAnomaliesCommand'>;
  const reasons: Reason[] = [];
  if (c.runId !== cause.meta.incidentId)
    reasons.push({
      code: 'run-id-mismatch',
      message: `runId ${c.runId} differs from the record key ${cause.meta.incidentId}`,
      field: 'runId',
    });
  if (c.parseRunIds.length === 0)
    reasons.push({
      code: 'no-parse-runs',
      message: 'name at least one parse run whose aggregates to examine',
      field: 'parseRunIds',
    });
  if (c.timeRange && !(c.timeRange.from < c.timeRange.until)) {
    reasons.push({
      code: 'bad-time-range',
      message: `time range ${c.timeRange.from}..${c.timeRange.until} is empty or reversed`,
      field: 'timeRange',
    });
  }
  if (reasons.length > 0) return { ok: false, reasons };
  return {
    ok: true,
    requested: {
      runId: c.runId,
      parseRunIds: [...new Set(c.parseRunIds)],
      services: c.services.map((s) => s.trim().toLowerCase()),
      timeRange: c.timeRange,
      detectors: c.detectors.length > 0 ? [...new Set(c.detectors)] : ALL_DETECTORS,
      trigger: 'command',
      requestedBy: c.requestedBy,
      verdict: null,
    },
  };
}

/** The events that carry a verdict on an incident rather than telemetry to examine. */
export const VERDICT_TRIGGERS = new Set(['DismissIncidentCommand', 'EffectivenessTrackingCompleted']);

/** A verdict's run has an id of its own (detection runs are keyed by run, not by incident). */
export function verdictRunId(cause: StageEvent): string {
  return deterministicId('incident-verdict', cause.meta.eventId);
}

const MAX_REASON = 500;

/**
 * A dismissal by an operator, or learning.track's judgement of a deployed fix: a run that examines no telemetry and
 * applies the verdict to the incident (resolved as dismissed or fixed, or re-opened when a fix did not hold).
 * A judgement that changes nothing the incidents topic says (an improvement that does not resolve it) is refused
 * with that reason, so the run's record says why nothing followed.
 */
function verdictRun(
  runId: string,
  cause: StageEvent,
): { ok: true; requested: Requested } | { ok: false; reasons: Reason[] } {
  const base = {
    runId,
    parseRunIds: [],
    services: [],
    timeRange: null,
    detectors: [],
    trigger:
      cause.meta.type === 'DismissIncidentCommand' ? ('command' as const) : ('upstream_event' as const),
  };
  const none = {
    suppressForMs: null,
    patchId: null,
    deploymentId: null,
    pullRequestUrl: null,
    improvementScore: null,
  };
  if (cause.meta.type === 'DismissIncidentCommand') {
    const c = cause.payload as PayloadOf<'DismissIncidentCommand'>;
    const reasons: Reason[] = [];
    if (!c.incidentId.trim())
      reasons.push({ code: 'no-incident', message: 'name the incident to dismiss', field: 'incidentId' });
    if (!c.reason.trim())
      reasons.push({ code: 'no-reason', message: 'say why the incident is not a problem', field: 'reason' });
    if (c.suppressForMs !== null && c.suppressForMs !== undefined && !(c.suppressForMs >= 0))
      reasons.push({
        code: 'bad-suppression',
        message: `suppressForMs must be >= 0, got ${c.suppressForMs}`,
        field: 'suppressForMs',
      });
    if (reasons.length > 0) return { ok: false, reasons };
    return {
      ok: true,
      requested: {
        ...base,
        requestedBy: c.requestedBy,
        verdict: {
          ...none,
          incidentId: c.incidentId.trim(),
          action: 'dismiss',
          reason: c.reason.trim().slice(0, MAX_REASON),
          by: c.requestedBy,
          at: cause.meta.occurredAt,
          suppressForMs: c.suppressForMs ?? null,
        },
      },
    };
  }
  const t = cause.payload as PayloadOf<'EffectivenessTrackingCompleted'>;
  const judged = {
    ...none,
    incidentId: cause.meta.incidentId,
    by: 'learning.track',
    at: cause.meta.occurredAt,
    patchId: t.patchId,
    deploymentId: t.deploymentId,
    pullRequestUrl: t.pullRequestUrl ?? null,
    improvementScore: t.improvementScore,
  };
  const requested = (action: 'fixed' | 'not_fixed', reason: string) => ({
    ok: true as const,
    requested: { ...base, requestedBy: 'stage:learning.track', verdict: { ...judged, action, reason } },
  });
  if (t.resolvesIncident)
    return requested(
      'fixed',
      `the fix (patch ${t.patchId}) brought the incident's series back: ${t.outcome}`,
    );
  if (t.outcome === 'regressed' || t.outcome === 'no_change')
    return requested('not_fixed', `the fix (patch ${t.patchId}) did not hold: ${t.outcome}`);
  return {
    ok: false,
    reasons: [
      {
        code: 'nothing-to-apply',
        message: `tracking ended ${t.outcome} without resolving the incident: nothing changes on the incidents topic`,
        field: null,
      },
    ],
  };
}
