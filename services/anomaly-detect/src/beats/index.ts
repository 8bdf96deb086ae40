import type { StageBeats } from '@self-healing/shared';
import type { AnomalyDetectDeps } from '../service/deps.js';
import { detectAnomaliesRequested } from './detectAnomaliesRequested.js';
import { loadTelemetryData } from './loadTelemetryData.js';
import { detectPerformanceAnomalies } from './detectPerformanceAnomalies.js';
import { detectBehavioralAnomalies } from './detectBehavioralAnomalies.js';
import { detectCoverageGaps } from './detectCoverageGaps.js';
import { detectErrorPatterns } from './detectErrorPatterns.js';
import { aggregateAnomalyResults } from './aggregateAnomalyResults.js';
import { storeAnomalyResults } from './storeAnomalyResults.js';
import { detectAnomaliesCompleted } from './detectAnomaliesCompleted.js';

/** The anomaly.detect beats, one file each, named after its handler. */
export const anomalyDetectBeats: StageBeats<'anomaly.detect', AnomalyDetectDeps> = {
  detectAnomaliesRequested,
  loadTelemetryData,
  detectPerformanceAnomalies,
  detectBehavioralAnomalies,
  detectCoverageGaps,
  detectErrorPatterns,
  aggregateAnomalyResults,
  storeAnomalyResults,
  detectAnomaliesCompleted,
};
