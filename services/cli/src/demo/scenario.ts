/**
 * One healing scenario, for real: a namespace of its own on the servers; the sample checkout service's repository
 * with a corpus fault's release on the forge; the platform's eight services as processes; production behind HAProxy
 * with shoppers and the logs shipped and parsed as they come; the healthy release, a warm-up, then the faulty
 * release; and every incident that opens told until it ends. `npm run demo` runs one and tells it;
 * `npm run bench:healing` runs one per fault and keeps the record (`HealingRecord`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import type { Db } from 'mongodb';
import type { Producer } from 'kafkajs';
import { restartLocalServer, type Endpoints } from '@self-healing/infra';
import { deploymentRecordedSubject, type PayloadOf } from '@self-healing/schemas';
import {
  buildCommand,
  connectMongo,
  createKafka,
  createLogger,
  createPlatformCodec,
  ensureTopics,
  platformTopicNames,
  platformTopics,
  type RegistryCodec,
} from '@self-healing/shared';
import { autonomousHealing, loadCatalogue, type ServiceEntry } from '@self-healing/shared/catalogue';
import { GiteaForge, pushToForge } from '@self-healing/shared/forge';
import { materializeFault, type Corpus } from '@self-healing/sample-service';
import {
  exampleCatalogue,
  KafkaDeploymentRecorder,
  startAgent,
  type DeploymentRecord,
} from '@self-healing/target';
import { ProjectionCatalog, type IncidentDoc } from '@self-healing/projector';
import { DEMO_WORK_ROOT, newDemoNamespace } from '../commands/demoNamespaces.js';
import type { DiagnosisDoc } from '../commands/incidents.js';
import { unparsedFollower } from '../commands/parse.js';
import { deploymentRunOf } from '../commands/approve.js';
import { promotedDeployment } from '../commands/rollback.js';
import { PLATFORM_SERVICES, PlatformProcesses } from './processes.js';
import { CHAOS_VICTIMS, startChaos, type Chaos, type ChaosEvent, type ChaosPlan } from './chaos.js';
import { continuousTraffic, every, type TrafficTally } from './live.js';
import { healed, IncidentStory, type StoryEnd } from './story.js';

const SERVICE = 'checkout';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * How the detectors get a baseline in minutes: `warmupS` seconds of shoppers on the healthy release, in which every
 * error template and log sequence the healthy service shows is learned (ERROR_WARMUP_MS is half of it: after that,
 * an error template never seen before is news). Telemetry is parsed in 5 s windows every 5 s. The performance
 * detector keeps the catalogue's hour-scale preset unless the scenario names another (`detectionPreset`): minutes of
 * history are not enough to judge latencies that way, so latency faults are not seen in a scenario this short. A fix is watched for `observeS` before it is judged.
 */
export interface Timings {
  warmupS: number;
  observeS: number;
  /** How long the story may take after the release before the scenario stops. */
  timeoutS: number;
  /** Shopping scenarios started per second (each several requests). */
  rate: number;
  windowMs: number;
  parseEveryMs: number;
}

/**
 * The error-pattern detector's warm-up for a warm-up of `warmupS` seconds of healthy traffic: its first half. The
 * healthy release's error templates are learned then, and one first seen after that is news (the stage's default,
 * ten minutes of event time, is longer than a demo's or a bench's whole warm-up).
 */
export function errorWarmupMs(warmupS: number): number {
  return Math.round((warmupS * 1000) / 2);
}

export function timingsFrom(env: NodeJS.ProcessEnv = process.env): Timings {
  const n = (name: string, fallback: number) => {
    const v = Number(env[name] ?? fallback);
    return Number.isFinite(v) && v > 0 ? v : fallback;
  };
  return {
    warmupS: n('DEMO_WARMUP_S', 120),
    observeS: n('DEMO_OBSERVE_S', 45),
    timeoutS: n('DEMO_TIMEOUT_S', 900),
    rate: n('DEMO_RATE', 15),
    windowMs: 5000,
    parseEveryMs: 5000,
  };
}

