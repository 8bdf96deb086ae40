export { ValueNoveltyDetector, defaultValueNoveltyOptions } from './novelty.js';
export { poissonUpper } from './rateWindows.js';
export type { ValueNoveltyOptions, ValueNoveltySnapshot } from './novelty.js';
export { ChangedOutcomeDetector, defaultChangedOutcomeOptions } from './outcomes.js';
export type { ChangedOutcomeOptions, ChangedOutcomeSnapshot } from './outcomes.js';
