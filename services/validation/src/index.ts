export { loadValidationConfig, validationConfigSchema, type ValidationConfig } from './service/config.js';
export { validationDefinition, validationSettings } from './service/definition.js';
export type { ValidationSettings } from './service/deps.js';
export type * from './service/case.js';
export { aggregate } from './verdict/aggregate.js';
