import { hostname } from 'node:os';
import { configOrExit, runStageService } from '@self-healing/shared';
import { anomalyDetectSettings, loadAnomalyDetectConfig } from './service/config.js';
import { anomalyDetectDefinition } from './service/definition.js';

/** The anomaly.detect consumer: `node dist/main.js` (or `npm run service:anomaly-detect`). */
const config = configOrExit(() => loadAnomalyDetectConfig(), 'anomaly-detect');
await runStageService('anomaly-detect', config, ({ db, topics }) =>
  anomalyDetectDefinition({
    db,
    topics,
    settings: anomalyDetectSettings(config),
    producer: `anomaly-detect/${hostname()}`,
  }),
);
