import { describe, expect, it } from 'vitest';
import { CHAOS_VICTIMS, chaosSchedule, type ChaosPlan, type ChaosStep } from './chaos.js';

const take = (plan: ChaosPlan, n: number): ChaosStep[] => {
  const steps: ChaosStep[] = [];
  for (const step of chaosSchedule(plan, CHAOS_VICTIMS)) {
    steps.push(step);
    if (steps.length === n) break;
  }
  return steps;
};

describe('chaosSchedule', () => {
  const plan: ChaosPlan = { seed: 3, meanGapS: 10, restartServers: ['kafka', 'ferretdb'] };

  it('kills each of the seven stage services once per round, then restarts one server after each of the first rounds', () => {
    expect(CHAOS_VICTIMS).toHaveLength(7);
    expect(CHAOS_VICTIMS).not.toContain('projector');
    const steps = take(plan, 8 + 8 + 7 + 7);
    const rounds = [steps.slice(0, 7), steps.slice(8, 15), steps.slice(16, 23), steps.slice(23, 30)];
    for (const round of rounds)
      expect(round.map((s) => (s.kind === 'kill' ? s.service : s.server)).sort()).toEqual(
        [...CHAOS_VICTIMS].sort(),
      );
    expect(steps[7]).toMatchObject({ kind: 'restart', server: 'kafka' });
    expect(steps[15]).toMatchObject({ kind: 'restart', server: 'ferretdb' });
    expect(steps.slice(16).every((s) => s.kind === 'kill')).toBe(true);
  });

  it('waits between half and one and a half of the mean gap, and a seed gives the same schedule', () => {
    const steps = take(plan, 50);
    for (const s of steps) {
      expect(s.afterMs).toBeGreaterThanOrEqual(5_000);
      expect(s.afterMs).toBeLessThanOrEqual(15_000);
    }
    expect(take(plan, 50)).toEqual(steps);
    expect(take({ ...plan, seed: 4 }, 50)).not.toEqual(steps);
  });

  it('without servers to restart, only kills', () => {
    expect(take({ ...plan, restartServers: [] }, 21).every((s) => s.kind === 'kill')).toBe(true);
  });
});
