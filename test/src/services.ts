// Stage services started in the test process, as their main.ts would start them, inside a test environment.
import { runStageService, type RunningService } from '@self-healing/shared';
import {
  anomalyDetectDefinition,
  anomalyDetectSettings,
  loadAnomalyDetectConfig,
} from '@self-healing/anomaly-detect';
import {
  loadTelemetryParseConfig,
  telemetryParseDefinition,
  telemetryParseSettings,
} from '@self-healing/telemetry-parse';
import { diagnosisDefinition, diagnosisSettings, loadDiagnosisConfig } from '@self-healing/diagnosis';
import {
  fixGenerateDefinition,
  fixGenerateSettings,
  loadFixGenerateConfig,
} from '@self-healing/fix-generate';
import { loadValidationConfig, validationDefinition, validationSettings } from '@self-healing/validation';
import { deploymentDefinition, deploymentSettings, loadDeploymentConfig } from '@self-healing/deployment';
import { learningDefinition, learningSettings, loadLearningConfig } from '@self-healing/learning';

/** telemetry-parse with the given environment variables (see `serviceEnv`), without signal handlers. */
export async function startTelemetryParse(vars: Record<string, string>): Promise<RunningService> {
  const config = loadTelemetryParseConfig(vars);
  return runStageService(
    'telemetry-parse',
    config,
    ({ kafka, db, topics }) =>
      telemetryParseDefinition({ kafka, db, topics, settings: telemetryParseSettings(config) }),
    { handleSignals: false },
  );
}

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

/**
 * diagnosis.analyze with the given environment variables; `decodeRecord` decodes the deployments topic's plain
 * records (the registry's decode, as main.ts wires it).
 */
export async function startDiagnosis(
  vars: Record<string, string>,
  decodeRecord: (value: Buffer) => Promise<unknown>,
): Promise<RunningService> {
  const config = loadDiagnosisConfig(vars);
  return runStageService(
    'diagnosis',
    config,
    ({ db, kafka, topics }) =>
      diagnosisDefinition({ db, kafka, decodeRecord, settings: diagnosisSettings(config), topics }),
    { handleSignals: false },
  );
}

/** fix.generate with the given environment variables, without signal handlers. */
export async function startFixGenerate(vars: Record<string, string>): Promise<RunningService> {
  const config = loadFixGenerateConfig(vars);
  return runStageService(
    'fix-generate',
    config,
    ({ db, topics }) => fixGenerateDefinition({ db, topics, settings: fixGenerateSettings(config) }),
    { handleSignals: false },
  );
}

/** validation.run with the given environment variables, without signal handlers. */
export async function startValidation(vars: Record<string, string>): Promise<RunningService> {
  const config = loadValidationConfig(vars);
  return runStageService(
    'validation',
    config,
    ({ db, topics }) => validationDefinition({ db, topics, settings: validationSettings(config) }),
    { handleSignals: false },
  );
}

export async function startDeployment(
  vars: Record<string, string>,
  over: { now?: () => number } = {},
): Promise<RunningService> {
  const config = loadDeploymentConfig(vars);
  return runStageService(
    'deployment',
    config,
    ({ db, topics }) =>
      deploymentDefinition({ db, topics, settings: { ...deploymentSettings(config), ...over } }),
    { handleSignals: false },
  );
}

export async function startLearning(vars: Record<string, string>): Promise<RunningService> {
  const config = loadLearningConfig(vars);
  return runStageService(
    'learning',
    config,
    ({ db, topics }) => learningDefinition({ db, topics, settings: learningSettings(config) }),
    { handleSignals: false },
  );
}
