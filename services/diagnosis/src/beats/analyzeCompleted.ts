import type { DiagnoseBeat } from '../service/deps.js';
import { recommendedOf } from '../diagnose/remedies.js';

/**
 * Beat 11. Announces the diagnosis: the top issue's hypothesis as the root cause, the ranked remedies, and the one
 * fix.generate should try (none when no automatable remedy is likely enough: a person must act). A diagnosis that
 * found no cause says what it looked at.
 */
export const analyzeCompleted: DiagnoseBeat<'analyzeCompleted'> = async ({ earlier }) => {
  const analyses = [
    earlier.ErrorIssuesAnalyzed,
    earlier.PerformanceIssuesAnalyzed,
    earlier.BehavioralIssuesAnalyzed,
    earlier.CoverageIssuesAnalyzed,
  ];
  const issues = analyses.flatMap((a) => a.issues).sort((a, b) => b.confidence - a.confidence);
  const top = issues[0];
  const { recommendations } = earlier.FixesRecommended;
  const recommended = recommendedOf(recommendations);
  const code = earlier.CodebaseInfoLoaded;
  const examined = analyses.reduce((n, a) => n + a.findingsExamined, 0);
  const rootCause = top
    ? top.hypothesis
    : `No cause found: ${examined} finding(s) examined against ${code.filesIndexed} files at ${code.commit.slice(0, 12)} ` +
      `(${code.logCallSites} log statements, ${code.templatesMapped} of ${code.templatesMapped + code.templatesUnmapped} templates traced); escalated to the owners.`;
  return {
    event: {
      type: 'DiagnosisCompleted',
      payload: {
        diagnosisId: earlier.DiagnosisRequested.diagnosisId,
        rootCause,
        confidence: top?.confidence ?? 0,
        severity: earlier.ImpactAssessed.severity,
        priority: earlier.ImpactAssessed.priority,
        issueIds: issues.map((i) => i.id),
        recommendations,
        recommendedId: recommended?.id ?? null,
        document: earlier.DiagnosisStored.document,
      },
    },
  };
};
