import type { LearningBeat } from '../service/deps.js';
import type { EffectivenessDocument } from '../service/case.js';
import { EFFECTIVENESS, effectivenessOf } from '../service/effectiveness.js';
import { insightsOf } from '../insights/insights.js';

/**
 * Beat 8. Lessons for people from this fix and the service's earlier ones: which remedies work on it, causes that
 * came back, files that keep breaking, the time from detection to a verified fix (insights/insights.ts).
 */
export const generateInsights: LearningBeat<'generateInsights'> = async ({ runId }, deps) => {
  const c = await deps.caseOf(runId);
  const mine = effectivenessOf(c);
  const earlier = await deps.db
    .collection<EffectivenessDocument>(EFFECTIVENESS)
    .find({ service: mine.service, _id: { $ne: mine._id } })
    .sort({ at: -1 })
    .limit(500)
    .toArray();
  return {
    event: { type: 'InsightsGenerated', payload: { insights: insightsOf(mine.service, [mine, ...earlier]) } },
  };
};
