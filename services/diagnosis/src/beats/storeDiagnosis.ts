import type { DiagnoseBeat } from '../service/deps.js';

/**
 * Beat 10. The diagnosis document (`diagnoses`, keyed by diagnosis id): everything the stage concluded, with the
 * evidence behind each claim, for `healctl incidents show` and for fix.generate. Written whole by key, so a re-run
 * writes the same document.
 */
export const storeDiagnosis: DiagnoseBeat<'storeDiagnosis'> = async ({ runId, earlier }, deps) => {
  const c = await deps.caseOf(runId);
  const diagnosisId = earlier.DiagnosisRequested.diagnosisId;
  const issues = Object.values(c.issues ?? {}).filter((i) => i !== null && i !== undefined);
  await deps.db.collection('diagnoses').replaceOne(
    { _id: diagnosisId as never },
    {
      diagnosisId,
      incidentId: c.incidentId,
      incidentVersion: c.incidentVersion,
      codebase: c.codebase,
      findingsByKind: earlier.AnomaliesLoaded.findingsByKind,
      codebaseInfo: earlier.CodebaseInfoLoaded,
      issues: issues.map((i) => ({ ...i, lines: i.lines.slice(0, 50), suspects: i.suspects.slice(0, 10) })),
      unexplainedFindingIds: [
        ...earlier.PerformanceIssuesAnalyzed.unexplainedFindingIds,
        ...earlier.BehavioralIssuesAnalyzed.unexplainedFindingIds,
        ...earlier.CoverageIssuesAnalyzed.unexplainedFindingIds,
        ...earlier.ErrorIssuesAnalyzed.unexplainedFindingIds,
      ],
      impact: earlier.ImpactAssessed,
      recommendations: earlier.FixesRecommended.recommendations,
      remedyKinds: c.remedyKinds ?? {},
    },
    { upsert: true },
  );
  return {
    event: {
      type: 'DiagnosisStored',
      payload: { diagnosisId, document: { collection: 'diagnoses', id: diagnosisId } },
    },
  };
};
