import type { Db } from 'mongodb';
import type { PayloadOf } from '@self-healing/schemas';
import type { TopicNames } from '../contracts.js';
import { buildCommand, deterministicId, type StageEvent } from '../envelope.js';

/** What a later stage says about a candidate fix that did not do: which patch, and why, for the timeline. */
export interface FailedCandidate {
  incidentId: string;
  patchId: string;
  /** The stage that found it wanting, e.g. `validation.run`. */
  stage: string;
  reason: string;
  correlationId: string;
  producer: string;
}

/**
 * The healing loop's way back: a candidate that failed validation, was rolled back, or changed nothing sends the
 * fix stage to its next candidate with a `GenerateFixCommand` on the commands topic (fix.generate runs a new round
 * that skips the patches already proposed, up to its attempt limit). Its id is the failed patch's, so however many
 * stages or retried beats ask, one patch leads to one next round. Null when the patch is not stored (nothing to
 * go back to).
 */
export async function nextCandidateCommand(
  db: Db,
  topics: TopicNames,
  failed: FailedCandidate,
): Promise<{ topic: string; key: string; event: StageEvent } | null> {
  const patch = await db
    .collection<{ _id: string; diagnosisId?: string }>('patches')
    .findOne({ _id: failed.patchId }, { projection: { diagnosisId: 1 } });
  if (!patch?.diagnosisId) return null;
  const payload: PayloadOf<'GenerateFixCommand'> = {
    incidentId: failed.incidentId,
    diagnosisId: patch.diagnosisId,
    recommendationIds: [],
    requestedBy: `stage:${failed.stage}`,
    comment: `patch ${failed.patchId}: ${failed.reason}`.slice(0, 1000),
  };
  const event = buildCommand(
    'GenerateFixCommand',
    payload,
    failed.incidentId,
    failed.producer,
    deterministicId('next-candidate', failed.incidentId, failed.patchId),
    failed.correlationId,
  );
  return { topic: topics.commands, key: failed.incidentId, event };
}
