import { PerformanceMonitor } from '../performance/index.js';
import type { DetectBeat } from '../service/deps.js';

/** Beat 3. Reads the run's whole windows and the latency/throughput baselines; stages findings and new baselines. */
export const detectPerformanceAnomalies: DetectBeat<'detectPerformanceAnomalies'> = async (
  { runId, earlier },
  deps,
) => {
  const r = earlier.AnomalyDetectionRequested;
  const mem = await deps.memoryBefore(runId);
  const aggregates = deps.wants(r, 'performance') ? await deps.wholeWindows(runId, r) : [];
  const monitor = new PerformanceMonitor(
    { detector: deps.settings.performanceDetector },
    mem.performance ?? undefined,
  );
  const findings = monitor.observe(aggregates);
  const evaluated = new Set(aggregates.map((a) => `${a.service}|${a.templateId}`)).size;
  await deps.stage(runId, 'performance', { findings, state: monitor.state(), evaluated, skipped: 0 });
  return {
    event: {
      type: 'PerformanceAnomaliesDetected',
      payload: { detector: deps.detector('robust-seasonal-novelty'), findings, evaluated, skipped: 0 },
    },
  };
};
