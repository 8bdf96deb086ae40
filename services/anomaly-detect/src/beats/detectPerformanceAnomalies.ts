import type { DetectBeat } from '../service/deps.js';
import { observePerformance } from '../service/performanceByService.js';
import { findingsForEvent } from '../service/eventFindings.js';

/** Beat 3. Reads the run's whole windows and the latency/throughput baselines; stages findings and new baselines. */
export const detectPerformanceAnomalies: DetectBeat<'detectPerformanceAnomalies'> = async (
  { runId, earlier },
  deps,
) => {
  const r = earlier.AnomalyDetectionRequested;
  const mem = await deps.memoryBefore(runId);
  const aggregates = deps.wants(r, 'performance') ? await deps.wholeWindows(runId, r) : [];
  const { performanceDetector, performanceDetectorByService } = deps.settings;
  const { findings, state } = observePerformance(
    aggregates,
    mem.performance ?? undefined,
    (service) => performanceDetectorByService[service] ?? performanceDetector,
  );
  const evaluated = new Set(aggregates.map((a) => `${a.service}|${a.templateId}`)).size;
  await deps.stage(runId, 'performance', { findings, state, evaluated, skipped: 0 });
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
