import type { ParseBeat } from '../service/deps.js';

/** Beat 4. UTC times in the source's zone, one level vocabulary, units, names, and the request's filters. */
export const normalizeTelemetryData: ParseBeat<'normalizeTelemetryData'> = async (
  { runId, earlier },
  deps,
) => {
  const n = await deps.normalizedOf(runId, earlier.TelemetryParseRequested);
  deps.memo.forget(runId, 'extracted');
  return {
    event: {
      type: 'TelemetryDataNormalized',
      payload: {
        events: n.events.length,
        services: n.services.map((s) => ({
          ...s,
          timeRange: { from: s.timeRange.from, until: s.timeRange.to + 1 },
        })),
        timeRange: n.timeRange ? { from: n.timeRange.from, until: n.timeRange.to + 1 } : null,
        byLevel: n.byLevel,
        droppedOutOfRange: n.droppedOutOfRange,
        droppedDuplicates: n.droppedDuplicates,
        sessions: n.sessions,
        rejected: n.rejected,
        levelDefaulted: n.levelDefaulted,
      },
    },
  };
};
