import type { DetectBeat } from '../service/deps.js';
import { observePerformance } from '../service/performanceByService.js';
import { findingsForEvent } from '../service/eventFindings.js';
import { examinedAfter } from '../service/examined.js';

/**
 * Beat 3. Reads the run's whole windows (with those of earlier parse runs not fed yet) and the latency/throughput
 * baselines; stages findings and new baselines.
 */
export const detectPerformanceAnomalies: DetectBeat<'detectPerformanceAnomalies'> = async (
  { runId, earlier },
  deps,
) => {
  const r = earlier.AnomalyDetectionRequested;
  const mem = await deps.memoryBefore(runId);
  const on = deps.wants(r, 'performance');
  const fresh = on ? await deps.unexaminedRuns(r, mem.performanceRuns) : { own: [], earlier: [] };
  const aggregates = on ? await deps.wholeWindows(runId, r, fresh.earlier) : [];
  const { performanceDetector, performanceDetectorByService } = deps.settings;
  const { findings, state } = observePerformance(
    aggregates,
    mem.performance ?? undefined,
    (service) => performanceDetectorByService[service] ?? performanceDetector,
  );
  const evaluated = new Set(aggregates.map((a) => `${a.service}|${a.templateId}`)).size;
  const runs = examinedAfter(mem.performanceRuns, [...fresh.earlier, ...fresh.own]);
  await deps.stage(runId, 'performance', {
    findings,
    state: { monitor: state, runs },
    evaluated,
    skipped: 0,
  });
  return {
    event: {
      type: 'PerformanceAnomaliesDetected',
      payload: {
        detector: deps.detector('robust-seasonal-novelty'),
        ...findingsForEvent(findings),
        evaluated,
        skipped: 0,
      },
    },
  };
};
