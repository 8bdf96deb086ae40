export { evolve, emptyIncidentState, defaultIncidentPolicy, linkKeys, severityOf } from './reducer.js';
export type { EvolveResult, Incident, IncidentPolicy, IncidentState, IncidentStatus } from './reducer.js';
export { stableId, findingId } from './stable-id.js';
