/**
 * What stages 1 and 2 emit on the demo's input, as Avro bytes: proof that a refactoring of the runtime or of a
 * stage's beats changed no event. Runs telemetry.parse and anomaly.detect in this process in a fresh namespace,
 * ships the demo's log set (seeded), requests one parse run with a fixed id, waits for the detection run, and
 * prints one SHA-256 per event (and one over all) of the event's Avro encoding without the registry's framing.
 *
 * Wall-clock fields of the envelope (`startedAt`, `occurredAt`), the producer's host name, the attempt number, the
 * command's random correlation id and the namespace's name are set to constants first: they differ between any two
 * runs. Everything else (ids, seq, causation, machine version, every payload byte) is compared as it is. Run it on
 * two checkouts and compare the files:
 *
 *   KAFKA_BROKERS=127.0.0.1:19092 SCHEMA_REGISTRY_URL=http://127.0.0.1:18081/apis/ccompat/v7 \
 *   MONGODB_URI=mongodb://127.0.0.1:27018/ npx tsx --conditions=development test/src/stageOutputs.ts out.json
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultFaultPlan, generateTraffic } from '@self-healing/sample-service';
import {
  createKafka,
  createLogger,
  createPlatformCodec,
  platformTopicNames,
  readTopic,
  runStageService,
  type StageEvent,
} from '@self-healing/shared';
import {
  loadTelemetryParseConfig,
  telemetryParseDefinition,
  telemetryParseSettings,
} from '@self-healing/telemetry-parse';
import {
  HOUR_SCALE_DETECTOR_OPTIONS,
  anomalyDetectDefinition,
  anomalyDetectSettings,
  loadAnomalyDetectConfig,
} from '@self-healing/anomaly-detect';
import { requestParse, ship } from '@self-healing/telemetry-parse';

const RUN_ID = 'stage-outputs';

/** Strings naming this run's namespace (the raw topic's prefixed name) name a constant one instead. */
function withoutNamespace(value: unknown, ns: string): unknown {
  if (typeof value === 'string') return value.split(ns).join('NS');
  if (Array.isArray(value)) return value.map((v) => withoutNamespace(v, ns));
  if (value && typeof value === 'object' && !(value instanceof Uint8Array))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutNamespace(v, ns)]));
  return value;
}

function normalized(e: StageEvent, ns: string): StageEvent {
  return {
    ...e,
    payload: withoutNamespace(e.payload, ns),
    meta: {
      ...e.meta,
      startedAt: e.meta.startedAt === null ? null : 0,
      occurredAt: e.meta.sequenceId === null ? e.meta.occurredAt : 0,
      producer: e.meta.producer.split('/')[0] ?? '',
      attempt: 1,
      correlationId: e.meta.correlationId === RUN_ID ? RUN_ID : 'command-correlation',
    },
  };
}

async function main(): Promise<void> {
  const ns = `so_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const logRoot = mkdtempSync(join(tmpdir(), 'stage-outputs-'));
  const env = {
    KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:19092',
    SCHEMA_REGISTRY_URL: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:18081/apis/ccompat/v7',
    MONGODB_URI: process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27018/',
    MONGODB_DB: ns,
    TOPIC_PREFIX: `${ns}.`,
    LOG_ROOT: logRoot,
    LOG_LEVEL: 'error',
    SESSION_TIMEOUT_MS: '6000',
    PERFORMANCE_DETECTOR: JSON.stringify(HOUR_SCALE_DETECTOR_OPTIONS),
  };
  const tp = loadTelemetryParseConfig(env);
  const ad = loadAnomalyDetectConfig(env);
  const services = [
    await runStageService(
      'telemetry-parse',
      tp,
      ({ kafka, db, topics }) =>
        telemetryParseDefinition({ kafka, db, topics, settings: telemetryParseSettings(tp) }),
      { handleSignals: false },
    ),
    await runStageService(
      'anomaly-detect',
      ad,
      ({ db, topics }) =>
        anomalyDetectDefinition({
          db,
          topics,
          settings: anomalyDetectSettings(ad),
          producer: 'anomaly-detect/stage-outputs',
        }),
      { handleSignals: false },
    ),
  ];
  const logger = createLogger('stage-outputs', 'error');
  const kafka = createKafka('stage-outputs', env.KAFKA_BROKERS.split(','), logger);
  const topics = platformTopicNames(env.TOPIC_PREFIX);
  const codec = createPlatformCodec(env.SCHEMA_REGISTRY_URL, env.TOPIC_PREFIX);
  try {
    // The demo's input, as `npm run demo` writes it.
    const start = Date.UTC(2026, 0, 1, 0, 0, 0);
    const durationMs = 180 * 60_000;
    const traffic = generateTraffic({
      seed: 7,
      start,
      durationMs,
      ratePerSecond: 1,
      faults: defaultFaultPlan(['latency-regression', 'error-burst'], start, durationMs),
    });
    mkdirSync(join(logRoot, 'demo'), { recursive: true });
    const file = join(logRoot, 'demo', 'checkout.log');
    writeFileSync(file, traffic.lines.join('\n') + '\n');
    const shipped = await ship(kafka, [file], {
      service: 'checkout',
      topic: topics.telemetryRaw,
      linesPerRecord: 500,
    });
    await requestParse(kafka, codec, topics.commands, RUN_ID, shipped, { service: 'checkout' });
    const read = async (topic: string): Promise<StageEvent[]> => {
      const out: StageEvent[] = [];
      await readTopic(kafka, topic, {
        onMessage: async (m) => void (m.value && out.push(await codec.decode(m.value))),
      });
      return out;
    };
    const deadline = Date.now() + 5 * 60_000;
    for (;;) {
      const done = (await read(topics.anomalyDetectEvents)).some((e) =>
        ['AnomalyDetectionCompleted', 'AnomalyDetectionFailed', 'AnomalyDetectionRejected'].includes(
          e.meta.type,
        ),
      );
      if (done) break;
      if (Date.now() > deadline) throw new Error('the detection run did not finish in 5 minutes');
      await new Promise((r) => setTimeout(r, 500));
    }
    const events = [
      ...(await read(topics.telemetryParseEvents)),
      ...(await read(topics.anomalyDetectEvents)),
      ...(await read(topics.incidents)),
    ];
    const rows = [];
    for (const e of events) {
      // The Avro body: the wire format less its magic byte and schema id (ids differ between namespaces).
      const body = (await codec.encode(normalized(e, ns))).subarray(5);
      rows.push({
        type: e.meta.type,
        key: e.meta.incidentId,
        seq: e.meta.seq,
        sha256: createHash('sha256').update(body).digest('hex'),
      });
    }
    rows.sort((a, b) => a.key.localeCompare(b.key) || a.seq - b.seq || a.type.localeCompare(b.type));
    const all = createHash('sha256');
    for (const r of rows) all.update(r.sha256);
    const out = `${JSON.stringify({ events: rows.length, sha256: all.digest('hex'), rows }, null, 1)}\n`;
    // The services log to stdout: the digests go to a file when one is named.
    if (process.argv[2]) writeFileSync(process.argv[2], out);
    else process.stdout.write(out);
  } finally {
    for (const s of services) await s.stop();
  }
}

await main();
process.exit(0);
