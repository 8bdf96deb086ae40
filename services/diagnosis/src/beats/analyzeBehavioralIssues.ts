import type { DiagnoseBeat } from '../service/deps.js';
import { analyzeKind } from '../service/analysis.js';

/** Beat: the incident's behavioral findings traced to code and to the commits that touched it (service/analysis.ts). */
export const analyzeBehavioralIssues: DiagnoseBeat<'analyzeBehavioralIssues'> = async ({ runId }, deps) => ({
  event: { type: 'BehavioralIssuesAnalyzed', payload: await analyzeKind('behavioral', deps, runId) },
});
