// Global setup of the `int` project: one set of real servers for all integration files, from the environment,
// Docker or the local launcher (see @self-healing/infra resolveEndpoints). Stops only what it started itself, so
// servers started by `npm run infra -- up` (or given in the environment) survive the test run.
import type { TestProject } from 'vitest/node';
import { resolveEndpoints } from '@self-healing/infra';
// ProvidedContext is augmented in ./endpoints.ts (part of this program), which types provide('endpoints', ...).

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const t0 = Date.now();
  const resolved = await resolveEndpoints({ log: (l) => process.stderr.write(`[infra] ${l}\n`) });
  process.stderr.write(
    `[infra] endpoints from ${resolved.source} in ${Date.now() - t0} ms: kafka ${resolved.endpoints.kafkaBrokers.join(',')}, ` +
      `registry ${resolved.endpoints.schemaRegistryUrl}, mongodb ${resolved.endpoints.mongodbUri}, ` +
      `forge ${resolved.endpoints.forge?.url ?? '(none)'}\n`,
  );
  project.provide('endpoints', resolved.endpoints);
  return async () => {
    if (resolved.source === 'docker' || resolved.source === 'local-started') {
      process.stderr.write(
        `[infra] stopping the ${resolved.source === 'docker' ? 'containers' : 'local servers'} this run started\n`,
      );
    }
    await resolved.stop();
  };
}
