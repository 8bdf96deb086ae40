export { evolve, emptyIncidentReducerState, defaultIncidentPolicy, linkKeys, severityOf } from './reducer.js';
export type {
  EvolveResult,
  Incident,
  IncidentPolicy,
  IncidentReducerState,
  IncidentStatus,
} from './reducer.js';
export { stableId, findingId } from './stable-id.js';
export { applyVerdict } from './verdicts.js';
export type { Verdict, VerdictResult } from './verdicts.js';
export { isQuiet } from './reducer.js';
export type { Resolution } from './reducer.js';
