export { ValueNoveltyDetector, defaultValueNoveltyOptions, poissonUpper } from './novelty.js';
export type { ValueNoveltyOptions, ValueNoveltySnapshot } from './novelty.js';