/** What a scenario did, per fault: the healing bench's row. */
export interface HealingRecord {
  fault: string;
  /** The service in the scenario's catalogue that carried the fault. */
  service: string;
  namespace: string;
  /** An incident opened after the release. */
  detected: boolean;
  /** From the end of the faulty release's deploy to the first incident's opening. */
  detectSeconds: number | null;
  incidents: string[];
  /** The first incident's diagnosis: its most confident issue's first suspect is the fault commit. */
  suspectCommitTop1: boolean | null;
  /** Candidate fixes the fix stage made (rounds that produced a patch). */
  fixesGenerated: number;
  /** Candidates whose validation passed. */
  fixesValidated: number;
  /** Fixes merged and promoted to all traffic. */
  fixesDeployed: number;
  /** Fixes production rejected: canary rollbacks, and promoted fixes taken out again after learning judged them. */
  fixesRolledBack: number;
  /** Learning found the incident resolved with a fix serving. */
  verified: boolean;
  detectionToVerifiedSeconds: number | null;
  ends: Array<{ incident: string; end: StoryEnd }>;
  /** The second act, when asked for: the promoted fix its owners took out, and how the next candidate ended. */
  secondAct?: { incident: string; rollbackOf: string; fix: string; end: StoryEnd } | null;
  traffic: TrafficTally;
  releasedAt: number;
  repository: string;
  /** What chaos did during the scenario (the whole scenario's, on every record), when asked for. */
  chaos: ChaosEvent[] | null;
}

function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });
}

type ForgeEndpoints = Endpoints & { forge: NonNullable<Endpoints['forge']> };

/** One service of a scenario: its name in the catalogue, the fault its release carries, where it lives. */
interface ScenarioTarget {
  service: string;
  fault: string;
  release: Awaited<ReturnType<typeof materializeFault>>;
  repository: string;
  entry: ServiceEntry;
}

/** What the scenario starts, for the teardown to stop whatever point it reached. */
interface Held {
  agents: Array<Awaited<ReturnType<typeof startAgent>>>;
  traffic: Array<ReturnType<typeof continuousTraffic>>;
  parsing: ReturnType<typeof every> | null;
  chaos: Chaos | null;
}

/** One fault, one service named `checkout`: the demo's and the healing bench's scenario. */
export async function runScenario(
  e: ForgeEndpoints,
  o: Omit<ScenarioOptions, 'faults'> & { fault: string },
): Promise<HealingRecord> {
  const [record] = await runScenarios(e, { ...o, faults: [o.fault] });
  return record!;
}

export interface ScenarioOptions {
  /** One service per fault (`checkout` alone, `checkout-1`, `checkout-2`... for several), released together. */
  faults: string[];
  timings: Timings;
  say: (line: string) => void;
  corpus?: Corpus;
  seed?: number;
  /** Once the first incident is healed, its owners take the fix out and the next candidate follows (one fault). */
  secondAct?: boolean;
  /** From the release until every incident ended: the platform's services killed and restarted (chaos.ts). */
  chaos?: ChaosPlan;
  /** Every action a service's deployer really took, as it records it (before it is published). */
  onDeployment?: (record: DeploymentRecord) => void;
  /** Instances of each stage service (default 1): they share their consumer group's partitions. */
  instances?: number;
  /**
   * The services' performance-detector preset (catalogue `detection.preset`); default the example catalogue's
   * `hour-scale`, under which a latency fault is not seen in minutes. `minute-scale` judges latencies from the warm-up.
   */
  detectionPreset?: string;
}

/**
 * The scenario with one service per fault, sharing one platform: each service its own repository on the forge,
 * its own production behind its own HAProxy, its own shoppers; all released at once. One record per fault, in the
 * order given.
 */
