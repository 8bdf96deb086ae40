import { configOrExit, runStageService } from '@self-healing/shared';
import { loadFixGenerateConfig } from './service/config.js';
import { fixGenerateDefinition, fixGenerateSettings } from './service/definition.js';

/** The fix.generate consumer: `node dist/main.js` (or `npm run service:fix-generate`). */
const config = configOrExit(() => loadFixGenerateConfig(), 'fix-generate');
await runStageService('fix-generate', config, ({ db, topics }) =>
  fixGenerateDefinition({ db, topics, settings: fixGenerateSettings(config) }),
);
