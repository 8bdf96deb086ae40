import { describe, expect, it } from 'vitest';
import type { LoggedRequest, RequestWindow } from '../rollout/target.js';
import { canaryRequests, pickReference, stableCodeRequests } from './reference.js';

const served = (group: 'a' | 'b' | 'c', count: number, extra: Partial<LoggedRequest> = {}): LoggedRequest[] =>
  Array.from({ length: count }, (_, i) => ({
    at: i,
    group,
    status: 200,
    totalMs: 5,
    redispatched: false,
    ...extra,
  }));

const window = (requests: LoggedRequest[], baseline: boolean): RequestWindow => ({
  requests,
  stableGroup: 'a',
  canaryGroup: 'b',
  baselineGroup: baseline ? 'c' : null,
  stableCommit: 'old',
  canaryCommit: 'new',
  truncated: false,
});

describe('what a canary is compared with', () => {
  it('is the baseline once it has served enough requests in the window', () => {
    const w = window([...served('a', 80), ...served('b', 40), ...served('c', 40)], true);
    const ref = pickReference({ window: w, percent: 10, minRequests: 30 });
    expect(ref.against).toBe('baseline');
    expect(ref.against === 'baseline' && ref.requests.every((q) => q.group === 'c')).toBe(true);
    expect(canaryRequests(w)).toHaveLength(40);
  });

  it('is the stable version over the window while the baseline has too few requests', () => {
    const w = window([...served('a', 80), ...served('b', 10), ...served('c', 10)], true);
    expect(pickReference({ window: w, percent: 10, minRequests: 30 })).toEqual({
      against: 'stable version',
      since: 'window',
    });
    // The baseline runs the stable commit: its requests count as the stable code's.
    expect(stableCodeRequests(w)).toHaveLength(90);
  });

  it('reaches back to the first step when the stable group had no share in this one', () => {
    const half = window([...served('b', 10), ...served('c', 10)], true);
    expect(pickReference({ window: half, percent: 50, minRequests: 30 })).toEqual({
      against: 'stable version',
      since: 'first step',
    });
    const all = window(served('b', 100), false);
    expect(pickReference({ window: all, percent: 100, minRequests: 30 })).toEqual({
      against: 'stable version',
      since: 'first step',
    });
    // Without a baseline, half the traffic is still the stable group's.
    expect(pickReference({ window: window(served('a', 5), false), percent: 50, minRequests: 30 })).toEqual({
      against: 'stable version',
      since: 'window',
    });
  });

  it('leaves out requests retried on another server', () => {
    const w = window([...served('c', 40, { redispatched: true }), ...served('c', 20)], true);
    expect(pickReference({ window: w, percent: 10, minRequests: 30 }).against).toBe('stable version');
    expect(stableCodeRequests(w)).toHaveLength(20);
  });
});
