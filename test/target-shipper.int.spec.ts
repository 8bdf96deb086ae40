import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploymentRecordedSubject, type DeploymentRecorded } from '@self-healing/schemas';
import { loadCatalogue } from '@self-healing/shared/catalogue';
import {
  Deployer,
  driveTraffic,
  KafkaDeploymentRecorder,
  materializeAppRepo,
  type AppRepo,
} from '@self-healing/target';
import { testEndpoints, uniqueName, waitFor } from './src/endpoints.js';
import { testEnvironment, type TestEnvironment } from './src/environment.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const shipperMain = join(root, 'services', 'target', 'src', 'shipper', 'main.ts');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Every message of a topic from the beginning, until `done` says enough. */
async function readTopic(env: TestEnvironment, topic: string, done: (all: KafkaMessage[]) => boolean) {
  const consumer = env.kafka.consumer({ groupId: uniqueName('target-read') });
  const all: KafkaMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void all.push(message) });
  try {
    await waitFor(() => done(all), { timeoutMs: 60_000, message: `reading ${topic}` });
  } finally {
    await consumer.disconnect();
  }
  return all;
}

const header = (m: KafkaMessage, name: string) => m.headers?.[name]?.toString() ?? '';

// Each test builds the sample service (npm ci, tsc) on a shared 2-core machine: a generous budget.
describe(
  'log shipper and deployment records, against the deployed sample service',
  { timeout: 300_000 },
  () => {
    let work: string;
    let env: TestEnvironment;
    let repo: AppRepo;
    let deployer: Deployer;
    let shipper: ChildProcess | null = null;
    const logDir = () => join(work, 'target', 'logs');
    const checkpointFile = () => join(work, 'target', 'shipper.json');

    const startShipper = () => {
      // One process (tsx as a loader, not its CLI, which would run the shipper in a child that outlives a SIGKILL).
      const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', shipperMain], {
        cwd: root,
        stdio: ['ignore', 'ignore', 'inherit'],
        env: {
          PATH: process.env.PATH,
          KAFKA_BROKERS: testEndpoints().kafkaBrokers.join(','),
          TOPIC_PREFIX: env.prefix,
          LOG_DIR: logDir(),
          CHECKPOINT_FILE: checkpointFile(),
          LOG_LEVEL: 'warn',
        },
      });
      shipper = child;
      return child;
    };
    const checkpoints = (): Record<string, { offset: number }> =>
      existsSync(checkpointFile())
        ? (JSON.parse(readFileSync(checkpointFile(), 'utf8')) as Record<string, { offset: number }>)
        : {};
    const shippedBytes = () => Object.values(checkpoints()).reduce((a, c) => a + c.offset, 0);
    const fileSizes = (): Record<string, number> =>
      Object.fromEntries(
        readdirSync(logDir())
          .filter((f) => f.endsWith('.log'))
          .map((f) => [f, statSync(join(logDir(), f)).size]),
      );

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'target-ship-'));
      env = await testEnvironment('target-shipper');
      repo = materializeAppRepo(join(root, 'services', 'sample-service', 'app'), join(work, 'repo'));
      const example = loadCatalogue(join(root, 'services', 'target', 'catalogue', 'sample.yaml')).services
        .checkout!;
      const producer = env.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      deployer = await Deployer.open({
        service: 'checkout',
        entry: {
          ...example,
          repository: { ...example.repository, url: repo.url },
          deployer: { ...example.deployer, frontendPort: await freePort(), healthTimeoutMs: 8000 },
        },
        stateDir: join(work, 'target'),
        cacheDir: join(work, 'cache'),
        environment: 'test',
        recorder: new KafkaDeploymentRecorder(
          producer,
          env.codec,
          env.topics.deployments,
          `${env.prefix}${deploymentRecordedSubject}`,
        ),
      });
      await deployer.deploy(repo.commits.a);
      await deployer.deploy(repo.commits.b, { canaryPercent: 50 });
    }, 600_000);

    afterAll(async () => {
      shipper?.kill('SIGKILL');
      await deployer?.down();
      await env?.mongo.close();
      rmSync(work, { recursive: true, force: true });
    });

    it('publishes DeploymentRecorded for the deploy of A and the canary of B, decodable with the registry alone', async () => {
      const messages = await readTopic(env, env.topics.deployments, (all) => all.length >= 2);
      const records = (await Promise.all(
        messages.map((m) => env.codec.registry.decode(m.value!)),
      )) as DeploymentRecorded[];
      expect(records.map((r) => [r.action, r.outcome, r.commit, r.trafficPercent])).toEqual([
        ['deploy', 'succeeded', repo.commits.a, 100],
        ['canary', 'succeeded', repo.commits.b, 50],
      ]);
      expect(records[1]).toMatchObject({
        service: 'checkout',
        environment: 'test',
        previousCommit: repo.commits.a,
      });
      expect(messages.map((m) => m.key?.toString())).toEqual(['checkout/test', 'checkout/test']);
    });

    it('ships every line across a SIGKILL of the shipper, and tells the versions apart by their commit header', async () => {
      startShipper();
      const traffic = driveTraffic({
        url: deployer.frontendUrl,
        seed: 42,
        rate: 40,
        scenarios: 400,
        maxDurationMs: 60_000,
      });
      // Kill it once it has shipped something and while the service is still writing.
      await waitFor(() => shippedBytes() > 20_000, { timeoutMs: 60_000, message: 'first shipped lines' });
      shipper!.kill('SIGKILL');
      await new Promise((r) => shipper!.once('exit', r));
      const atKill = shippedBytes();
      startShipper();
      const report = await traffic;
      expect(report.unexpected).toBe(0);
      // The load balancer's health checks keep the instances writing: wait for what was written when traffic ended.
      const sizesAtEnd = fileSizes();
      await waitFor(
        () => Object.entries(sizesAtEnd).every(([f, size]) => (checkpoints()[f]?.offset ?? 0) >= size),
        { timeoutMs: 60_000, message: 'shipper catching up' },
      );
      expect(shippedBytes()).toBeGreaterThan(atKill);
      shipper!.kill('SIGTERM');
      await new Promise((r) => shipper!.once('exit', r));

      // What was shipped is exactly what the final checkpoint says: the files' lines up to its offsets.
      const final = checkpoints();
      const written = new Map(
        Object.entries(final).map(([f, c]) => [
          f,
          readFileSync(join(logDir(), f))
            .subarray(0, c.offset)
            .toString('utf8')
            .split('\n')
            .filter((l) => l.length > 0),
        ]),
      );
      const total = [...written.values()].reduce((s, l) => s + l.length, 0);
      const seen = new Map<string, KafkaMessage>();
      let duplicates = 0;
      const messages = await readTopic(env, env.topics.telemetryRaw, (all) => {
        seen.clear();
        duplicates = 0;
        for (const m of all) {
          const id = `${header(m, 'log-file')}@${header(m, 'log-offset')}`;
          const first = seen.get(id);
          if (first) {
            // At least once: a record resent after the kill is an exact copy of the first.
            expect(m.value!.toString()).toBe(first.value!.toString());
            duplicates += 1;
          } else seen.set(id, m);
        }
        return [...seen.values()].reduce((s, m) => s + m.value!.toString().split('\n').length, 0) >= total;
      });
      const shippedLines = new Map<string, string[]>();
      for (const m of [...seen.values()].sort(
        (x, y) => Number(header(x, 'log-offset')) - Number(header(y, 'log-offset')),
      )) {
        const file = header(m, 'log-file');
        shippedLines.set(file, [...(shippedLines.get(file) ?? []), ...m.value!.toString().split('\n')]);
      }
      for (const [file, lines] of written) expect(shippedLines.get(file)).toEqual(lines);
      expect(messages.length).toBe(seen.size + duplicates);
      expect(duplicates).toBeLessThanOrEqual(Object.keys(final).length);

      // Headers name the writer; the commit header separates the two versions serving side by side.
      const commits = new Set([...seen.values()].map((m) => header(m, 'commit')));
      expect(commits).toEqual(new Set([repo.commits.a, repo.commits.b]));
      for (const m of seen.values()) {
        expect(header(m, 'log-file').startsWith(header(m, 'commit').slice(0, 12))).toBe(true);
        expect(header(m, 'service')).toBe('checkout');
        // undeclared: the file is stdout and stderr together, JSON lines and the runtime's text (the parser sniffs)
        expect(m.headers?.['content-type']).toBeUndefined();
        expect(header(m, 'version')).toMatch(/^1\.\d+\.\d+\+[0-9a-f]{7}$/);
        expect(header(m, 'host')).toMatch(/\/[ab]\d$/);
        const first = JSON.parse(m.value!.toString().split('\n')[0]!) as { name?: string };
        expect(first.name).toBe('checkout');
      }
    });
  },
);
