import type { DiagnoseBeat } from '../service/deps.js';
import { analyzeKind } from '../service/analysis.js';

/** Beat: the incident's coverage findings traced to code and to the commits that touched it (service/analysis.ts). */
export const analyzeCoverageIssues: DiagnoseBeat<'analyzeCoverageIssues'> = async ({ runId }, deps) => ({
  event: { type: 'CoverageIssuesAnalyzed', payload: await analyzeKind('coverage', deps, runId) },
});
