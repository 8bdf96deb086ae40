export { loadLearningConfig, learningConfigSchema, type LearningConfig } from './service/config.js';
export { learningDefinition, learningSettings } from './service/definition.js';
export type { LearningSettings } from './service/deps.js';
export type * from './service/case.js';
export { EFFECTIVENESS } from './service/effectiveness.js';
export {
  compareSeries,
  rateTest,
  type SeriesComparison,
  type SeriesMetric,
  type SeriesWindow,
} from './compare/series.js';
export { assess, improvementOf, type Assessment, type Outcome } from './compare/assess.js';
export { insightsOf, summaryOf, type Insight } from './insights/insights.js';
export { OUTCOMES, RATES, type RateDocument } from './models/outcomeStore.js';
