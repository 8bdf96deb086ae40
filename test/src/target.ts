import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { autonomousHealing, type HealingPolicy, type ServiceEntry } from '@self-healing/shared/catalogue';
import { startAgent, type DeploymentRecord, type RunningAgent } from '@self-healing/target';
import { freePort } from './endpoints.js';

/** The tests' policy: the platform acts alone up to `maxSeverity` (see autonomousHealing). */
export const autoHealing = (
  maxSeverity: HealingPolicy['autoMerge']['maxSeverity'],
  canary: { steps: number[]; stepDurationMs: number },
): HealingPolicy => autonomousHealing(maxSeverity, canary);

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
