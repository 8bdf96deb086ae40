/**
 * `npm run demo`: the platform heals a real service on one machine, with nobody touching it. It starts the servers
 * (Kafka, the Schema Registry, the MongoDB-compatible store and the forge), puts the sample checkout service's
 * repository on the forge, runs the platform's eight services as processes, deploys the healthy release behind
 * HAProxy with real shoppers, then a release that carries a fault of the corpus among other changes; and tells the
 * story of what follows, from the projection: the incident opening with its evidence, the diagnosis naming the
 * commit, file and line, the patch, its validation, the pull request on the forge, CI, the merge, the canary, the
 * verification and the learning record. How the detectors get a baseline in minutes: see `demoTimings`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { resolveEndpoints } from '@self-healing/infra';
import { deploymentRecordedSubject } from '@self-healing/schemas';
import {
  connectMongo,
  createKafka,
  createLogger,
  createPlatformCodec,
  ensureTopics,
  platformTopicNames,
  platformTopics,
} from '@self-healing/shared';
import { loadCatalogue, type HealingPolicy, type ServiceEntry } from '@self-healing/shared/catalogue';
import { GiteaForge, pushToForge } from '@self-healing/shared/forge';
import { materializeFault } from '@self-healing/sample-service';
import { exampleCatalogue, KafkaDeploymentRecorder, startAgent } from '@self-healing/target';
import { ProjectionCatalog, type IncidentDoc } from '@self-healing/projector';
import { DEMO_WORK_ROOT, newDemoNamespace, pruneEarlierDemoRuns } from '../commands/demoNamespaces.js';
import { requestUnparsed } from '../commands/parse.js';
import { exitWhenFlushed } from '../output.js';
import { PLATFORM_SERVICES, startServiceProcess, stopServiceProcess } from './processes.js';
import { continuousTraffic, every } from './live.js';
import { IncidentStory, type StoryEnd } from './story.js';

const SERVICE = 'checkout';
/** The corpus fault the demo releases: British labels without a second address line throw (an error fault). */
const FAULT = process.env.DEMO_FAULT ?? 'gb-label-second-line';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const say = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The detectors learn from the traffic before the release: `warmupS` seconds of shoppers on the healthy release
 * (about 15 requests a second), in which every error template and log sequence the healthy service shows is learned
 * (ERROR_WARMUP_MS is half of it: after that, an error template never seen before is news). Telemetry is parsed in
 * 5 s windows every 5 s. The performance detector keeps its hour-scale preset (the catalogue's): minutes of history
 * are not enough to judge latencies, so the demo's fault is an error fault. The fix is watched for `observeS`.
 */
export function demoTimings(env: NodeJS.ProcessEnv = process.env) {
  const n = (name: string, fallback: number) => {
    const v = Number(env[name] ?? fallback);
    return Number.isFinite(v) && v > 0 ? v : fallback;
  };
  return {
    warmupS: n('DEMO_WARMUP_S', 120),
    observeS: n('DEMO_OBSERVE_S', 60),
    timeoutS: n('DEMO_TIMEOUT_S', 900),
    rate: n('DEMO_RATE', 15),
    windowMs: 5000,
    parseEveryMs: 5000,
  };
}

/** Nobody approves in the demo: the platform may merge and deploy a tested fix of any incident at any hour. */
function demoHealing(): HealingPolicy {
  const auto = {
    enabled: true,
    maxSeverity: 'critical' as const,
    remedyKinds: ['revert' as const, 'config' as const, 'patch' as const],
    maxPatchLines: 200,
    requiredValidation: ['tests' as const],
    allowedHours: { days: [0, 1, 2, 3, 4, 5, 6], fromHour: 0, toHour: 24, timezone: 'UTC' },
  };
  return {
    autoMerge: auto,
    autoDeploy: auto,
    // One canary step at half the traffic for 20 s. A laptop's freshly started processes differ from warm ones by
    // tens of milliseconds, so the p95 must also grow by 50 ms before the judge calls it worse.
    canary: {
      steps: [50],
      stepDurationMs: 20_000,
      judge: { minRequests: 30, maxErrorRateIncrease: 0.02, maxP95Ratio: 2, minP95IncreaseMs: 50 },
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });
}

async function main(): Promise<void> {
  const started = Date.now();
  const t = demoTimings();
  say('self-healing demo: a real service, a real fault, healed with nobody touching it\n');

  say('1/7  servers: Kafka, Schema Registry, MongoDB-compatible store, the forge (Gitea)');
  const infra = await resolveEndpoints({ log: (l: string) => say(`     ${l}`) });
  const e = infra.endpoints;
  if (!e.forge)
    throw new Error(
      'the demo needs the forge: let the local launcher start Gitea (the default), or set FORGE_URL and FORGE_TOKEN',
    );
  const namespace = newDemoNamespace(new Date(), randomUUID().slice(0, 4));
  const prefix = `${namespace}.`;
  say(`     this run's namespace: database ${namespace}, topics ${prefix}*`);
  await pruneEarlierDemoRuns(e, say);
  const work = join(DEMO_WORK_ROOT, namespace);
  mkdirSync(join(work, 'logs'), { recursive: true });

  say(`2/7  the service: the sample checkout service's history and a release carrying the fault ${FAULT}`);
  const release = await materializeFault(FAULT, join(work, 'repo'));
  const forge = new GiteaForge({ url: e.forge.url, token: e.forge.token });
  const owner = (await forge.currentUser()).login;
  const repoRef = { owner, name: `checkout-${namespace.replace(/_/g, '-')}` };
  await forge.ensureRepo(repoRef, {
    private: false,
    description: `sample checkout service (demo ${namespace})`,
  });
  await pushToForge(forge, repoRef, {
    dir: release.repo,
    refspecs: ['main:main', 'refs/tags/*:refs/tags/*'],
  });
  const cloneUrl = (await forge.gitRemote(repoRef)).url;
  say(
    `     ${e.forge.url}/${owner}/${repoRef.name}: v1.4.0 ${release.healthy.slice(0, 12)} (healthy), v1.5.0 ${release.faulty.slice(0, 12)} (the release)`,
  );

  const example = loadCatalogue(exampleCatalogue()).services[SERVICE]!;
  const entry: ServiceEntry = {
    ...example,
    repository: { ...example.repository, url: cloneUrl },
    deployer: { ...example.deployer, frontendPort: await freePort() },
    healing: demoHealing(),
  };
  const cataloguePath = join(work, 'catalogue.json');
  writeFileSync(cataloguePath, JSON.stringify({ version: 1, services: { [SERVICE]: entry } }, null, 2));

  const topics = platformTopicNames(prefix);
  const logger = createLogger('demo', 'error');
  const kafka = createKafka('demo', e.kafkaBrokers, logger);
  await ensureTopics(kafka, platformTopics(prefix));
  const codec = createPlatformCodec(e.schemaRegistryUrl, prefix);
  await codec.registerAll();
  const { client, db } = await connectMongo(e.mongodbUri, namespace);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();

  say(`3/7  the platform: ${PLATFORM_SERVICES.join(', ')} (logs in ${join(work, 'logs')})`);
  const targetHome = join(work, 'home');
  const env: Record<string, string> = {
    KAFKA_BROKERS: e.kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: e.schemaRegistryUrl,
    MONGODB_URI: e.mongodbUri,
    MONGODB_DB: namespace,
    TOPIC_PREFIX: prefix,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    HTTP_PORT: '0',
    CATALOGUE: cataloguePath,
    LOG_ROOT: join(work, 'log-root'),
    REPO_CACHE_DIR: join(work, 'repos'),
    FIX_WORK_DIR: join(work, 'fix'),
    VALIDATION_WORK_DIR: join(work, 'validation'),
    DEPLOYMENT_WORK_DIR: join(work, 'deployment'),
    TARGET_HOME: targetHome,
    FORGE_URL: e.forge.url,
    FORGE_TOKEN: e.forge.token,
    FORGE_USER: owner,
    DEPLOYMENT_ENVIRONMENT: 'production',
    ENVIRONMENT: 'production',
    WINDOW_MS: String(t.windowMs),
    ALLOWED_LATENESS_MS: String(2 * t.windowMs),
    ERROR_WARMUP_MS: String(Math.round((t.warmupS * 1000) / 2)),
    TEST_TIMEOUT_MS: '120000',
    TEST_RERUNS: '1',
    PERF_SAMPLES: '60',
    CI_POLL_MS: '1000',
    OBSERVE_FOR_MS: String(t.observeS * 1000),
    SETTLE_MS: '0',
    TELEMETRY_LAG_MS: String(4 * t.windowMs),
  };
  const processes: ChildProcess[] = PLATFORM_SERVICES.map((s) =>
    startServiceProcess(root, s, env, join(work, 'logs', `${s}.log`)),
  );
  let agent: Awaited<ReturnType<typeof startAgent>> | null = null;
  let traffic: ReturnType<typeof continuousTraffic> | null = null;
  let parsing: ReturnType<typeof every> | null = null;
  try {
    say(
      `4/7  production: ${SERVICE} behind HAProxy on http://127.0.0.1:${entry.deployer.frontendPort}, its logs shipped to ${topics.telemetryRaw}`,
    );
    agent = await startAgent({
      service: SERVICE,
      entry,
      stateDir: join(targetHome, 'target', SERVICE),
      cacheDir: join(work, 'target-cache'),
      environment: 'production',
      recorder: new KafkaDeploymentRecorder(
        producer,
        codec,
        topics.deployments,
        `${prefix}${deploymentRecordedSubject}`,
      ),
      shipping: { producer, topic: topics.telemetryRaw },
      log: () => undefined,
    });
    await agent.deployer.deploy(release.healthy, {}, (step) => say(`     deploy v1.4.0: ${step}`));
    traffic = continuousTraffic(`http://127.0.0.1:${entry.deployer.frontendPort}`, 7, t.rate);
    parsing = every(
      t.parseEveryMs,
      () =>
        requestUnparsed(kafka, db, codec, {
          rawTopic: topics.telemetryRaw,
          commandsTopic: topics.commands,
          windowMs: t.windowMs,
        }),
      (error) => say(`     a parse request failed (the next one catches up): ${error.message}`),
    );

    say(
      `5/7  warm-up: ${t.warmupS} s of shoppers on the healthy release, so the detectors learn what normal looks like`,
    );
    for (let s = 0; s < t.warmupS; s += 15) {
      await sleep(Math.min(15, t.warmupS - s) * 1000);
      const tally = traffic.tally();
      say(`     ${Math.min(s + 15, t.warmupS)} s: ${tally.requests} requests, ${tally.failed} failed`);
    }

    say('6/7  the release: v1.5.0 (three commits, one of them the fault) replaces v1.4.0');
    const releasedAt = Date.now();
    traffic.reset();
    await agent.deployer.deploy(release.faulty, {}, (step) => say(`     deploy v1.5.0: ${step}`));
    say('     the platform takes it from here; what it does, as the incident projection records it:\n');
    const ends = await followIncidents(db, releasedAt, t.timeoutS * 1000);

    const tally = traffic.tally();
    say(
      `\n7/7  done in ${Math.round((Date.now() - started) / 1000)} s; since the release the shoppers made ${tally.requests} requests, ${tally.failed} failed.`,
    );
    for (const [id, end] of ends)
      say(
        `     ${id}: ${end === null ? 'still under way when the demo stopped' : end.kind === 'resolved' ? 'healed: the fix serves everyone and its telemetry shows the fault gone' : `left for people: ${end.why}`}`,
      );
    const healctl = `MONGODB_DB=${namespace} TOPIC_PREFIX=${prefix} npm run healctl --`;
    say('\nWhere to look next:');
    for (const id of ends.keys()) say(`  ${healctl} incidents show ${id}   the whole story, stage by stage`);
    say(`  ${healctl} incidents list                 every run and incident, newest first`);
    say(`  ${healctl} insights                       what the platform learned, per service and remedy`);
    say(`  ${e.forge.url}/${owner}/${repoRef.name}/pulls?state=all   the pull requests, on the forge`);
    say(`  ${work}   the platform's logs, the service's logs and the catalogue of this run`);
    say("  npm run healctl -- demo prune --keep 0            remove every demo run's namespace");
    say('  npm run healctl -- infra down                     stop the local servers');
  } finally {
    await traffic?.stop();
    await parsing?.stop();
    if (agent) {
      await agent.deployer.down().catch(() => undefined);
      await agent.close().catch(() => undefined);
    }
    await Promise.all(processes.map((p) => stopServiceProcess(p)));
    await producer.disconnect().catch(() => undefined);
    await client.close();
  }
}

/**
 * Tells the story of every incident opened since the release until each has ended (healed, or stopped for people)
 * or the time is up. The projection holds one document per run and per incident; incidents are those with an
 * IncidentOpened.
 */
async function followIncidents(
  db: Awaited<ReturnType<typeof connectMongo>>['db'],
  since: number,
  timeoutMs: number,
): Promise<Map<string, StoryEnd>> {
  const catalog = new ProjectionCatalog(db);
  const stories = new Map<string, IncidentStory>();
  const ends = new Map<string, StoryEnd>();
  const deadline = Date.now() + timeoutMs;
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    const docs: IncidentDoc[] = await (
      await catalog.collection()
    )
      .find({ 'timeline.event': 'IncidentOpened', createdAt: { $gte: since - 60_000 } })
      .sort({ createdAt: 1 })
      .toArray();
    for (const doc of docs) {
      let story = stories.get(doc._id);
      if (!story) {
        story = new IncidentStory(db, say);
        stories.set(doc._id, story);
        say(`\n  ● incident ${doc._id}`);
      }
      const end = await story.tell(doc);
      if (end || !ends.has(doc._id)) ends.set(doc._id, end);
    }
    const open = [...ends.values()].filter((v) => v === null).length;
    if (ends.size > 0 && open === 0) {
      // Everything told has ended; a little longer for a late incident of the same release.
      if (Date.now() - quietSince > 20_000) break;
    } else quietSince = Date.now();
    await sleep(1000);
  }
  if (stories.size === 0) say('     no incident opened');
  return ends;
}

// Exits once the output is drained: `npm run demo | tee demo.txt` gets all of it.
main().then(
  () => exitWhenFlushed(0),
  (error) => {
    process.stderr.write(
      `demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    exitWhenFlushed(1);
  },
);
