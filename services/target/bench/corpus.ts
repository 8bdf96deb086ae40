/**
 * `npm run bench:corpus -- [--corpus <dir>] [--faults a,b,c] [--json] [--warmup-s 150] [--observe-s 150]
 *   [--share 100] [--rate 15] [--window-ms 5000] [--parse-every-s 10]`
 * `npm run bench:diagnosis -- [same options] [--diagnosis-wait-s 180]` (= `bench:corpus --diagnose`)
 *
 * Issue 10's last measurable item: each fault of the sample service's corpus, deployed with traffic, shows its
 * intended symptom in the platform's own telemetry and anomaly findings. Per fault, for real:
 *
 *  1. a fresh namespace (topic prefix + database) on the shared servers, telemetry-parse and anomaly-detect
 *     started in this process inside it, and a log shipper following the instances' logs into its raw topic
 *     from their current end (so no other fault's lines leak in);
 *  2. warm-up: seeded traffic on the healthy release (deployed once per bench run, the corpus's `main`) for
 *     `--warmup-s`, parse runs requested every `--parse-every-s` like a `healctl parse` timer, so the detectors
 *     learn their baselines; the performance detector runs with minute time scales (see `minuteScaleDetectorOptions`);
 *  3. the fault's release (`fault/<id>`) deployed as a canary with `--share` % of the traffic (100: all of it,
 *     the healthy release kept warm for the rollback), traffic and parse runs going on for `--observe-s`;
 *  4. the findings anomaly-detect stored for the service, judged against the fault's truth.json only then
 *     (bench/corpus/judge.ts), the canary rolled back, the namespace removed.
 *
 * With `--diagnose` (issue 11's accuracy item), the same chain goes one stage further: diagnosis.analyze runs as a
 * process in the namespace too, with a catalogue naming the materialized corpus repository, and the deployer's
 * DeploymentRecorded records go to the namespace's deployments topic (the healthy release's record replayed at
 * the namespace's start: bench/diagnosis/recorder.ts). After the observation the bench waits (`--diagnosis-wait-s`)
 * for the diagnoses of the incidents anomaly-detect opened, then judges them against the truth
 * (bench/diagnosis/judge.ts): suspect commit top-1, fault file top-1, a fault line in the top 5, and Sentry's rule
 * on the same diagnoses.
 *
 * `--corpus <dir>` benches another corpus of the same layout (history/*.patch, faults/<id>/truth.json and patches)
 * for the same sample service; without it, the one shipped in services/sample-service/corpus.
 *
 * Nothing in the platform knows the corpus: its detectors see the logs the deployed processes write, nothing else;
 * the diagnosis sees those logs' findings, the repository and the deployment records.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  createWriteStream,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { resolveEndpoints } from '@self-healing/infra';
import {
  connectMongo,
  createKafka,
  createLogger,
  createPlatformCodec,
  ensureTopics,
  platformTopicNames,
  platformTopics,
} from '@self-healing/shared';
import { loadCatalogue } from '@self-healing/shared/catalogue';
import { deploymentRecordedSubject } from '@self-healing/schemas';
import {
  ParseLedgerStore,
  continuousTraffic,
  errorWarmupMs,
  planParse,
  requestThroughLedger,
} from '@self-healing/cli';
import { minuteScaleDetectorOptions } from '@self-healing/anomaly-detect';
import { sendParseCommands } from '@self-healing/telemetry-parse';
import { loadCorpus, materializeCorpus, type Release } from '@self-healing/sample-service';
import {
  Deployer,
  KafkaDeploymentRecorder,
  LogShipper,
  exampleCatalogue,
  type RequestResult,
} from '@self-healing/target';
import {
  judgeFault,
  missReason,
  tallyRoutes,
  totalsOf,
  type RouteTally,
  type FaultVerdict,
  type FindingKind,
  type ObservedFinding,
  type Symptom,
} from './corpus/judge.js';
import { diagnosisTotals, judgeDiagnosis, type DiagnosisVerdict } from './diagnosis/judge.js';
import { NamespaceRecorder } from './diagnosis/recorder.js';
import { readDiagnoses, readIncidents, waitForDiagnoses, writeCatalogue } from './diagnosis/store.js';

const SERVICE = 'checkout';
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * A platform stage as its own process (its `main.ts`, as deployed), so its work never stalls the bench's clock,
 * traffic or deploys; its stderr goes to a file of the run.
 */
