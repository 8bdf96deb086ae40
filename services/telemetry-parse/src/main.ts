import { runStageService } from '@self-healing/shared';
import { loadTelemetryParseConfig, telemetryParseSettings } from './service/config.js';
import { telemetryParseDefinition } from './service/definition.js';

/** The telemetry.parse consumer: `node dist/main.js` (or `npm run service:telemetry-parse`). */
const config = loadTelemetryParseConfig();
await runStageService('telemetry-parse', config, ({ kafka, db, topics }) =>
  telemetryParseDefinition({ kafka, db, topics, settings: telemetryParseSettings(config) }),
);
