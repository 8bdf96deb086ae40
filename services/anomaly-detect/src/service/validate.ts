import type { FindingKind, PayloadOf } from '@self-healing/schemas';
import type { StageEvent } from '@self-healing/shared';

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
      },
    };
  }
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
    },
  };
}
