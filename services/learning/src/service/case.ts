import type { Finding } from '@self-healing/schemas';
import type { SeriesComparison } from '../compare/series.js';
import type { Assessment, Improvement } from '../compare/assess.js';

export interface TimeRange {
  from: number;
  until: number;
}

/** What beat 2 loaded: the deployment, the incident, its findings and the three windows. */
export interface LoadedDeployment {
  patchId: string;
  /** `deployed`: the fix serves; `rolled_back`: its canary failed and nothing of it serves. */
  deploymentOutcome: 'deployed' | 'rolled_back';
  pullRequestUrl: string | null;
  deployedAt: number;
  version: string;
  services: string[];
  findings: Finding[];
  onset: number;
  detectedAt: number;
  baseline: TimeRange;
  /**
   * The observation's hours on each of the days before the onset (up to a week back): the baseline instead of the
   * hours just before the onset when the service had telemetry then, so that a daily rhythm is compared with itself.
   * Absent in cases loaded before it existed.
   */
  sameHoursBefore?: TimeRange[];
  during: TimeRange;
  after: TimeRange;
  remedyKind: string;
  strategy: string;
  /** Most general first: finding kind, then error type, then the top frame. */
  signatureKeys: string[];
  /** Files the patch changed, for "files that keep breaking". */
  files: string[];
}

export interface CollectedMetrics {
  /** Aggregates of the service's templates, any of them, in the observation: none means no telemetry came. */
  serviceAggregates: number;
  aggregates: number;
  events: number;
  errors: number;
  parseRunIds: string[];
  complete: boolean;
}

export interface EffectivenessDocument {
  _id: string;
  incidentId: string;
  deploymentId: string;
  patchId: string;
  service: string;
  remedyKind: string;
  strategy: string;
  signatureKeys: string[];
  files: string[];
  outcome: Assessment['outcome'];
  improvement: Improvement;
  assessment: Assessment;
  comparisons: Array<SeriesComparison & { findingId: string; service: string; subject: string }>;
  detectedAt: number;
  deployedAt: number;
  /** Time from the incident's detection to the fix's verification (the end of the observation). */
  detectionToVerifiedMs: number | null;
  summary: string;
  at: number;
}

/**
 * The run's case file (`learning_cases`, keyed by run = incident): written insert-to-win by the first beat, then one
 * field per beat, each written once, so a beat re-run after a crash repeats its event from what was recorded.
 */
export interface LearningCase {
  _id: string;
  incidentId: string;
  deploymentId: string;
  observeForMs: number;
  requestedBy: string;
  loaded?: LoadedDeployment;
  collected?: CollectedMetrics;
  comparisons?: EffectivenessDocument['comparisons'];
  newFindings?: number;
  judgedAt?: number;
}