/** Stage processes alive, so an interrupted bench stops them too. */
const stages = new Set<ChildProcess>();

function startStage(
  stage: 'telemetry-parse' | 'anomaly-detect' | 'diagnosis',
  env: Record<string, string>,
  logFile: string,
) {
  const child = spawn(
    process.execPath,
    ['--conditions=development', '--import', 'tsx', join(root, 'services', stage, 'src', 'main.ts')],
    { cwd: root, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  stages.add(child);
  child.once('exit', () => stages.delete(child));
  const out = createWriteStream(logFile);
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  return child;
}

async function stopStage(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

interface BenchOptions {
  corpus: string | null;
  diagnose: boolean;
  diagnosisWaitS: number;
  faults: string[] | null;
  json: boolean;
  warmupS: number;
  observeS: number;
  share: number;
  rate: number;
  windowMs: number;
  parseEveryS: number;
  seed: number;
}

function options(): BenchOptions {
  const { values } = parseArgs({
    options: {
      corpus: { type: 'string' },
      diagnose: { type: 'boolean', default: false },
      'diagnosis-wait-s': { type: 'string', default: '180' },
      faults: { type: 'string' },
      json: { type: 'boolean', default: false },
      'warmup-s': { type: 'string', default: '150' },
      'observe-s': { type: 'string', default: '150' },
      share: { type: 'string', default: '100' },
      rate: { type: 'string', default: '15' },
      'window-ms': { type: 'string', default: '5000' },
      'parse-every-s': { type: 'string', default: '10' },
      seed: { type: 'string', default: '10' },
    },
  });
  const num = (name: string, v: string, min: number, max: number) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max)
      throw new Error(`--${name} must be ${min}..${max}, got ${v}`);
    return n;
  };
  return {
    corpus: values.corpus ? resolve(values.corpus) : null,
    diagnose: values.diagnose!,
    diagnosisWaitS: num('diagnosis-wait-s', values['diagnosis-wait-s']!, 10, 3600),
    faults: values.faults
      ? values.faults
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : null,
    json: values.json!,
    warmupS: num('warmup-s', values['warmup-s']!, 30, 3600),
    observeS: num('observe-s', values['observe-s']!, 30, 3600),
    share: num('share', values.share!, 1, 100),
    rate: num('rate', values.rate!, 1, 200),
    windowMs: num('window-ms', values['window-ms']!, 1000, 60_000),
    parseEveryS: num('parse-every-s', values['parse-every-s']!, 2, 300),
    seed: num('seed', values.seed!, 0, 2 ** 31),
  };
}

const log = (o: BenchOptions, line: string) => {
  if (!o.json) process.stderr.write(`${line}\n`);
  else process.stderr.write(`# ${line}\n`);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A step of the bench that must not hold the run: past `ms` it is given up (and said so), the run goes on. */
async function bounded<T>(
  o: BenchOptions,
  what: string,
  ms: number,
  step: () => Promise<T>,
): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => {
      log(o, `  ${what}: gave up after ${ms / 1000} s`);
      resolve(null);
    }, ms);
  });
  try {
    return await Promise.race([
      step().catch((error: Error) => {
        log(o, `  ${what} failed: ${error.message}`);
        return null;
      }),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Traffic that runs until stopped (healctl's continuousTraffic), its requests kept by the bench's phase. */
function phasedTraffic(url: string, seed: number, rate: number) {
  type Phase = 'warmup' | 'deploy' | 'observe';
  let phase: Phase = 'warmup';
  const results: Record<Phase, RequestResult[]> = { warmup: [], deploy: [], observe: [] };
  const traffic = continuousTraffic(url, seed, rate, (req) => results[phase].push(req));
  return { phase: (p: Phase) => (phase = p), results, stop: traffic.stop };
}

/** Seeds the shipper's checkpoint at the logs' current ends: a fault's namespace gets only lines written from now. */
function checkpointAtEnd(logDir: string, file: string): void {
  const checkpoints: Record<string, { offset: number; ino: number }> = {};
  for (const name of readdirSync(logDir).filter((f) => f.endsWith('.log'))) {
    const s = statSync(join(logDir, name));
    checkpoints[name] = { offset: s.size, ino: s.ino };
  }
  writeFileSync(file, JSON.stringify(checkpoints));
}

type DiagnosisOutcome = DiagnosisVerdict & {
  waitedSeconds: number;
  /**
   * The judged diagnosis's window ends at the commit this fault deployed. False: the incident opened before the
   * deploy (a warm-up false alarm the fault's finding later joined; a diagnosis runs when an incident opens or
   * reopens, not when it grows), so whatever it named, it did not diagnose the fault. Null: nothing judged.
   */
  windowOfDeploy: boolean | null;
  /** Incidents waited for that had no diagnosis when the wait ended. */
  undiagnosed: string[];
  /** The diagnosis stage's error lines, when some incident went undiagnosed. */
  stageErrors?: string[];
};

/** The last error lines (pino level >= 50) of a stage's log file: why a diagnosis never came. */
function errorLines(file: string, max = 5): string[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const line of text.split('\n')) {
    try {
      const rec = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
      if ((rec.level ?? 0) >= 50) out.push(`${rec.msg ?? ''} ${rec.err?.message ?? ''}`.trim().slice(0, 300));
    } catch {
      if (/error/i.test(line)) out.push(line.slice(0, 300));
    }
  }
  return out.slice(-max);
}

/** One diagnosis verdict in a line. */
function diagnosisLine(d: DiagnosisVerdict): string {
  const mark = (b: boolean) => (b ? 'yes' : 'no');
  return d.top
    ? `${d.source}: suspect ${mark(d.suspectTop1)} (rank ${d.faultCommitRank ?? '-'}), file ${mark(d.fileTop1)}, line top-5 ${mark(d.lineTop5)} (rank ${d.faultLineRank ?? '-'}), Sentry ${mark(d.sentryTop1)}; top ${d.top.kind} ${d.top.lines[0] ? `${d.top.lines[0].path}:${d.top.lines[0].line}` : '-'} (window ${d.top.codebase?.good?.slice(0, 7) ?? '?'}..${d.top.codebase?.bad.slice(0, 7) ?? '?'})`
    : `no diagnosis (${d.incidents.length} incident(s) considered)`;
}

interface Namespace {
  prefix: string;
  dbName: string;
  env: Record<string, string>;
}

async function deleteNamespace(kafka: Kafka, mongoUri: string, ns: Namespace): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(ns.prefix));
    if (topics.length) await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
  const { client, db } = await connectMongo(mongoUri, ns.dbName);
  await db.dropDatabase().finally(() => client.close());
}

/** The namespace of the fault under way, so an interrupted bench removes it too. */
let activeNamespace: { kafka: Kafka; mongoUri: string; ns: Namespace } | null = null;

async function benchFault(
  o: BenchOptions,
  truth: {
    id: string;
    kind: string;
    symptom: Symptom;
    routes: string[];
    logTemplates: string[];
    locations: Array<{ file: string; lines: Array<[number, number]> }>;
  },
  ctx: {
    deployer: Deployer;
    kafka: Kafka;
    endpoints: { kafkaBrokers: string[]; schemaRegistryUrl: string; mongodbUri: string };
    logDir: string;
    work: string;
    healthy: string;
    /** The fault's materialized release (its faultSha is truth: read only when judging). */
    release: Release;
    /** Set in --diagnose mode: where the deployer's records go, and the catalogue the diagnosis stage reads. */
    diagnosis: { recorder: NamespaceRecorder; catalogue: string } | null;
  },
): Promise<
  FaultVerdict & {
    traffic: { requests: number; unexpected: number };
    faultRoutes: { warmup: RouteTally; observe: RouteTally };
    deploySeconds: number;
    diagnosis: DiagnosisOutcome | null;
  }
> {
  const e = ctx.endpoints;
  const tag = `${new Date().toISOString().slice(11, 19).replace(/:/g, '')}-${randomUUID().slice(0, 4)}`;
  const prefix = `corpusbench-${tag}.`;
  const ns: Namespace = {
    prefix,
    dbName: prefix.replace(/\W/g, '_').slice(0, 60),
    env: {},
  };
  ns.env = {
    KAFKA_BROKERS: e.kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: e.schemaRegistryUrl,
    MONGODB_URI: e.mongodbUri,
    MONGODB_DB: ns.dbName,
    TOPIC_PREFIX: prefix,
    LOG_ROOT: join(ctx.work, 'log-root'),
    HTTP_PORT: '0',
    // The stages' logs go to files of the run (kept with CORPUS_BENCH_KEEP=1).
    LOG_LEVEL: process.env.CORPUS_BENCH_LOG_LEVEL ?? 'warn',
    WINDOW_MS: String(o.windowMs),
    ALLOWED_LATENESS_MS: String(Math.max(2 * o.windowMs, 5000)),
    PERFORMANCE_DETECTOR: JSON.stringify(minuteScaleDetectorOptions(o.warmupS * 1000, o.windowMs)),
    // As in the demo: with the stage's default (ten minutes of event time) nothing the faulty release logs after a
    // warm-up of minutes could ever be reported as a new error.
    ERROR_WARMUP_MS: String(errorWarmupMs(o.warmupS)),
  };
  const topics = platformTopicNames(prefix);
  activeNamespace = { kafka: ctx.kafka, mongoUri: e.mongodbUri, ns };
  await ensureTopics(ctx.kafka, platformTopics(prefix));
  const codec = createPlatformCodec(e.schemaRegistryUrl, prefix);
  await codec.registerAll();
  const { client, db } = await connectMongo(e.mongodbUri, ns.dbName);
  const services: ChildProcess[] = [];
  const producer = ctx.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const checkpointFile = join(ctx.work, `shipper-${tag}.json`);
  checkpointAtEnd(ctx.logDir, checkpointFile);
  const shipper = new LogShipper({
    logDir: ctx.logDir,
    checkpointFile,
    topic: topics.telemetryRaw,
    producer,
    pollMs: 500,
  });
  const ledger = new ParseLedgerStore(db, topics.telemetryRaw);
  const requestParseRun = async () => {
    const admin = ctx.kafka.admin();
    await admin.connect();
    const ends = (await admin.fetchTopicOffsets(topics.telemetryRaw).finally(() => admin.disconnect())).map(
      (p) => ({ partition: p.partition, low: Number(p.low), high: Number(p.high) }),
    );
    await requestThroughLedger(
      ledger,
      (requests) => sendParseCommands(ctx.kafka, codec, topics.commands, topics.telemetryRaw, requests),
      (state, now) =>
        planParse(
          state,
          ends,
          {
            topic: topics.telemetryRaw,
            services: [],
            windowMs: o.windowMs,
            comment: (n) => `corpus bench: ${n} record(s)`,
          },
          now,
        ),
    );
  };
  const seen = new Map<string, ObservedFinding>();
  const pollFindings = async () => {
    const docs = await db
      .collection<Record<string, unknown>>('anomaly_findings')
      .find({ service: SERVICE })
      .toArray();
    const incidents = await db.collection<Record<string, unknown>>('anomaly_incidents').find({}).toArray();
    const incidentOf = (id: string) =>
      incidents.find((i) => JSON.stringify(i).includes(id))?._id?.toString() ?? null;
    const now = Date.now();
    for (const d of docs) {
      const id = String(d._id);
      const before = seen.get(id);
      seen.set(id, {
        id,
        kind: d.kind as FindingKind,
        rule: String(d.rule),
        service: String(d.service),
        subject: String(d.subject),
        since: Number(d.since),
        at: Number(d.at),
        explanation: String(d.explanation ?? ''),
        firstSeenAt: before?.firstSeenAt ?? now,
        incidentId: before?.incidentId ?? incidentOf(id),
      });
    }
  };
  /**
   * The diagnoses of the fault's incidents, judged: the incident the verdict attributed, else those opened after
   * the deploy. Traffic stops first (the diagnosis needs no more telemetry, and the machine is shared); the truth
   * is read only once the wait is over.
   */
  const diagnosisOf = async (
    bo: BenchOptions,
    id: string,
    verdict: FaultVerdict,
    deployedAt: number,
    deployedCommit: string,
  ): Promise<DiagnosisOutcome> => {
    await traffic?.stop();
    const postDeploy = (await readIncidents(db))
      .filter((i) => i.openedAt >= deployedAt - bo.windowMs)
      .sort((a, b) => a.openedAt - b.openedAt || a.id.localeCompare(b.id))
      .map((i) => i.id);
    const awaited = verdict.incidentId ? [verdict.incidentId] : postDeploy;
    log(bo, `${id}: waiting up to ${bo.diagnosisWaitS} s for the diagnoses of ${awaited.length} incident(s)`);
    const t0 = Date.now();
    const undiagnosed = await waitForDiagnoses(db, awaited, bo.diagnosisWaitS * 1000);
    const waitedSeconds = Math.round((Date.now() - t0) / 1000);
    const judged = judgeDiagnosis(
      {
        fault: truth.id,
        faultSha: ctx.release.faultSha,
        locations: truth.locations,
      },
      verdict.seen,
      verdict.incidentId,
      postDeploy,
      await readDiagnoses(db),
    );
    return {
      ...judged,
      waitedSeconds,
      windowOfDeploy: judged.top ? judged.top.codebase?.bad === deployedCommit : null,
      undiagnosed,
      ...(undiagnosed.length ? { stageErrors: errorLines(diagnosisLog) } : {}),
    };
  };
  /** Parse runs every `parseEveryS` and a look at the findings, for `ms`. */
  const keepWatching = async (ms: number) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      await bounded(o, 'parse request', 20_000, requestParseRun);
      await bounded(o, 'reading the findings', 20_000, pollFindings);
      await sleep(Math.min(o.parseEveryS * 1000, Math.max(0, until - Date.now())));
    }
  };

  let traffic: ReturnType<typeof phasedTraffic> | null = null;
  const diagnosisLog = join(ctx.work, `diagnosis-${tag}.log`);
  try {
    services.push(startStage('telemetry-parse', ns.env, join(ctx.work, `telemetry-parse-${tag}.log`)));
    services.push(startStage('anomaly-detect', ns.env, join(ctx.work, `anomaly-detect-${tag}.log`)));
    if (ctx.diagnosis) {
      services.push(
        startStage(
          'diagnosis',
          {
            ...ns.env,
            CATALOGUE: ctx.diagnosis.catalogue,
            // Shared by the faults of the run: one mirror of the corpus repository, fetched per diagnosis.
            REPO_CACHE_DIR: join(ctx.work, 'repo-cache'),
          },
          diagnosisLog,
        ),
      );
      // From now on the deployer's records land in this namespace, starting with the healthy release's.
      await ctx.diagnosis.recorder.switchTo(
        new KafkaDeploymentRecorder(
          producer,
          codec,
          topics.deployments,
          `${prefix}${deploymentRecordedSubject}`,
        ),
      );
    }
    shipper.start();
    traffic = phasedTraffic(ctx.deployer.frontendUrl, o.seed, o.rate);
    log(o, `${truth.id}: warm-up on the healthy release, ${o.warmupS} s (namespace ${prefix})`);
    await keepWatching(o.warmupS * 1000);
    log(o, `${truth.id}: deploying fault/${truth.id} with ${o.share} % of the traffic`);
    traffic.phase('deploy');
    const deployStart = Date.now();
    // While the release builds, the healthy release keeps serving and parse runs go on.
    const deploying = ctx.deployer.deploy(`fault/${truth.id}`, { canaryPercent: o.share });
    let deployed = false;
    void deploying.then(
      () => (deployed = true),
      () => (deployed = true),
    );
    while (!deployed) await keepWatching(Math.min(o.parseEveryS * 1000, 5000));
    const deployedCommit = (await deploying).commit;
    const deployedAt = Date.now();
    const deploySeconds = Math.round((deployedAt - deployStart) / 1000);
    log(
      o,
      `${truth.id}: faulty release takes traffic (deploy took ${deploySeconds} s); observing ${o.observeS} s`,
    );
    traffic.phase('observe');
    await keepWatching(o.observeS * 1000);
    await pollFindings();
    log(o, `${truth.id}: observation over`);
    const all = [...traffic.results.warmup, ...traffic.results.deploy, ...traffic.results.observe];
    const stats = { requests: all.length, unexpected: all.filter((r) => !r.expected).length };
    // The truth is read only now, after the run: which routes the fault is on, to say whether traffic reached it.
    const faultRoutes = {
      warmup: tallyRoutes(traffic.results.warmup, truth.routes),
      observe: tallyRoutes(traffic.results.observe, truth.routes),
    };
    const verdict = judgeFault(truth, [...seen.values()], deployedAt, o.windowMs);
    const diagnosis = ctx.diagnosis
      ? await diagnosisOf(o, truth.id, verdict, deployedAt, deployedCommit)
      : null;
    return { ...verdict, traffic: stats, faultRoutes, deploySeconds, diagnosis };
  } finally {
    log(o, `${truth.id}: cleaning up`);
    await bounded(o, 'stopping the traffic', 30_000, async () => traffic?.stop());
    if (ctx.deployer.current().canary)
      await bounded(o, 'rolling the canary back', 60_000, () => ctx.deployer.rollback());
    await ctx.diagnosis?.recorder.switchTo(null);
    await bounded(o, 'stopping the shipper', 20_000, () => shipper.stop());
    await bounded(o, 'disconnecting', 10_000, () => producer.disconnect());
    for (const s of services.reverse()) await bounded(o, 'stopping a service', 30_000, () => stopStage(s));
    await bounded(o, 'closing the database', 10_000, () => client.close());
    if (!process.env.CORPUS_BENCH_KEEP)
      await bounded(o, 'removing the namespace', 60_000, () => deleteNamespace(ctx.kafka, e.mongodbUri, ns));
    activeNamespace = null;
  }
}

