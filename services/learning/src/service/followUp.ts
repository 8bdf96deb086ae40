import type { PayloadOf } from '@self-healing/schemas';
import { buildCommand, deterministicId, type StageEvent, type TopicNames } from '@self-healing/shared';
import type { Assessment } from '../compare/assess.js';
import type { LearningCase } from './case.js';

/**
 * What the outcome asks of the deployment stage: a fix that made things worse, or that changed nothing the series
 * could show, is taken out again (RollbackDeploymentCommand), and once the revert serves, the fix stage tries the
 * incident's next candidate. Nothing for a fix that resolved or improved things, for one whose canary already rolled
 * it back (the deployment stage did both), or for one that could not be judged (no telemetry: a person looks).
 * The command's id is the deployment's, so a repeated beat asks once.
 */
export function followUpOf(
  c: LearningCase,
  a: Assessment,
  topics: TopicNames,
  correlationId: string,
): { topic: string; key: string; event: StageEvent } | null {
  if (c.loaded!.deploymentOutcome === 'rolled_back') return null;
  const takeOut = a.outcome === 'regressed' || (a.outcome === 'no_change' && a.confidence > 0);
  if (!takeOut) return null;
  const why = a.reasons.map((r) => r.message).join('; ') || a.outcome;
  const payload: PayloadOf<'RollbackDeploymentCommand'> = {
    incidentId: c.incidentId,
    deploymentId: c.deploymentId,
    reason:
      `learning.track measured the fix ${a.outcome === 'regressed' ? 'making things worse' : 'changing nothing'}: ${why}`.slice(
        0,
        1000,
      ),
    nextCandidate: true,
    requestedBy: 'stage:learning.track',
    comment: null,
  };
  return {
    topic: topics.commands,
    key: c.incidentId,
    event: buildCommand(
      'RollbackDeploymentCommand',
      payload,
      c.incidentId,
      'learning.track',
      deterministicId('rollback', c.incidentId, c.deploymentId),
      correlationId,
    ),
  };
}
