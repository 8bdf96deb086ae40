import { maxOf, minOf } from '@self-healing/shared';
import type { PerformanceMonitorState } from '../performance/index.js';
import type { DetectBeat } from '../service/deps.js';

/** How soon a run that found the detectors' memory held looks again. */
const CLAIM_RETRY_MS = 1_000;

/**
 * Beat 2. Claims the detectors' memory for this run (another run holding it: waits, see MemoryClaims), then reads
 * the run's aggregates, detection events and the memory (once for the whole run).
 */
export const loadTelemetryData: DetectBeat<'loadTelemetryData'> = async ({ runId, earlier }, deps) => {
  const r = earlier.AnomalyDetectionRequested;
  const now = Date.now();
  const holder = await deps.claims.claim('detectors', runId, now);
  if (holder)
    return {
      wait: {
        until: now + CLAIM_RETRY_MS,
        reason: `detection run ${holder.runId} holds the detectors' memory (since ${new Date(holder.claimedAt).toISOString()}): this run starts when it has committed`,
      },
    };
  const [aggregates, events, mem] = await Promise.all([
    deps.aggregates(runId, r),
    deps.events(runId, r),
    deps.memoryBefore(runId),
  ]);
  const series = new Set(aggregates.map((a) => `${a.service}\u0000${a.templateId}`));
  const starts = aggregates.map((a) => a.windowStart);
  const knownSeries = new Set(Object.keys(mem.performance ?? {}).length ? seriesKeysOf(mem.performance) : []);
  const { settings } = deps;
  return {
    event: {
      type: 'TelemetryDataLoaded',
      payload: {
        aggregates: aggregates.length,
        series: series.size,
        services: [...new Set(aggregates.map((a) => a.service))].sort(),
        timeRange: starts.length
          ? { from: minOf(starts), until: maxOf(starts) + (aggregates[0]?.windowMs ?? 0) }
          : null,
        baselines: [...series].filter((s) => knownSeries.has(s)).length,
        coldSeries: [...series].filter((s) => !knownSeries.has(s)).length,
        sequenceModels: settings.declaredSequences ? 1 : mem.learnedModel ? 1 : 0,
        coverage: settings.coverageReport
          ? { collection: 'coverage-report-file', id: settings.coverageReport }
          : null,
        detectionEvents: events.length,
      },
    },
  };
};

function seriesKeysOf(state: PerformanceMonitorState | null): string[] {
  const series = (state as unknown as { series?: Record<string, unknown> } | null)?.series ?? {};
  return Object.keys(series).map((k) => k.split('|').slice(0, 2).join('\u0000'));
}
