import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import type { HealingPolicy, ServiceEntry } from '@self-healing/shared/catalogue';
import { startAgent, type DeploymentRecord, type RunningAgent } from '@self-healing/target';
import { freePort } from './endpoints.js';

/**
 * A healing policy that lets the platform merge and deploy a tested fix on its own at any hour, up to `maxSeverity`,
 * with this canary. The judge tolerates +50 ms at the p95: on this 2-core machine under test load, freshly started
 * processes differ from warm ones by tens of milliseconds whatever their code (the judge's latency test is in its
 * unit spec).
 */
export function autoHealing(
  maxSeverity: HealingPolicy['autoMerge']['maxSeverity'],
  canary: { steps: number[]; stepDurationMs: number },
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
      ...canary,
      judge: { minRequests: 30, maxErrorRateIncrease: 0.02, maxP95Ratio: 2, minP95IncreaseMs: 50 },
    },
  };
}

/**
 * The service's target as `healctl target up` runs it (HAProxy and the agent, on a free port, in `<work>/home`), the
 * catalogue naming it written to `<work>/<catalogueName>`, and the release on `main` deployed.
 */
export async function startTestTarget(p: {
  work: string;
  service: string;
  entry: ServiceEntry;
  healing: HealingPolicy;
  catalogueName: string;
  recorder?: (r: DeploymentRecord) => void;
}): Promise<{
  agent: RunningAgent;
  entry: ServiceEntry;
  cataloguePath: string;
  targetHome: string;
  stateDir: string;
}> {
  const entry: ServiceEntry = {
    ...p.entry,
    deployer: { ...p.entry.deployer, frontendPort: await freePort(), healthTimeoutMs: 20_000 },
    healing: p.healing,
  };
  const cataloguePath = join(p.work, p.catalogueName);
  await writeFile(cataloguePath, JSON.stringify({ version: 1, services: { [p.service]: entry } }));
  const targetHome = join(p.work, 'home');
  const stateDir = join(targetHome, 'target', p.service);
  const agent = await startAgent({
    service: p.service,
    entry,
    stateDir,
    cacheDir: join(p.work, 'target-cache'),
    environment: 'production',
    ...(p.recorder ? { recorder: { record: async (r: DeploymentRecord) => p.recorder!(r) } } : {}),
    log: () => undefined,
  });
  await agent.deployer.deploy('main');
  return { agent, entry, cataloguePath, targetHome, stateDir };
}