async function main(): Promise<void> {
  const o = options();
  const corpus = await loadCorpus(o.corpus ?? undefined);
  const all = corpus.faults.map((f) => f.truth);
  const unknown = (o.faults ?? []).filter((id) => !all.some((t) => t.id === id));
  if (unknown.length) throw new Error(`unknown fault(s): ${unknown.join(', ')}`);
  const selected = o.faults ? all.filter((t) => o.faults!.includes(t.id)) : all;
  const started = Date.now();
  const { endpoints } = await resolveEndpoints({ log: (l: string) => log(o, l) });
  const work = mkdtempSync(join(tmpdir(), 'corpus-bench-'));
  const kafka = createKafka('corpus-bench', endpoints.kafkaBrokers, createLogger('corpus-bench', 'fatal'));
  log(o, `materializing the corpus (healthy history + ${all.length} fault branches) in ${work}`);
  const repoDir = join(work, 'repo');
  const { healthy, releases } = await materializeCorpus(repoDir, corpus);
  const example = loadCatalogue(exampleCatalogue()).services[SERVICE]!;
  const stateDir = join(work, 'target');
  let diagnosis: { recorder: NamespaceRecorder; catalogue: string } | null = null;
  if (o.diagnose) {
    const catalogue = join(work, 'catalogue.json');
    writeCatalogue(catalogue, SERVICE, example, repoDir);
    diagnosis = {
      recorder: new NamespaceRecorder((error, r) =>
        log(o, `  publishing the ${r.action} record of ${r.commit.slice(0, 12)} failed: ${error.message}`),
      ),
      catalogue,
    };
  }
  const deployer = await Deployer.open({
    ...(diagnosis ? { recorder: diagnosis.recorder } : {}),
    service: SERVICE,
    entry: {
      ...example,
      repository: { ...example.repository, url: repoDir },
      deployer: { ...example.deployer, frontendPort: await freePort() },
    },
    stateDir,
    cacheDir: join(work, 'cache'),
    environment: 'corpus-bench',
    onProgress: (step) => log(o, `  deploy: ${step}`),
  });
  // Ctrl-C or a kill: the deployed instances and HAProxy are this run's processes, stop them before leaving.
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      log(o, `${signal}: stopping the target`);
      for (const child of stages) child.kill('SIGTERM');
      const ns = process.env.CORPUS_BENCH_KEEP ? null : activeNamespace;
      void deployer
        .down()
        .then(() => (ns ? deleteNamespace(ns.kafka, ns.mongoUri, ns.ns) : undefined))
        .catch(() => undefined)
        .finally(() => {
          rmSync(work, { recursive: true, force: true });
          process.exit(130);
        });
    });
  const verdicts: Array<Awaited<ReturnType<typeof benchFault>>> = [];
  const errors: Array<{ fault: string; error: string }> = [];
  try {
    log(o, `deploying the healthy release ${healthy.slice(0, 12)}`);
    const t0 = Date.now();
    await deployer.deploy(healthy);
    log(o, `healthy release serves at ${deployer.frontendUrl} (${Math.round((Date.now() - t0) / 1000)} s)`);
    for (const truth of selected) {
      try {
        const v = await benchFault(o, truth as typeof truth & { symptom: Symptom }, {
          deployer,
          kafka,
          endpoints,
          logDir: join(stateDir, 'logs'),
          work,
          healthy,
          release: releases.get(truth.id)!,
          diagnosis,
        });
        verdicts.push(v);
        log(
          o,
          `${truth.id}: ${v.seen ? `SEEN by ${v.detector} after ${v.secondsAfterDeploy} s` : `missed (${missReason(v)})`}`,
        );
        if (v.diagnosis) log(o, `${truth.id}: diagnosis ${diagnosisLine(v.diagnosis)}`);
      } catch (error) {
        errors.push({ fault: truth.id, error: (error as Error).message.slice(0, 500) });
        log(o, `${truth.id}: bench error: ${(error as Error).message}`);
      }
    }
  } finally {
    await deployer.down().catch(() => undefined);
    if (process.env.CORPUS_BENCH_KEEP) log(o, `kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
  const diagnosed = verdicts.flatMap((v) => (v.diagnosis ? [v.diagnosis] : []));
  const report = {
    corpus: corpus.dir,
    settings: {
      ...(o.diagnose ? { diagnosisWaitS: o.diagnosisWaitS } : {}),
      warmupS: o.warmupS,
      observeS: o.observeS,
      canarySharePercent: o.share,
      scenariosPerSecond: o.rate,
      windowMs: o.windowMs,
      parseEveryS: o.parseEveryS,
      performanceDetector: minuteScaleDetectorOptions(o.warmupS * 1000, o.windowMs),
      errorWarmupMs: errorWarmupMs(o.warmupS),
    },
    faults: verdicts.map((v) => ({
      fault: v.fault,
      kind: v.kind,
      expectedSymptom: v.expectedSymptom,
      seen: v.seen,
      detector: v.detector,
      subject: v.subject,
      explanation: v.explanation,
      onFaultTemplate: v.onFaultTemplate,
      secondsAfterDeploy: v.secondsAfterDeploy,
      incidentId: v.incidentId,
      deploySeconds: v.deploySeconds,
      warmupFindings: v.warmupFindings,
      traffic: v.traffic,
      faultRoutes: v.faultRoutes,
    })),
    totals: totalsOf(verdicts),
    misses: verdicts
      .filter((v) => !v.seen)
      .map((v) => ({
        fault: v.fault,
        reason: missReason(v),
        trafficOnFaultRoutes: `${v.faultRoutes.observe.requests} requests after the deploy, ${v.faultRoutes.observe.unexpected} unexpected answers (warm-up: ${v.faultRoutes.warmup.requests}, ${v.faultRoutes.warmup.unexpected}); p95 ${v.faultRoutes.warmup.p95Ms} -> ${v.faultRoutes.observe.p95Ms} ms`,
        seenInstead: v.seenInstead.slice(0, 10),
      })),
    ...(o.diagnose
      ? {
          diagnosis: {
            faults: diagnosed,
            // Every fault: one the detectors missed counts as a miss, whatever its other incidents' diagnoses said.
            totalsAllFaults: diagnosisTotals(diagnosed, true),
            // Only the faults the detectors saw: the diagnosis stage's own accuracy.
            totalsSeenFaults: diagnosisTotals(diagnosed, false),
            topIssue:
              'highest-confidence issue of the newest diagnosis of the incident the detector verdict attributed; ' +
              'without one, across the incidents opened after the deploy (source: post-deploy)',
            sentryRule:
              'sentrySuspect of the highest-confidence issue carrying one, among the same diagnoses (needs an in-repository stack frame)',
          },
        }
      : {}),
    errors,
    wallSeconds: Math.round((Date.now() - started) / 1000),
  };
  if (o.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    for (const f of report.faults)
      process.stdout.write(
        `${f.seen ? 'seen  ' : 'MISSED'} ${f.fault.padEnd(30)} ${f.kind.padEnd(22)} ${f.expectedSymptom.padEnd(9)} ${f.detector ?? '-'} ${f.secondsAfterDeploy ?? '-'} s\n`,
      );
    process.stdout.write(
      `seen ${report.totals.seen}/${report.totals.faults} (${(report.totals.ratio * 100).toFixed(0)} %), ${report.wallSeconds} s\n`,
    );
    for (const m of report.misses) process.stdout.write(`miss ${m.fault}: ${m.reason}\n`);
    if (report.diagnosis) {
      for (const d of report.diagnosis.faults)
        process.stdout.write(`diagnosis ${d.fault.padEnd(30)} ${diagnosisLine(d)}\n`);
      const t = (label: string, x: ReturnType<typeof diagnosisTotals>) =>
        process.stdout.write(
          `${label}: suspect top-1 ${x.suspectTop1.hits}/${x.suspectTop1.of}, file top-1 ${x.fileTop1.hits}/${x.fileTop1.of}, line top-5 ${x.lineTop5.hits}/${x.lineTop5.of}, Sentry's rule ${x.sentryTop1.hits}/${x.sentryTop1.of} (ours/Sentry ${x.suspectOverSentry ?? '-'})\n`,
        );
      t('all faults', report.diagnosis.totalsAllFaults);
      t('seen faults', report.diagnosis.totalsSeenFaults);
    }
  }
  process.exit(errors.length ? 1 : 0);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
