export { ValueNoveltyDetector, defaultValueNoveltyOptions, poissonUpper } from './novelty.js';
export type { ValueNoveltyOptions, ValueNoveltySnapshot } from './novelty.js';
export { ChangedOutcomeDetector, defaultChangedOutcomeOptions } from './outcomes.js';
export type { ChangedOutcomeOptions, ChangedOutcomeSnapshot } from './outcomes.js';
