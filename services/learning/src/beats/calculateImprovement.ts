import type { LearningBeat } from '../service/deps.js';
import { improvementOf } from '../compare/assess.js';

/**
 * Beat 5. One score per incident in [-1, 1] (each finding: back to baseline 1, better 0.5, unchanged 0, worse -1),
 * the findings cleared and remaining, and the relative change of the latency and error series.
 */
export const calculateImprovement: LearningBeat<'calculateImprovement'> = async ({ runId }, deps) => {
  const c = await deps.caseOf(runId);
  const cs = c.comparisons ?? [];
  const imp = improvementOf(cs);
  const change = (metric: string) => {
    const xs = cs.filter((x) => x.metric === metric && x.change !== null).map((x) => x.change!);
    return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
  };
  return {
    event: {
      type: 'ImprovementCalculated',
      payload: {
        improvementScore: imp.score,
        latencyP95Change: change('latency.p95'),
        errorRateChange: change('errors'),
        findingsCleared: imp.cleared,
        findingsRemaining: imp.remaining,
        newFindings: c.newFindings ?? 0,
      },
    },
  };
};
