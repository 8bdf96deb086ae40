import type { LearningCase, EffectivenessDocument } from './case.js';
import { improvementOf } from '../compare/assess.js';
import { assessmentOf } from '../beats/assessSuccess.js';
import { summaryOf } from '../insights/insights.js';

export const EFFECTIVENESS = 'learning_effectiveness';

/** The effectiveness record of a run, from its case file alone (the same case gives the same record). */
export function effectivenessOf(c: LearningCase): EffectivenessDocument {
  const l = c.loaded!;
  const assessment = assessmentOf(c);
  const improvement = improvementOf(c.comparisons ?? []);
  const verified = l.deploymentOutcome === 'deployed' ? l.after.until : null;
  const base = {
    incidentId: c.incidentId,
    service: l.services[0] ?? 'unknown',
    strategy: l.strategy,
    remedyKind: l.remedyKind,
    outcome: assessment.outcome,
    signatureKeys: l.signatureKeys,
    files: l.files,
    detectionToVerifiedMs: verified !== null ? Math.max(0, verified - l.detectedAt) : null,
  };
  return {
    // One record per fix tried: the incident's id for its first, `<incident>~<n>` for the next candidates.
    _id: c._id,
    ...base,
    deploymentId: c.deploymentId,
    patchId: l.patchId,
    improvement,
    assessment,
    comparisons: c.comparisons ?? [],
    detectedAt: l.detectedAt,
    deployedAt: l.deployedAt,
    summary: summaryOf({ ...base, improvement }),
    at: c.judgedAt ?? l.after.until,
  };
}
