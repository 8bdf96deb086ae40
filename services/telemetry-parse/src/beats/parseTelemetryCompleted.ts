import { payloadLimits } from '@self-healing/schemas';
import { avroStringBytes, prefixWithinBytes } from '@self-healing/shared';
import type { ParseBeat } from '../service/deps.js';

/** Beat 7. Hands the run's aggregates to detection (capped inline; the rest is in MongoDB) and cleans up staging. */
export const parseTelemetryCompleted: ParseBeat<'parseTelemetryCompleted'> = async (
  { runId, earlier },
  deps,
) => {
  const { TelemetryParseRequested: requested, TelemetryEventsExtracted: extracted } = earlier;
  const normalized = earlier.TelemetryDataNormalized;
  const aggregates = await deps.aggregatesOf(runId);
  // Capped by count and by size: templates are up to a line long (64 Ki chars), and 500 of them would pass the
  // broker's message size. Half the event's budget goes to inline aggregates; the rest of them are in MongoDB.
  const inline = prefixWithinBytes(
    aggregates,
    (a) =>
      avroStringBytes(a.template) +
      avroStringBytes(a.templateId) +
      avroStringBytes(a.service) +
      (a.latencySketch?.byteLength ?? 0) +
      128,
    payloadLimits.eventBytes / 2,
    payloadLimits.inlineAggregates,
  );
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