export async function runScenarios(e: ForgeEndpoints, o: ScenarioOptions): Promise<HealingRecord[]> {
  const { say, timings: t } = o;
  if (o.faults.length === 0) throw new Error('a scenario needs at least one fault');
  if (o.secondAct && o.faults.length > 1) throw new Error('the second act is told for one fault only');
  const namespace = newDemoNamespace(new Date(), randomUUID().slice(0, 4));
  const prefix = `${namespace}.`;
  say(`     this run's namespace: database ${namespace}, topics ${prefix}*`);
  const work = join(DEMO_WORK_ROOT, namespace);
  mkdirSync(join(work, 'logs'), { recursive: true });

  const single = o.faults.length === 1;
  say(
    single
      ? `2/7  the service: the sample checkout service's history and a release carrying the fault ${o.faults[0]}`
      : `2/7  the services: ${o.faults.length} copies of the sample checkout service, each released with a fault (${[...new Set(o.faults)].join(', ')})`,
  );
  const forge = new GiteaForge({ url: e.forge.url, token: e.forge.token });
  const owner = (await forge.currentUser()).login;
  const example = loadCatalogue(exampleCatalogue()).services[SERVICE]!;
  const releases = new Map<string, ScenarioTarget['release']>();
  const targets: ScenarioTarget[] = [];
  for (const [i, fault] of o.faults.entries()) {
    const service = single ? SERVICE : `${SERVICE}-${i + 1}`;
    let release = releases.get(fault);
    if (!release) {
      release = await materializeFault(fault, join(work, 'repo', fault), o.corpus);
      releases.set(fault, release);
    }
    const repoRef = { owner, name: `${service}-${namespace.replace(/_/g, '-')}` };
    await forge.ensureRepo(repoRef, {
      private: false,
      description: `sample ${service} service (${namespace})`,
    });
    await pushToForge(forge, repoRef, {
      dir: release.repo,
      refspecs: ['main:main', 'refs/tags/*:refs/tags/*'],
    });
    const cloneUrl = (await forge.gitRemote(repoRef)).url;
    const repository = `${e.forge.url}/${owner}/${repoRef.name}`;
    say(
      `     ${repository}: v1.4.0 ${release.healthy.slice(0, 12)} (healthy), v1.5.0 ${release.faulty.slice(0, 12)} (the release)`,
    );
    const entry: ServiceEntry = {
      ...example,
      ...(o.detectionPreset ? { detection: { preset: o.detectionPreset } } : {}),
      repository: { ...example.repository, url: cloneUrl },
      deployer: { ...example.deployer, frontendPort: await freePort() },
      // Nobody approves: the platform merges and deploys a tested fix of any incident at any hour; one canary step
      // at half the traffic for 20 s.
      healing: autonomousHealing('critical', { steps: [50], stepDurationMs: 20_000 }),
    };
    targets.push({ service, fault, release, repository, entry });
  }
  const cataloguePath = join(work, 'catalogue.json');
  writeFileSync(
    cataloguePath,
    JSON.stringify(
      { version: 1, services: Object.fromEntries(targets.map((x) => [x.service, x.entry])) },
      null,
      2,
    ),
  );

  const topics = platformTopicNames(prefix);
  // stderr: the bench's stdout carries its JSON alone.
  const kafka = createKafka('demo', e.kafkaBrokers, createLogger('demo', 'error', 2));
  await ensureTopics(kafka, platformTopics(prefix));
  const codec = createPlatformCodec(e.schemaRegistryUrl, prefix);
  await codec.registerAll();
  const { client, db } = await connectMongo(e.mongodbUri, namespace);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();

  const instances = o.instances ?? 1;
  say(
    `3/7  the platform: ${PLATFORM_SERVICES.join(', ')}${instances > 1 ? ` (${instances} instances of each stage service)` : ''} (logs in ${join(work, 'logs')})`,
  );
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
    ERROR_WARMUP_MS: String(errorWarmupMs(t.warmupS)),
    TEST_TIMEOUT_MS: '120000',
    TEST_RERUNS: '1',
    PERF_SAMPLES: '60',
    CI_POLL_MS: '1000',
    OBSERVE_FOR_MS: String(t.observeS * 1000),
    SETTLE_MS: '0',
    TELEMETRY_LAG_MS: String(4 * t.windowMs),
    // A service killed and started again rejoins its group at once; its dead predecessor is noticed in 10 s. Parsing
    // killed again and again, and the broker restarting, leave telemetry minutes behind: learning waits for it up to
    // five of these lags (a minute each) before it calls a fix unjudgeable for want of telemetry.
    ...(o.chaos ? { SESSION_TIMEOUT_MS: '10000', TELEMETRY_LAG_MS: String(12 * t.windowMs) } : {}),
  };
  const processes = new PlatformProcesses(root, env, join(work, 'logs'), instances);
  const held: Held = { agents: [], traffic: [], parsing: null, chaos: null };
  // Interrupted (Ctrl-C, a bench stopped), the scenario still stops what it started: no stray service or HAProxy.
  let interrupt: (error: Error) => void = () => undefined;
  const interrupted = new Promise<never>((_, reject) => (interrupt = reject));
  // The story checks this between its steps, so that once interrupted it starts nothing the teardown would miss.
  const stop = { requested: false };
  const goOn = () => {
    if (stop.requested) throw new Error('interrupted');
  };
  const onSignal = (signal: NodeJS.Signals) => interrupt(new Error(`interrupted (${signal})`));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const story = async (): Promise<HealingRecord[]> => {
    const published = new KafkaDeploymentRecorder(
      producer,
      codec,
      topics.deployments,
      `${prefix}${deploymentRecordedSubject}`,
    );
    const recorder = {
      record: async (r: DeploymentRecord) => {
        o.onDeployment?.(r);
        await published.record(r);
      },
    };
    for (const x of targets) {
      say(
        `4/7  production: ${x.service} behind HAProxy on http://127.0.0.1:${x.entry.deployer.frontendPort}, its logs shipped to ${topics.telemetryRaw}`,
      );
      held.agents.push(
        await startAgent({
          service: x.service,
          entry: x.entry,
          stateDir: join(targetHome, 'target', x.service),
          cacheDir: join(work, 'target-cache'),
          environment: 'production',
          recorder,
          shipping: { producer, topic: topics.telemetryRaw },
          log: () => undefined,
        }),
      );
    }
    await inTurns(targets, async (x, i) => {
      goOn();
      await held.agents[i]!.deployer.deploy(x.release.healthy, {}, (step) =>
        say(`     deploy v1.4.0${single ? '' : ` on ${x.service}`}: ${step}`),
      );
    });
    goOn();
    // The shoppers' rate is the scenario's, shared among the services.
    const rate = Math.max(1, Math.round(t.rate / targets.length));
    held.traffic = targets.map((x, i) =>
      continuousTraffic(`http://127.0.0.1:${x.entry.deployer.frontendPort}`, (o.seed ?? 7) + i, rate),
    );
    const tally = (): TrafficTally =>
      held.traffic
        .map((x) => x.tally())
        .reduce((a, b) => ({ requests: a.requests + b.requests, failed: a.failed + b.failed }));
    const requestParse = unparsedFollower(kafka, db, codec, {
      rawTopic: topics.telemetryRaw,
      commandsTopic: topics.commands,
      windowMs: t.windowMs,
    });
    held.parsing = every(t.parseEveryMs, requestParse, (error) =>
      say(`     a parse request failed (the next one catches up): ${error.message}`),
    );

    say(
      `5/7  warm-up: ${t.warmupS} s of shoppers on the healthy release, so the detectors learn what normal looks like`,
    );
    for (let s = 0; s < t.warmupS; s += 15) {
      await sleep(Math.min(15, t.warmupS - s) * 1000);
      goOn();
      const now = tally();
      say(`     ${Math.min(s + 15, t.warmupS)} s: ${now.requests} requests, ${now.failed} failed`);
    }

    say(
      single
        ? `6/7  the release: v1.5.0 (${o.faults[0]} among other changes) replaces v1.4.0`
        : `6/7  the release: v1.5.0 (each service's fault among other changes) replaces v1.4.0 on every service`,
    );
    for (const x of held.traffic) x.reset();
    // Each service's release time: when its faulty version took the traffic.
    const releasedAt: number[] = [];
    await inTurns(targets, async (x, i) => {
      goOn();
      await held.agents[i]!.deployer.deploy(x.release.faulty, {}, (step) =>
        say(`     deploy v1.5.0${single ? '' : ` on ${x.service}`}: ${step}`),
      );
      releasedAt[i] = Date.now();
    });
    goOn();
    const firstRelease = Math.min(...releasedAt);
    if (o.chaos) {
      held.chaos = startChaos(o.chaos, {
        services: CHAOS_VICTIMS,
        kill: async (s) => {
          await processes.killAndRestart(s);
        },
        restartServer: (name) => restartLocalServer(name, { kill: true }).then(() => undefined),
        say,
      });
    }
    say('     the platform takes it from here; what it does, as the incident projection records it:');
    const stories = new Map<string, IncidentStory>();
    const deadline = Date.now() + t.timeoutS * 1000;
    const ends = await followIncidents(
      db,
      firstRelease,
      deadline,
      say,
      stop,
      stories,
      undefined,
      targets.length,
    );
    await held.chaos?.stop();
    const first = [...ends].find(([, end]) => healed(end))?.[0];
    let secondAct: HealingRecord['secondAct'] = null;
    if (o.secondAct && first && !stop.requested) {
      const asked = await takeTheFixOut(db, producer, codec, topics.commands, first, say);
      if (asked) {
        const again = await followIncidents(db, firstRelease, deadline, say, stop, stories, {
          incident: first,
          after: asked.at,
        });
        secondAct = {
          incident: first,
          rollbackOf: asked.rollbackOf,
          fix: asked.fix,
          end: again.get(first) ?? null,
        };
      }
    }
    const catalog = await new ProjectionCatalog(db).collection();
    const serviceOf = new Map<string, string | undefined>();
    for (const id of ends.keys()) {
      const doc = await catalog.findOne({ _id: id });
      serviceOf.set(
        id,
        (doc?.outputs['IncidentOpened'] as { services?: string[] } | undefined)?.services?.[0],
      );
    }
    const records: HealingRecord[] = [];
    for (const [i, x] of targets.entries()) {
      const own = new Map([...ends].filter(([id]) => single || serviceOf.get(id) === x.service));
      records.push({
        ...(await recordOf(db, x.fault, namespace, releasedAt[i]!, x.release.faultSha, own)),
        service: x.service,
        traffic: held.traffic[i]!.tally(),
        repository: x.repository,
        secondAct,
        chaos: held.chaos?.log() ?? null,
      });
    }
    return records;
  };
  const running = story();
  try {
    return await Promise.race([running, interrupted]);
  } finally {
    // Interrupted or not, the story has stopped before anything it started is stopped.
    stop.requested = true;
    await running.catch(() => undefined);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await held.chaos?.stop();
    await Promise.all(held.traffic.map((x) => x.stop()));
    await held.parsing?.stop();
    for (const agent of held.agents) {
      await agent.deployer.down().catch(() => undefined);
      await agent.close().catch(() => undefined);
    }
    await processes.stopAll();
    await producer.disconnect().catch(() => undefined);
    await client.close();
  }
}

