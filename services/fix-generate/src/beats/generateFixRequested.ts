import { insertOnce } from '@self-healing/shared';
import type { PayloadOf } from '@self-healing/schemas';
import type { FixBeat, FixCase } from '../service/deps.js';

/**
 * Beat 1. Accepts a diagnosis with something a machine may try (`recommendedId`), or a `GenerateFixCommand`: from
 * `healctl fix` naming remedies, or from a later stage whose candidate failed (validation, a rollback, no change),
 * which starts the next round: the next candidate, up to MAX_ATTEMPTS per incident. A diagnosis whose remedies all
 * need a person is refused with that reason: the incident stays with its owners. Writes the case file once
 * (insert-to-win).
 */
export const generateFixRequested: FixBeat<'generateFixRequested'> = async (
  { runId, incidentId: runIncident, round, cause },
  deps,
) => {
  // The cap counts the rounds that went to work (each wrote a case file), not every round: one refused here at
  // once, for a diagnosis with nothing automatable that was later made again on new evidence, tried nothing.
  const triedBefore =
    round > 1 ? await deps.cases.countDocuments({ incidentId: runIncident, _id: { $ne: runId } }) : 0;
  if (triedBefore >= deps.settings.maxAttempts)
    return rejected(cause, [
      {
        code: 'attempts-exhausted',
        message: `${deps.settings.maxAttempts} candidate fix(es) of this incident were tried and none did: a person must act`,
        field: null,
      },
    ]);
  let incidentId: string;
  let diagnosisId: string;
  let requestedIds: string[];
  let trigger: 'upstream_event' | 'command';
  let requestedBy: string;
  let after: string | null = null;
  if (cause.meta.type === 'DiagnosisCompleted') {
    const p = cause.payload as PayloadOf<'DiagnosisCompleted'>;
    if (!p.recommendedId)
      return rejected(cause, [
        {
          code: 'nothing-automatable',
          message: `diagnosis ${p.diagnosisId} proposes no remedy a machine may apply (${p.recommendations.length} remedies, none automatable and likely enough): a person must act`,
          field: 'recommendedId',
        },
      ]);
    incidentId = cause.meta.incidentId;
    diagnosisId = p.diagnosisId;
    const automatable = p.recommendations.filter((r) => r.automatable).sort((a, b) => a.rank - b.rank);
    requestedIds = [p.recommendedId, ...automatable.map((r) => r.id).filter((id) => id !== p.recommendedId)];
    trigger = 'upstream_event';
    requestedBy = 'stage:diagnosis.analyze';
  } else if (cause.meta.type === 'GenerateFixCommand') {
    const p = cause.payload as PayloadOf<'GenerateFixCommand'>;
    incidentId = p.incidentId;
    diagnosisId = p.diagnosisId;
    requestedIds = p.recommendationIds;
    trigger = 'command';
    requestedBy = p.requestedBy;
    if (round > 1) after = p.comment ?? null;
    const known = await deps.db.collection('diagnoses').countDocuments({ _id: diagnosisId as never });
    if (known === 0)
      return rejected(cause, [
        { code: 'unknown-diagnosis', message: `no diagnosis ${diagnosisId}`, field: 'diagnosisId' },
      ]);
  } else {
    return rejected(cause, [
      { code: 'unexpected-trigger', message: `${cause.meta.type} cannot start fix generation`, field: null },
    ]);
  }
  requestedIds = requestedIds.slice(0, deps.settings.maxRemedies);
  const file: FixCase = {
    _id: runId,
    incidentId,
    diagnosisId,
    requestedIds,
    attempt: triedBefore + 1,
    after,
  };
  await insertOnce(deps.cases, file);
  const c = await deps.caseOf(runId);
  return {
    event: {
      type: 'FixGenerationRequested',
      payload: {
        incidentId,
        diagnosisId: c.diagnosisId,
        recommendationIds: c.requestedIds,
        trigger,
        requestedBy,
      },
    },
  };
};

function rejected(
  cause: { meta: { type: string; eventId: string } },
  reasons: Array<{ code: string; message: string; field: string | null }>,
) {
  return {
    event: {
      type: 'FixGenerationRejected' as const,
      payload: { reasons, commandType: cause.meta.type, commandId: cause.meta.eventId },
    },
  };
}
