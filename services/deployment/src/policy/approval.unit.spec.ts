import { describe, expect, it } from 'vitest';
import type { HealingPolicy } from '@self-healing/shared/catalogue';
import { decideApproval, decideRollbackApproval, withinHours, type FixFacts } from './approval.js';

const always = { days: [0, 1, 2, 3, 4, 5, 6], fromHour: 0, toHour: 24, timezone: 'UTC' };
const condition = {
  enabled: true,
  maxSeverity: 'high' as const,
  remedyKinds: ['revert' as const, 'patch' as const],
  maxPatchLines: 40,
  requiredValidation: ['tests' as const, 'canary' as const],
  allowedHours: always,
};
const policy: HealingPolicy = {
  autoMerge: condition,
  autoDeploy: condition,
  canary: {
    steps: [10, 50],
    stepDurationMs: 60_000,
    baseline: true,
    judge: { minRequests: 50, maxErrorRateIncrease: 0.02, maxP95Ratio: 1.5, minP95IncreaseMs: 10 },
  },
  rollback: 'automatic',
};
const fix: FixFacts = { severity: 'medium', remedyKind: 'patch', patchLines: 12, proven: ['tests', 'build'] };
// Wednesday 2026-12-02 14:30 UTC.
const WEDNESDAY_AFTERNOON = Date.UTC(2026, 11, 2, 14, 30);

describe('decideApproval', () => {
  it('lets a small, tested fix of a medium incident go out on its own', () => {
    expect(decideApproval(policy, fix, WEDNESDAY_AFTERNOON)).toEqual({ automatic: true, reasons: [] });
  });

  it('names every condition a fix misses, for both merge and deploy', () => {
    const d = decideApproval(
      policy,
      { severity: 'critical', remedyKind: 'dependency', patchLines: 400, proven: [] },
      WEDNESDAY_AFTERNOON,
    );
    expect(d.automatic).toBe(false);
    expect(d.reasons.map((r) => r.code)).toEqual([
      'severity-too-high',
      'remedy-kind-needs-review',
      'patch-too-large',
      'validation-too-weak',
      'severity-too-high',
      'remedy-kind-needs-review',
      'patch-too-large',
      'validation-too-weak',
    ]);
    expect(d.reasons[0]!.field).toBe('healing.autoMerge.maxSeverity');
    expect(d.reasons[3]!.message).toContain('tests');
  });

  it('asks a person when either half of the policy is off', () => {
    const d = decideApproval(
      { ...policy, autoDeploy: { ...condition, enabled: false } },
      fix,
      WEDNESDAY_AFTERNOON,
    );
    expect(d.automatic).toBe(false);
    expect(d.reasons).toEqual([
      {
        code: 'policy-disabled',
        message: 'autoDeploy is off for this service',
        field: 'healing.autoDeploy.enabled',
      },
    ]);
  });

  it('counts the canary every deployment goes through as proof', () => {
    expect(decideApproval(policy, { ...fix, proven: ['tests'] }, WEDNESDAY_AFTERNOON).automatic).toBe(true);
  });

  it('keeps a fix for office hours in the window’s own timezone', () => {
    const office = {
      ...condition,
      allowedHours: { days: [1, 2, 3, 4, 5], fromHour: 9, toHour: 17, timezone: 'Asia/Tokyo' },
    };
    // 14:30 UTC is 23:30 in Tokyo.
    const d = decideApproval({ ...policy, autoMerge: office, autoDeploy: office }, fix, WEDNESDAY_AFTERNOON);
    expect(d.automatic).toBe(false);
    expect(d.reasons[0]!.message).toContain('Wed 23:00 in Asia/Tokyo is outside 9:00-17:00');
    // 01:00 UTC on Thursday is 10:00 in Tokyo.
    expect(
      decideApproval({ ...policy, autoMerge: office, autoDeploy: office }, fix, Date.UTC(2026, 11, 3, 1))
        .automatic,
    ).toBe(true);
  });
});

describe('withinHours', () => {
  it('refuses a day outside the window and an unknown timezone', () => {
    // 2026-12-06 is a Sunday.
    expect(withinHours({ ...always, days: [1, 2, 3, 4, 5] }, Date.UTC(2026, 11, 6, 12))).toMatch(
      /not an allowed day/,
    );
    expect(withinHours({ ...always, timezone: 'Mars/Olympus' }, WEDNESDAY_AFTERNOON)).toMatch(
      /unknown timezone/,
    );
    expect(withinHours(always, WEDNESDAY_AFTERNOON)).toBe(true);
  });
});

describe('taking a promoted fix out again', () => {
  const rollback = {
    deploymentId: 'dep-1',
    reason: 'more errors after it',
    requestedBy: 'stage:learning.track',
  };

  it('goes on its own by default, saying what is rolled back and why', () => {
    const d = decideRollbackApproval({ rollback: 'automatic' }, rollback);
    expect(d.automatic).toBe(true);
    expect(d.reasons[0]).toMatchObject({ code: 'rollback' });
    expect(d.reasons[0].message).toContain('dep-1');
    expect(d.reasons[0].message).toContain('more errors after it');
  });

  it('waits for a person when the service wants one for rollbacks too', () => {
    const d = decideRollbackApproval({ rollback: 'approval' }, rollback);
    expect(d).toMatchObject({
      automatic: false,
      reasons: [{ code: 'rollback-needs-approval', field: 'healing.rollback' }],
    });
  });
});
