export { loadValidationConfig, validationConfigSchema, type ValidationConfig } from './service/config.js';
export { validationDefinition, validationSettings } from './service/definition.js';
export type { ValidationSettings } from './service/deps.js';
export type * from './service/case.js';
export { aggregate } from './verdict/aggregate.js';
// The statistics the canary judge of deployment.deploy shares with the performance check.
export { mannWhitney, fisherExact, hodgesLehmann, median } from './performance/index.js';
export type { MannWhitneyResult, ErrorCounts, FisherResult } from './performance/index.js';
export { runSuiteAt, type SuiteAtCommit } from './ci/suiteAt.js';
export { safeName } from './service/deps.js';
