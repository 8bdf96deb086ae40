import { configOrExit, runStageService } from '@self-healing/shared';
import { loadValidationConfig } from './service/config.js';
import { validationDefinition, validationSettings } from './service/definition.js';

/** The validation.run consumer: `node dist/main.js` (or `npm run service:validation`). */
const config = configOrExit(() => loadValidationConfig(), 'validation');
await runStageService('validation', config, ({ db, topics }) =>
  validationDefinition({ db, topics, settings: validationSettings(config) }),
);
