import type { FixBeat } from '../service/deps.js';
import { chosenOf } from '../service/chosen.js';

/**
 * Beat 8. The patch document (`patches`, keyed by patch id): the diff with its base commit, title and description,
 * the chosen candidate and every other one with why it lost, the test and the checks. Written whole by key.
 */
export const storePatch: FixBeat<'storePatch'> = async ({ runId }, deps) => {
  const c = await deps.caseOf(runId);
  const patch = c.patch!;
  const { candidate } = chosenOf(c);
  await deps.db.collection('patches').replaceOne(
    { _id: patch.patchId as never },
    {
      patchId: patch.patchId,
      incidentId: c.incidentId,
      diagnosisId: c.diagnosisId,
      repository: c.loaded!.repository,
      baseCommit: c.loaded!.baseCommit,
      title: patch.title,
      description: patch.description,
      diff: patch.diff,
      chosen: { strategy: candidate.strategy, remedyId: candidate.remedyId, score: candidate.score },
      candidates: c.candidates!.map((x) => ({
        strategy: x.strategy,
        remedyId: x.remedyId,
        remedyKind: x.remedyKind,
        score: x.score,
        fit: x.fit,
        linesAdded: x.linesAdded,
        linesRemoved: x.linesRemoved,
        dropped: x.dropped,
        rationale: x.rationale,
      })),
      test: c.test,
      checks: c.syntax,
    },
    { upsert: true },
  );
  return {
    event: {
      type: 'PatchStored',
      payload: { patchId: patch.patchId, document: { collection: 'patches', id: patch.patchId } },
    },
    // The last beat that reads the worktrees is behind: they go once this event is committed.
    afterCommit: () => deps.cleanUp(runId),
  };
};
