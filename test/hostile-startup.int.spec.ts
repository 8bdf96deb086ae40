import { fork, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPlatformCodec, platformContracts } from '@self-healing/shared';
import { testEndpoints, uniqueName } from './src/endpoints.js';

/**
 * Start-up under contention: services that start at the same moment on a namespace nobody has set up yet all
 * create the same topics and register the same schemas. Each must come up, none may die of the others' writes.
 */

const SERVICES = ['telemetry-parse', 'anomaly-detect', 'projector'] as const;

describe('starting everything at once', () => {
  it('given six codecs registering every schema of a fresh namespace at once, then all succeed with the same ids', async () => {
    const e = testEndpoints();
    const prefix = `${uniqueName('race')}.`;
    const codecs = Array.from({ length: 6 }, () => createPlatformCodec(e.schemaRegistryUrl, prefix));
    const results = await Promise.all(codecs.map((c) => c.registerAll()));
    expect(results[0]!.size).toBe(platformContracts(prefix).length);
    for (const ids of results) expect([...ids]).toEqual([...results[0]!]);
  });

  it('given the three services started together on a fresh namespace, then each one comes up and stays up', async () => {
    const e = testEndpoints();
    const prefix = `${uniqueName('startup')}.`;
    const env = {
      ...process.env,
      KAFKA_BROKERS: e.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: e.schemaRegistryUrl,
      MONGODB_URI: e.mongodbUri,
      MONGODB_DB: prefix.replace(/\W/g, '_').slice(0, 60),
      TOPIC_PREFIX: prefix,
      LOG_LEVEL: 'info',
      SESSION_TIMEOUT_MS: '6000',
    };
    const children: ChildProcess[] = [];
    const output = new Map<string, string[]>();
    try {
      const ready = SERVICES.map(
        (name) =>
          new Promise<void>((resolve, reject) => {
            const child = fork(join(import.meta.dirname, `../services/${name}/src/main.ts`), [], {
              execArgv: ['--import', 'tsx', '--conditions=development'],
              env,
              stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
            });
            children.push(child);
            const lines: string[] = [];
            output.set(name, lines);
            const watch = (stream: NodeJS.ReadableStream) =>
              createInterface({ input: stream }).on('line', (line) => {
                lines.push(line);
                // Each main logs this once it consumes (anomaly-detect may also wait as a standby).
                if (/ running"|waiting for its lease/.test(line)) resolve();
              });
            watch(child.stdout!);
            watch(child.stderr!);
            child.once('exit', (code, signal) =>
              reject(
                new Error(
                  `${name} exited (${code ?? signal}) during start-up:\n${lines.slice(-20).join('\n')}`,
                ),
              ),
            );
          }),
      );
      // Waits on the services' own progress: no time budget beyond the test's.
      await Promise.all(ready);
      for (const child of children) expect(child.exitCode).toBeNull();
      const all = [...output.values()].flat().join('\n');
      expect(all).not.toMatch(/CompatibilityError|Compatibility does not match/);
    } finally {
      for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
      await Promise.all(
        children.map(
          (c) =>
            new Promise<void>((resolve) =>
              c.exitCode !== null || c.signalCode !== null ? resolve() : c.once('exit', () => resolve()),
            ),
        ),
      );
    }
  });
});
