// Stage services started in the test process, as their main.ts would start them, inside a test environment.
import { runStageService, type RunningService } from '@self-healing/shared';
import {
  anomalyDetectDefinition,
  anomalyDetectSettings,
  loadAnomalyDetectConfig,
} from '@self-healing/anomaly-detect';

/** anomaly-detect with the given environment variables (see `serviceEnv`), without signal handlers. */
export async function startAnomalyDetect(vars: Record<string, string>): Promise<RunningService> {
  const config = loadAnomalyDetectConfig(vars);
  return runStageService(
    'anomaly-detect',
    config,
    ({ db, topics }) =>
      anomalyDetectDefinition({
        db,
        topics,
        settings: anomalyDetectSettings(config),
        producer: 'anomaly-detect/test',
      }),
    { handleSignals: false },
  );
}
