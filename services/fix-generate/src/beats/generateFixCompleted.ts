import type { FixBeat } from '../service/deps.js';

/** Beat 9. Announces the patch for validation. */
export const generateFixCompleted: FixBeat<'generateFixCompleted'> = async ({ earlier }) => {
  const patch = earlier.PatchCreated;
  return {
    event: {
      type: 'FixGenerationCompleted',
      payload: {
        patchId: patch.patchId,
        diagnosisId: earlier.DiagnosisLoaded.diagnosisId,
        recommendationIds: [earlier.CodeFixGenerated.changeSet.recommendationId],
        baseCommit: patch.baseCommit,
        title: patch.title,
        filesChanged: patch.files.length,
        linesAdded: patch.linesAdded,
        linesRemoved: patch.linesRemoved,
        syntaxValid: earlier.PatchSyntaxValidated.valid,
        document: earlier.PatchStored.document,
      },
    },
  };
};
