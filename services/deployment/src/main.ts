import { configOrExit, runStageService } from '@self-healing/shared';
import { loadDeploymentConfig } from './service/config.js';
import { deploymentDefinition, deploymentSettings } from './service/definition.js';

/** The deployment.deploy consumer: `node dist/main.js` (or `npm run service:deployment`). */
const config = configOrExit(() => loadDeploymentConfig(), 'deployment');
await runStageService('deployment', config, ({ db, topics }) =>
  deploymentDefinition({ db, topics, settings: deploymentSettings(config) }),
);
