export * from './sequenceMachine.js';
export * from './stages.js';
