import type { StageBeats } from '@self-healing/shared';
import type { TelemetryParseDeps } from '../service/deps.js';
import { parseTelemetryRequested } from './parseTelemetryRequested.js';
import { loadLogFiles } from './loadLogFiles.js';
import { extractTelemetryEvents } from './extractTelemetryEvents.js';
import { normalizeTelemetryData } from './normalizeTelemetryData.js';
import { aggregateTelemetryMetrics } from './aggregateTelemetryMetrics.js';
import { storeTelemetryDatabase } from './storeTelemetryDatabase.js';
import { parseTelemetryCompleted } from './parseTelemetryCompleted.js';

/** The telemetry.parse beats, one file each, named after its handler. */
export const telemetryParseBeats: StageBeats<'telemetry.parse', TelemetryParseDeps> = {
  parseTelemetryRequested,
  loadLogFiles,
  extractTelemetryEvents,
  normalizeTelemetryData,
  aggregateTelemetryMetrics,
  storeTelemetryDatabase,
  parseTelemetryCompleted,
};
