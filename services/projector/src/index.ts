export * from './evolve.js';
export * from './store.js';
export * from './projector.js';
export * from './topics.js';
export * from './incidentState.js';
