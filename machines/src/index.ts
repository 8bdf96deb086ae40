export * from './sequenceMachine.js';
