import { payloadLimits } from '@self-healing/schemas';
import type { ParseBeat } from '../service/deps.js';

/** Beat 7. Hands the run's aggregates to detection (capped inline; the rest is in MongoDB) and cleans up staging. */
export const parseTelemetryCompleted: ParseBeat<'parseTelemetryCompleted'> = async (
  { runId, earlier },
  deps,
) => {
  const { TelemetryParseRequested: requested, TelemetryEventsExtracted: extracted } = earlier;
  const normalized = earlier.TelemetryDataNormalized;
  const aggregates = await deps.aggregatesOf(runId);
  const inline = aggregates.slice(0, payloadLimits.inlineAggregates);
  return {
    event: {
      type: 'TelemetryParseCompleted',
      payload: {
        runId,
        services: [...new Set(aggregates.map((a) => a.service))].sort(),
        timeRange: normalized.timeRange,
        windowMs: requested.windowMs,
        events: normalized.events,
        templates: extracted.templates,
        newTemplates: extracted.newTemplates,
        aggregates: inline,
        aggregateCount: aggregates.length,
        aggregatesComplete: inline.length === aggregates.length,
        run: { collection: 'telemetry_runs', id: runId },
      },
    },
    // Staging goes once the event is committed: a crash before the commit retries this beat, which needs it.
    afterCommit: async () => {
      deps.memo.drop(runId);
      await deps.staging.clear(runId);
    },
  };
};
