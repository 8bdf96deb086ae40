import { configOrExit, runStageService } from '@self-healing/shared';
import { loadLearningConfig } from './service/config.js';
import { learningDefinition, learningSettings } from './service/definition.js';

/** The learning.track consumer: `node dist/main.js` (or `npm run service:learning`). */
const config = configOrExit(() => loadLearningConfig(), 'learning');
await runStageService('learning', config, ({ db, topics }) =>
  learningDefinition({ db, topics, settings: learningSettings(config) }),
);
