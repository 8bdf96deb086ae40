export { BehavioralDetector, defaultBehavioralOptions, toFinding } from './detector.js';
export type { BehavioralDetectorOptions, BehavioralSnapshot } from './detector.js';
export {
  DeclaredModel,
  defaultStepMatcher,
  normalizeSequence,
  normalizeStep,
  sequencesFromBeats,
} from './declared-model.js';
export type {
  BeatSequenceLike,
  ExpectedSequence,
  StepDeclaration,
  StepMatcher,
  NormalizedSequence,
} from './declared-model.js';
export { LearnedModel, defaultLearnedOptions, START, END } from './learned-model.js';
export type { LearnedModelOptions, LearnedModelSnapshot } from './learned-model.js';
export { Sessionizer, defaultKeyOf, toOccurrences } from './sessions.js';
export type { SessionizerOptions, SessionizerSnapshot } from './sessions.js';
export type {
  BehavioralRule,
  ClosedSession,
  CloseReason,
  SequenceModel,
  StepOccurrence,
  Violation,
} from './types.js';
