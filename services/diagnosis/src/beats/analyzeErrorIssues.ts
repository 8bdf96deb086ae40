import type { DiagnoseBeat } from '../service/deps.js';
import { analyzeKind } from '../service/analysis.js';

/** Beat: the incident's error findings traced to code and to the commits that touched it (service/analysis.ts). */
export const analyzeErrorIssues: DiagnoseBeat<'analyzeErrorIssues'> = async ({ runId }, deps) => ({
  event: { type: 'ErrorIssuesAnalyzed', payload: await analyzeKind('error', deps, runId) },
});
