export * from './performance/index.js';
export * from './behavioral/index.js';
export * from './coverage/index.js';
export * from './errors/index.js';
export * from './incidents/index.js';
export * from './service/validate.js';
export * from './service/config.js';
export * from './service/definition.js';
export type { AnomalyDetectSettings, DetectorMemory } from './service/deps.js';
