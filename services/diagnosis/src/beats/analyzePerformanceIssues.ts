import type { DiagnoseBeat } from '../service/deps.js';
import { analyzeKind } from '../service/analysis.js';

/** Beat: the incident's performance findings traced to code and to the commits that touched it (service/analysis.ts). */
export const analyzePerformanceIssues: DiagnoseBeat<'analyzePerformanceIssues'> = async (
  { runId },
  deps,
) => ({
  event: { type: 'PerformanceIssuesAnalyzed', payload: await analyzeKind('performance', deps, runId) },
});
