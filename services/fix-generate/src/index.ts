export type * from './strategies/types.js';
export type * from './regression/types.js';
export { loadFixGenerateConfig, fixGenerateConfigSchema, type FixGenerateConfig } from './service/config.js';
export { fixGenerateDefinition, fixGenerateSettings } from './service/definition.js';
export { changelogEntry, withEntry, inlineCode, CHANGELOG_NAMES } from './docs/changelog.js';
export { policyViolation, isProtectedPath, DEFAULT_LIMITS } from './patch/policy.js';
export { patchIdOf } from './patch/id.js';
export { confined, WorkTree } from './workspace/scratch.js';
