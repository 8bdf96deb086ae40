export * from './profiles.js';
export * from './sweeper.js';
export * from './corpus.js';
export * from './labels.js';