/** `work` on every item, at most three at a time (deploys build the service: CPU-bound on a small machine). */
async function inTurns<T>(items: T[], work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(3, items.length) }, worker));
}

/**
 * Tells the story of every incident opened since the release until each has ended (healed, or stopped for people)
 * and no other opened for 20 s, or the time is up. The projection holds one document per run and per incident;
 * incidents are those with an IncidentOpened.
 */
async function followIncidents(
  db: Db,
  since: number,
  deadline: number,
  say: (line: string) => void,
  stop: { requested: boolean },
  /** The stories told so far (a story told again says only what is new). */
  stories: Map<string, IncidentStory>,
  /** Follow this incident alone, until its story reaches an end that happened after `only.after`. */
  only?: { incident: string; after: number },
  /** Not settled before this many incidents opened (one per service released with a fault). */
  atLeast = 1,
): Promise<Map<string, StoryEnd>> {
  const catalog = new ProjectionCatalog(db);
  const ends = new Map<string, StoryEnd>();
  const told = new Set<string>(stories.keys());
  let speaking: string | null = null;
  let settledSince: number | null = null;
  let unanswered = false;
  while (Date.now() < deadline && !stop.requested) {
    let docs: IncidentDoc[];
    try {
      docs = await (
        await catalog.collection()
      )
        .find({
          'timeline.event': 'IncidentOpened',
          createdAt: { $gte: since - 60_000 },
          ...(only ? { _id: only.incident } : {}),
        })
        .sort({ createdAt: 1 })
        .toArray();
      unanswered = false;
    } catch (error) {
      // The database restarting (the chaos scenario does that): the story waits for it, as the services do.
      if (!unanswered) say(`     (the projection did not answer: ${(error as Error).message}; asking again)`);
      unanswered = true;
      await sleep(1000);
      continue;
    }
    for (const doc of docs) {
      let story = stories.get(doc._id);
      if (!story) {
        // Several stories may go on at once: a story that speaks after another says whose it is again.
        const id = doc._id;
        story = new IncidentStory(db, (line) => {
          if (speaking !== id) say(`\n  ● incident ${id}${told.has(id) ? ' (continued)' : ''}`);
          speaking = id;
          told.add(id);
          say(line);
        });
        stories.set(id, story);
      }
      let end = await story.tell(doc);
      // Told late, an end from before the second act (the incident's first resolution) is not its end.
      if (end && only && (story.endedAt ?? 0) < only.after) end = null;
      ends.set(doc._id, end);
    }
    const settled = ends.size >= atLeast && [...ends.values()].every((v) => v !== null);
    settledSince = settled ? (settledSince ?? Date.now()) : null;
    // Following one incident, its end is the end; otherwise another incident may still open (20 s more), and an
    // incident left to people may still get the evidence that sends it back to diagnosis (90 s more).
    const quiet = [...ends.values()].some((v) => v?.kind === 'stopped') ? 90_000 : 20_000;
    if (settledSince !== null && (only || Date.now() - settledSince > quiet)) break;
    await sleep(1000);
  }
  if (stories.size === 0) say('     no incident opened');
  return ends;
}

