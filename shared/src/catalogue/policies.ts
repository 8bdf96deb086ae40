import type { HealingPolicy } from './schema.js';

/**
 * A healing policy that lets the platform merge and deploy a fix proven by its tests on its own, at any hour, for
 * incidents up to `maxSeverity`, with this canary. For a demo, a test or a service whose owners chose so; the judge
 * tolerates a p95 increase of `minP95IncreaseMs` (50 by default: on a small machine, freshly started processes differ
 * from warm ones by tens of milliseconds whatever their code).
 */
export function autonomousHealing(
  maxSeverity: HealingPolicy['autoMerge']['maxSeverity'],
  canary: { steps: number[]; stepDurationMs: number; minP95IncreaseMs?: number },
): HealingPolicy {
  const auto = {
    enabled: true,
    maxSeverity,
    remedyKinds: ['revert' as const, 'config' as const, 'patch' as const],
    maxPatchLines: 200,
    requiredValidation: ['tests' as const],
    allowedHours: { days: [0, 1, 2, 3, 4, 5, 6], fromHour: 0, toHour: 24, timezone: 'UTC' },
  };
  return {
    autoMerge: auto,
    autoDeploy: auto,
    canary: {
      steps: canary.steps,
      stepDurationMs: canary.stepDurationMs,
      baseline: true,
      judge: {
        minRequests: 30,
        maxErrorRateIncrease: 0.02,
        maxP95Ratio: 2,
        minP95IncreaseMs: canary.minP95IncreaseMs ?? 50,
      },
    },
    rollback: 'automatic',
  };
}
