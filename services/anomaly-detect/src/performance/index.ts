export * from './detector.js';
export * from './robust.js';
