export { createWindowAggregator } from './windows.js';
export type {
  AddOutcome,
  WindowAggregator,
  WindowAggregatorOptions,
  WindowAggregatorStats,
  WindowSnapshot,
} from './windows.js';
export { LatencySketch, type LatencySketchState } from './sketch.js';
