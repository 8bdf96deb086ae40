/**
 * `npm run demo:detection`: stages 1-2 alone on one machine (`npm run demo` is the whole loop). Starts the infrastructure (the environment's servers,
 * else Docker, else the local launcher), the telemetry.parse, anomaly.detect and projector services, writes the
 * sample service's log set (seeded, with a latency regression and an error burst injected), ships it, and
 * shows the incidents that open, with their evidence, as read from the projection.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { MultiBar, Presets } from 'cli-progress';
import { resolveEndpoints } from '@self-healing/infra';
import { defaultFaultPlan, generateTraffic } from '@self-healing/sample-service';
import {
  createKafka,
  createLogger,
  createPlatformCodec,
  platformTopicNames,
  runStageService,
  type RunningService,
} from '@self-healing/shared';
import {
  loadTelemetryParseConfig,
  telemetryParseDefinition,
  telemetryParseSettings,
} from '@self-healing/telemetry-parse';
import {
  anomalyDetectDefinition,
  anomalyDetectSettings,
  loadAnomalyDetectConfig,
} from '@self-healing/anomaly-detect';
import {
  ProjectionCatalog,
  createProjector,
  incidentStateTarget,
  projectedTopicsOf,
  type IncidentDoc,
} from '@self-healing/projector';
import { connectMongo } from '@self-healing/shared';
import { requestParse, ship } from '@self-healing/telemetry-parse';
import { newDemoNamespace, pruneEarlierDemoRuns } from './commands/demoNamespaces.js';
import { exitWhenFlushed } from './output.js';

const MINUTE = 60_000;
const TRAFFIC_MINUTES = 180;

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const started = Date.now();
  say('self-healing demo\n');
  say('1/5  infrastructure: Kafka, Schema Registry, MongoDB-compatible store');
  // The demo does not use the forge yet (the healing stages are not built), so a fresh machine need not spend
  // 5-25 minutes building Gitea for it; a forge that is already running is left as it is.
  const infra = await resolveEndpoints({ gitea: false, log: (l: string) => say(`     ${l}`) });
  const e = infra.endpoints;
  // The log set is seeded and has fixed timestamps: where it was parsed before, its events are late and its windows
  // already judged, so a second run would show nothing. Each run gets its own database and topic prefix, unless
  // given (MONGODB_DB, TOPIC_PREFIX); older runs' namespaces are removed but for the last few.
  const namespace = newDemoNamespace(new Date(), randomUUID().slice(0, 4));
  const ownNamespace = process.env.MONGODB_DB === undefined && process.env.TOPIC_PREFIX === undefined;
  const env = {
    KAFKA_BROKERS: e.kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: e.schemaRegistryUrl,
    MONGODB_URI: e.mongodbUri,
    MONGODB_DB: process.env.MONGODB_DB ?? (ownNamespace ? namespace : 'self_healing'),
    TOPIC_PREFIX: process.env.TOPIC_PREFIX ?? (ownNamespace ? `${namespace}.` : ''),
    LOG_ROOT: resolve('.logs'),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
    PERFORMANCE_DETECTOR: 'hour-scale',
  };

  if (ownNamespace) {
    say(`     this run's namespace: database ${env.MONGODB_DB}, topics ${env.TOPIC_PREFIX}*`);
    await pruneEarlierDemoRuns(e, say);
  }
  say('2/5  services: telemetry-parse, anomaly-detect, projector');
  const services: RunningService[] = [];
  const tpConfig = loadTelemetryParseConfig(env);
  services.push(
    await runStageService(
      'telemetry-parse',
      tpConfig,
      ({ kafka, db, topics }) =>
        telemetryParseDefinition({ kafka, db, topics, settings: telemetryParseSettings(tpConfig) }),
      { handleSignals: false },
    ),
  );
  const adConfig = loadAnomalyDetectConfig(env);
  services.push(
    await runStageService(
      'anomaly-detect',
      adConfig,
      ({ db, topics }) =>
        anomalyDetectDefinition({
          db,
          topics,
          settings: anomalyDetectSettings(adConfig),
          producer: 'anomaly-detect/demo',
        }),
      { handleSignals: false },
    ),
  );
  const logger = createLogger('demo', env.LOG_LEVEL);
  const kafka = createKafka('demo', e.kafkaBrokers, logger);
  const topics = platformTopicNames(env.TOPIC_PREFIX);
  const codec = createPlatformCodec(e.schemaRegistryUrl, env.TOPIC_PREFIX);
  const { client, db } = await connectMongo(e.mongodbUri, env.MONGODB_DB);
  const projector = createProjector({
    kafka,
    db,
    codec,
    logger,
    topics: projectedTopicsOf(topics),
    dlqTopic: topics.deadLetter,
    groupId: `${env.TOPIC_PREFIX}projector`,
    transactionalId: `${env.TOPIC_PREFIX}projector.demo`,
    sessionTimeoutMs: 6000,
    incidentState: incidentStateTarget(env.TOPIC_PREFIX),
  });
  await projector.start();

  try {
    say(
      `3/5  the sample service's logs: ${TRAFFIC_MINUTES} min of checkout traffic, a latency regression and an error burst injected`,
    );
    const start = Date.UTC(2026, 0, 1, 0, 0, 0);
    const durationMs = TRAFFIC_MINUTES * MINUTE;
    const traffic = generateTraffic({
      seed: 7,
      start,
      durationMs,
      ratePerSecond: 1,
      faults: defaultFaultPlan(['latency-regression', 'error-burst'], start, durationMs),
    });
    const dir = join(env.LOG_ROOT, 'demo');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'checkout.log');
    writeFileSync(file, traffic.lines.join('\n') + '\n');
    writeFileSync(
      `${file}.labels.json`,
      JSON.stringify(
        traffic.labels.map(({ traceIds, ...l }) => ({ ...l, traces: traceIds.length })),
        null,
        2,
      ),
    );
    for (const l of traffic.labels)
      say(
        `     injected ${l.kind} in ${l.step ?? 'the service'} from ${new Date(l.start).toISOString()} to ${new Date(l.end).toISOString()}`,
      );

    say('4/5  shipping to Kafka, then parse -> detect, beat by beat');
    const progress = beatProgress(traffic.lines.length);
    const shipped = await ship(
      kafka,
      [file],
      { service: 'checkout', topic: topics.telemetryRaw, linesPerRecord: 500 },
      (bytes) => progress.shipping(bytes),
    );
    progress.shipped(shipped.lines, shipped.records);
    const runId = `demo-${randomUUID().slice(0, 8)}`;
    await requestParse(kafka, codec, topics.commands, runId, shipped, { service: 'checkout' });
    const catalog = new ProjectionCatalog(db);
    let run: IncidentDoc | null = null;
    const deadline = Date.now() + 10 * MINUTE;
    for (;;) {
      run = await (await catalog.collection()).findOne({ _id: runId });
      progress.beats(run?.timeline ?? []);
      if (run?.timeline.some((t) => t.event === 'AnomalyDetectionCompleted' || t.outcome !== 'ok')) break;
      if (Date.now() > deadline)
        throw new Error(
          `run ${runId} did not finish in 10 minutes; see: npm run healctl -- incidents show ${runId}`,
        );
      await new Promise((r) => setTimeout(r, 250));
    }
    progress.stop();
    const failed = run?.timeline.find((t) => t.outcome !== 'ok');
    if (failed)
      throw new Error(
        `run ${runId} ended ${failed.outcome} at ${failed.handler}: npm run healctl -- incidents show ${runId}`,
      );

    say('\n5/5  incidents opened, with their evidence (from the projection)');
    const completed = run!.outputs.AnomalyDetectionCompleted as { incidentsOpened: string[] } | undefined;
    const opened = completed?.incidentsOpened ?? [];
    let incidents: IncidentDoc[] = [];
    await waitUntil(async () => {
      incidents = await (await catalog.collection()).find({ _id: { $in: opened } }).toArray();
      return incidents.length === opened.length;
    });
    if (incidents.length === 0) say('     no incident opened');
    type Opened = {
      title: string;
      severity: string;
      kinds: string[];
      timeRange: { from: number };
      findings: Array<{ kind: string; rule: string; explanation: string }>;
    };
    const openedOf = (doc: IncidentDoc) => doc.outputs.IncidentOpened as Opened;
    // In the order the incidents began in the logs (several open in the same projection instant).
    incidents.sort(
      (a, b) => openedOf(a).timeRange.from - openedOf(b).timeRange.from || a._id.localeCompare(b._id),
    );
    for (const doc of incidents) {
      const o = openedOf(doc);
      say(`\n  ● ${doc._id}  [${o.severity}]  ${o.kinds.join(', ')}`);
      say(`    ${o.title}`);
      for (const f of o.findings.slice(0, 4)) say(`      - ${f.kind}/${f.rule}: ${f.explanation}`);
      if (o.findings.length > 4) say(`      … ${o.findings.length - 4} more finding(s)`);
    }
    say(`\ndone in ${Math.round((Date.now() - started) / 1000)} s. Where to look next:`);
    const healctl = ownNamespace
      ? `MONGODB_DB=${env.MONGODB_DB} TOPIC_PREFIX=${env.TOPIC_PREFIX} npm run healctl --`
      : 'npm run healctl --';
    say(`  ${healctl} incidents list                 every run and incident, newest first`);
    say(`  ${healctl} incidents show ${runId}   the parse and detection beats of this run`);
    if (opened[0]) say(`  ${healctl} incidents show ${opened[0]}   one incident's evidence`);
    say(`  ${healctl} dlq list                       anything that could not be processed`);
    say(`  ${healctl} projection replay              rebuild the projection from the event log`);
    say(`  npm run healctl -- demo prune --keep 0            remove every demo run's namespace`);
    say(`  npm run healctl -- infra down                     stop the local servers`);
  } finally {
    await projector.stop();
    for (const s of services) await s.stop();
    await client.close();
  }
}

/** Progress bars on a terminal; one line per beat otherwise (CI logs, pipes). */
function beatProgress(lines: number) {
  const tty = process.stdout.isTTY === true;
  const bars = tty
    ? new MultiBar(
        { format: '     {label} [{bar}] {value}/{total} {what}', hideCursor: true, stopOnComplete: true },
        Presets.shades_classic,
      )
    : null;
  const ship = bars?.create(lines, 0, { label: 'ship  ', what: 'lines' });
  const parse = bars?.create(7, 0, { label: 'parse ', what: 'waiting' });
  const detect = bars?.create(9, 0, { label: 'detect', what: 'waiting' });
  const printed = new Set<string>();
  return {
    shipping: (_bytes: number) => undefined,
    shipped(n: number, records: number) {
      if (ship) ship.update(n, { what: `lines in ${records} records` });
      else say(`     shipped ${n} lines as ${records} records`);
    },
    beats(timeline: IncidentDoc['timeline']) {
      const p = timeline.filter((t) => t.stage === 'telemetry.parse');
      const d = timeline.filter((t) => t.stage === 'anomaly.detect');
      parse?.update(p.length, { what: p.at(-1)?.event ?? 'waiting' });
      detect?.update(d.length, { what: d.at(-1)?.event ?? 'waiting' });
      if (!bars) {
        for (const t of timeline) {
          if (printed.has(t.eventId)) continue;
          printed.add(t.eventId);
          say(
            `     ${t.stage.padEnd(16)} ${String(t.beat).padStart(2)} ${(t.handler ?? '').padEnd(28)} -> ${t.event} (${t.durationMs ?? '-'} ms)`,
          );
        }
      }
    },
    stop: () => bars?.stop(),
  };
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

// Exits once the output is drained: `npm run demo | tee demo.txt` gets all of it.
main().then(
  () => exitWhenFlushed(0),
  (error) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    exitWhenFlushed(1);
  },
);
