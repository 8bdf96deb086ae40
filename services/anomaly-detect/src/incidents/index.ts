export { evolve, emptyIncidentReducerState, defaultIncidentPolicy, linkKeys, severityOf } from './reducer.js';
export type {
  EvolveResult,
  Incident,
  IncidentPolicy,
  IncidentReducerState,
  IncidentStatus,
} from './reducer.js';
export { stableId, findingId } from './stable-id.js';
