export * from './detector.js';
export * from './aggregates.js';
export { RollingSortedWindow } from './robust.js';
