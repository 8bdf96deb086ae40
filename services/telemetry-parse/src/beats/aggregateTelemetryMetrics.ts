import { maxOf, minOf } from '@self-healing/shared';
import { knownTemplatesBefore, type ParseBeat } from '../service/deps.js';
import { aggregateEvents } from '../service/steps.js';

/**
 * Beat 5. Per service, template and window: counts, errors, latency sketches; late events beyond the bound
 * dropped. Aggregates depend on what other runs did before this one (watermarks, known templates): they are kept
 * with the run (they are small) rather than recomputed.
 */
export const aggregateTelemetryMetrics: ParseBeat<'aggregateTelemetryMetrics'> = async (
  { runId, earlier },
  deps,
) => {
  const requested = earlier.TelemetryParseRequested;
  const { events } = await deps.normalizedOf(runId, requested);
  const services = [...new Set(events.map((e) => e.service))].sort();
  const previous: Record<string, number> = {};
  const nextMarks: Record<string, { before: Record<string, number>; after: Record<string, number> }> = {};
  for (const s of services) {
    const mark = await deps.watermarks.load(s, runId);
    if (mark[s] !== undefined) previous[s] = mark[s]!;
    nextMarks[s] = { before: mark, after: {} };
  }
  const a = aggregateEvents(events, {
    windowMs: requested.windowMs,
    allowedLatenessMs: deps.settings.allowedLatenessMs,
    previousMaxEventTime: previous,
    knownTemplates: await knownTemplatesBefore(deps.store, events, runId),
  });
  await deps.staging.write(runId, 'aggregates', a.aggregates);
  deps.memo.set(runId, 'aggregates', a.aggregates);
  for (const s of services)
    await deps.watermarks.save(s, runId, nextMarks[s]!.before, { [s]: a.maxEventTime[s]! });
  const starts = a.aggregates.map((x) => x.windowStart);
  return {
    event: {
      type: 'TelemetryMetricsAggregated',
      payload: {
        windowMs: requested.windowMs,
        windows: new Set(starts).size,
        aggregates: a.aggregates.length,
        series: new Set(a.aggregates.map((x) => `${x.service}\u0000${x.templateId}`)).size,
        withLatency: a.aggregates.filter((x) => x.latency !== null).length,
        timeRange: starts.length ? { from: minOf(starts), until: maxOf(starts) + requested.windowMs } : null,
        droppedLate: a.droppedLate,
      },
    },
  };
};
