export { CompanionDetector, defaultCompanionOptions } from './companions.js';
export type { CompanionOptions, CompanionSession, CompanionSnapshot } from './companions.js';
