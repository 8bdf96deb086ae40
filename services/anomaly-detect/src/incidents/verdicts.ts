import { reopen, type Incident, type IncidentReducerState, type Resolution } from './reducer.js';

/**
 * A verdict on one incident from outside the detectors: an operator dismissing it as not a problem, or
 * learning.track judging the fix deployed for it.
 */
export interface Verdict {
  incidentId: string;
  action: 'dismiss' | 'fixed' | 'not_fixed';
  /** When it was given (ms); becomes the resolution time, or the re-opened incident's last sign of life. */
  at: number;
  /** Dismiss: how long the incident's templates and subjects stay quiet. */
  suppressForMs: number;
}

export interface VerdictResult {
  state: IncidentReducerState;
  /** What subscribers of the incidents topic hear: a resolution, a re-opening, or nothing. */
  action: 'resolve' | 'reopen' | 'none';
  incident: Incident | null;
  /** Why nothing was announced, for the run's record. */
  note: string;
}

/**
 * Applies a verdict to the incidents' state. Pure; the input state is not modified.
 *  - dismiss: the incident is resolved as `dismissed` (announced if it was open) and its templates and subjects
 *    stay quiet for `suppressForMs` (see `evolve`);
 *  - fixed: an open incident is resolved as `fixed` (one that already recovered stays as it is);
 *  - not_fixed: an incident that had gone quiet and been resolved meanwhile is re-opened, since the fix measured
 *    after it did not hold; an open one stays open (the next candidate is on its way).
 */
export function applyVerdict(state: IncidentReducerState, v: Verdict): VerdictResult {
  const next = structuredClone(state);
  const incident = next.incidents[v.incidentId];
  const none = (note: string): VerdictResult => ({ state, action: 'none', incident: incident ?? null, note });
  if (!incident)
    return none(`no incident ${v.incidentId} is known to the detectors (never opened, or forgotten)`);
  const resolve = (resolution: Resolution) => {
    incident.status = 'resolved';
    incident.resolution = resolution;
    incident.resolvedAt = Math.max(v.at, incident.openedAt);
  };
  switch (v.action) {
    case 'dismiss': {
      const wasOpen = incident.status === 'open';
      resolve('dismissed');
      incident.quietUntil = v.at + v.suppressForMs;
      if (wasOpen) return { state: next, action: 'resolve', incident, note: 'dismissed' };
      return {
        state: next,
        action: 'none',
        incident,
        note: 'already resolved; its templates and subjects are quiet from now on',
      };
    }
    case 'fixed':
      if (incident.status !== 'open') return none(`already resolved (${incident.resolution ?? 'recovered'})`);
      resolve('fixed');
      return { state: next, action: 'resolve', incident, note: 'fixed' };
    case 'not_fixed':
      if (incident.status === 'open') return none('still open: the next remedy is on its way');
      if (incident.resolution === 'dismissed') return none('dismissed by an operator: stays closed');
      reopen(incident);
      // Not resolved again by the quiet-period rule on the next run: the verdict is its last sign of life.
      incident.lastSeen = Math.max(incident.lastSeen, v.at);
      return { state: next, action: 'reopen', incident, note: 'the fix did not hold' };
  }
}
