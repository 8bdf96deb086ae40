import { configOrExit, createPlatformCodec, runStageService } from '@self-healing/shared';
import { loadDiagnosisConfig } from './service/config.js';
import { diagnosisDefinition, diagnosisSettings } from './service/definition.js';

/** The diagnosis.analyze consumer: `node dist/main.js` (or `npm run service:diagnosis`). */
const config = configOrExit(() => loadDiagnosisConfig(), 'diagnosis');
// Deployment records are plain Avro records (no event envelope): decoded with the registry alone.
const codec = createPlatformCodec(config.SCHEMA_REGISTRY_URL, config.TOPIC_PREFIX);
await runStageService('diagnosis', config, ({ db, kafka, topics }) =>
  diagnosisDefinition({
    db,
    kafka,
    decodeRecord: (value) => codec.registry.decode(value),
    settings: diagnosisSettings(config),
    topics,
  }),
);