/**
 * The second act: the service's owners read the fix the platform promoted, want another remedy (a fix can pass
 * every test and still not be the one its owners want: a revert of the fault commit's lines drops what that commit
 * meant to add), and take it out as `healctl rollback <incident> --reason ... --next-candidate` does. The
 * deployment stage reverts it through a pull request, CI, merge and canary, and the fix stage's next round
 * proposes the next candidate, which goes through validation, deployment and learning again.
 */
async function takeTheFixOut(
  db: Db,
  producer: Producer,
  codec: RegistryCodec,
  commandsTopic: string,
  incident: string,
  say: (line: string) => void,
): Promise<{ rollbackOf: string; fix: string; at: number } | null> {
  const doc = await (await new ProjectionCatalog(db).collection()).findOne({ _id: incident });
  const promoted = doc ? promotedDeployment(deploymentRunOf(doc)) : null;
  if (!doc || !promoted) {
    say(`\n     (no promoted fix of ${incident} to take out: no second act)`);
    return null;
  }
  const fix =
    (doc.outputs['FixGenerationCompleted'] as { title?: string } | undefined)?.title ?? 'the promoted fix';
  const reason = `the owners want another remedy than "${fix}": it passes the tests, but it is not the fix they would write`;
  say(
    `\n6/7  act 2: the owners read the promoted fix ("${fix}") and want another remedy. They take it out and ask ` +
      `for the next candidate, as \`healctl rollback ${incident} --reason ... --next-candidate\` does`,
  );
  const payload: PayloadOf<'RollbackDeploymentCommand'> = {
    incidentId: incident,
    deploymentId: promoted,
    reason,
    nextCandidate: true,
    requestedBy: 'user:checkout-owners',
    comment: null,
  };
  const command = buildCommand('RollbackDeploymentCommand', payload, incident, 'demo', randomUUID());
  await producer.send({
    topic: commandsTopic,
    acks: -1,
    messages: [{ key: incident, value: await codec.encode(command) }],
  });
  return { rollbackOf: promoted, fix, at: command.meta.occurredAt };
}

