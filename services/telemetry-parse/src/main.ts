import { configOrExit, runStageService } from '@self-healing/shared';
import { loadTelemetryParseConfig, telemetryParseSettings } from './service/config.js';
import { telemetryParseDefinition } from './service/definition.js';

/** The telemetry.parse consumer: `node dist/main.js` (or `npm run service:telemetry-parse`). */
const config = configOrExit(() => loadTelemetryParseConfig(), 'telemetry-parse');
await runStageService('telemetry-parse', config, ({ kafka, db, topics, logger }) =>
  telemetryParseDefinition({ kafka, db, topics, logger, settings: telemetryParseSettings(config) }),
);
