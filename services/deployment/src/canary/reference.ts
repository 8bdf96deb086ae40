import type { LoggedRequest, RequestWindow } from '../rollout/target.js';

/**
 * What a canary's requests are compared with. Kayenta's layout first: the baseline, the stable version's code
 * started with the canary and given as much traffic, so both sides are equally new, equally loaded, and differ by
 * their code only. Without a baseline (the policy has none, it did not start, or too few of its requests are in the
 * window yet), the stable version's requests over the same minutes; and when the stable group had no share in the
 * step (the canary at 100 %, or at half with a baseline taking the other half), what the stable code served since
 * the rollout's first step.
 */
export type Reference =
  | { against: 'baseline'; requests: LoggedRequest[] }
  | { against: 'stable version'; since: 'window' | 'first step' };

export function pickReference(p: { window: RequestWindow; percent: number; minRequests: number }): Reference {
  const { window } = p;
  if (window.baselineGroup !== null) {
    const baseline = requestsOf(window, [window.baselineGroup]);
    if (baseline.length >= p.minRequests) return { against: 'baseline', requests: baseline };
  }
  const stableIdle = p.percent >= 100 || (window.baselineGroup !== null && p.percent >= 50);
  return { against: 'stable version', since: stableIdle ? 'first step' : 'window' };
}

/** The stable code's requests of a window: the stable group's and the baseline's, which runs the same commit. */
export const stableCodeRequests = (window: RequestWindow) =>
  requestsOf(window, [window.stableGroup, window.baselineGroup]);

export const canaryRequests = (window: RequestWindow) => requestsOf(window, [window.canaryGroup]);

/**
 * The requests of some slot groups. A request HAProxy retried on another server (its first one refused the
 * connection) is left out: it is logged under the server that finally answered, with the retry's second added.
 */
function requestsOf(window: RequestWindow, groups: Array<string | null>): LoggedRequest[] {
  const wanted = new Set(groups.filter((g): g is string => g !== null));
  return window.requests.filter((q) => q.group !== null && wanted.has(q.group) && !q.redispatched);
}