/** The scenario's facts, read from what the stages stored (the projection, the case files, the diagnoses). */
async function recordOf(
  db: Db,
  fault: string,
  namespace: string,
  releasedAt: number,
  faultSha: string,
  ends: Map<string, StoryEnd>,
): Promise<Omit<HealingRecord, 'traffic' | 'repository' | 'service' | 'chaos'>> {
  const incidents = [...ends.keys()];
  const catalog = await new ProjectionCatalog(db).collection();
  const first = incidents[0] ? await catalog.findOne({ _id: incidents[0] }) : null;
  const opened = first?.timeline.find((t) => t.event === 'IncidentOpened');
  const diagnosis = incidents[0]
    ? await db
        .collection<DiagnosisDoc & { incidentId: string }>('diagnoses')
        .find({ incidentId: incidents[0] })
        .sort({ incidentVersion: -1 })
        .limit(1)
        .next()
    : null;
  const top = [...(diagnosis?.issues ?? [])].sort((a, b) => b.confidence - a.confidence)[0];
  const inIncidents = { incidentId: { $in: incidents } };
  const patches = await db
    .collection('fix_cases')
    .countDocuments({ ...inIncidents, patch: { $exists: true } });
  const validated = await db.collection('validations').countDocuments({ ...inIncidents, verdict: 'passed' });
  const deployments = await db
    .collection<{
      rollbackOf?: unknown;
      merge?: unknown;
      verification?: { healthy: boolean; rolledBack: boolean };
    }>('deployment_cases')
    .find(inIncidents)
    .toArray();
  const fixes = deployments.filter((d) => !d.rollbackOf && d.verification);
  // Healed by a fix: an incident that closed on its own (a rare step the warm-up did not see, say) heals nothing.
  const resolved = [...ends.values()].find((v) => healed(v));
  return {
    fault,
    namespace,
    detected: incidents.length > 0,
    detectSeconds: opened ? Math.max(0, Math.round((opened.endedAt - releasedAt) / 1000)) : null,
    incidents,
    suspectCommitTop1: diagnosis ? top?.suspects[0]?.sha === faultSha : null,
    fixesGenerated: patches,
    fixesValidated: validated,
    fixesDeployed: fixes.filter((d) => d.verification!.healthy && !d.verification!.rolledBack).length,
    fixesRolledBack:
      fixes.filter((d) => d.verification!.rolledBack || !d.verification!.healthy).length +
      // A rollback run counts once it merged its revert (one refused before that took nothing out).
      deployments.filter((d) => d.rollbackOf && d.merge).length,
    verified: resolved !== undefined,
    detectionToVerifiedSeconds:
      resolved && resolved.afterMs !== null ? Math.round(resolved.afterMs / 1000) : null,
    ends: [...ends].map(([incident, end]) => ({ incident, end })),
    releasedAt,
  };
}
