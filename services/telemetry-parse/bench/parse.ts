/**
 * How fast telemetry.parse is, and how much memory it takes:
 *
 *   npm run bench:parse -- [--json] [--lines 200000] [--runs 3] [--data <loghub dir>] [--miner-lines 200000]
 *                          [--distinct 200000] [--lines-per-record 200]
 *
 * - miner: the template miner alone on one core over the loghub development messages and `--miner-lines`
 *   lines of generated sample-application messages (no corpus repeated), Drain3 in its default and its
 *   example-masking configuration on the same messages in alternating rounds, and the ratios
 *   (bench/miner-speed.ts).
 * - endToEnd: `--lines` lines of sample-service traffic written to a temporary log root, shipped to Kafka with
 *   `ship()`, parse requested with `requestParse()`, the telemetry-parse service running in this process
 *   (runStageService), until TelemetryParseCompleted is on the stage topic. Every run has its own TOPIC_PREFIX
 *   and MongoDB database, dropped afterwards. Median lines/s over `--runs`, ship vs parse split, and the time
 *   of every beat from the events' meta (handler time, and the wait between beats).
 * - memory: peak RSS during the end-to-end runs (sampled every 100 ms from a worker thread, so a beat that
 *   holds the main thread does not hide its own peak), and the miner fed `--distinct` messages that are all
 *   different templates, with a small cap and with the default cap: heap before/after, templates kept,
 *   evictions.
 *
 * Servers: the environment's endpoints, else the local launcher (resolveEndpoints); servers this bench started
 * are stopped at the end, servers that were already running are left running.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker } from 'node:worker_threads';
import type { Kafka } from 'kafkajs';
import { resolveEndpoints, type Endpoints } from '@self-healing/infra';
import { generateTraffic, Prng } from '@self-healing/sample-service';
import {
  connectMongo,
  createKafka,
  createLogger,
  createPlatformCodec,
  platformTopicNames,
  platformTopics,
  runStageService,
  type RegistryCodec,
  type RunningService,
  type StageEvent,
} from '@self-healing/shared';
import {
  TemplateMiner,
  loadTelemetryParseConfig,
  telemetryParseDefinition,
  telemetryParseSettings,
} from '@self-healing/telemetry-parse';
import { requestParse, ship } from '@self-healing/telemetry-parse';
import { measureMinerSpeed, type MinerSpeedResult } from './miner-speed.js';
import { median } from './lib/metrics.js';
import {
  beatTimings,
  distinctMessage,
  medianBeats,
  round3,
  type BeatMeta,
  type BeatTiming,
} from './lib/parse-report.js';

const MB = 1024 * 1024;
const SERVICE = 'checkout';
const RUN_TIMEOUT_MS = 15 * 60_000;
const TERMINAL = new Set(['TelemetryParseCompleted', 'TelemetryParseFailed', 'TelemetryParseRejected']);

const mb = (bytes: number) => Math.round((bytes / MB) * 10) / 10;
const now = () => performance.now();

/** A real GC between memory readings, without needing `--expose-gc` on the command line. */
function gcFunction(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
const gc = gcFunction();

// ---------------------------------------------------------------------------------------------------- RSS

/** Samples the process RSS every `intervalMs` from a worker thread (RSS is process-wide). */
class RssSampler {
  private readonly worker: Worker;
  private readonly shared = new Float64Array(new SharedArrayBuffer(16));

  constructor(intervalMs = 100) {
    this.worker = new Worker(
      `const { workerData } = require('node:worker_threads');
       const a = new Float64Array(workerData.buffer);
       const tick = () => { const r = process.memoryUsage.rss(); if (r > a[0]) a[0] = r; a[1]++; };
       tick();
       setInterval(tick, workerData.intervalMs);`,
      { eval: true, workerData: { buffer: this.shared.buffer, intervalMs } },
    );
    this.worker.unref();
  }

  /** Peak since the last reset, and the number of samples it is over. */
  read(): { peakBytes: number; samples: number } {
    return { peakBytes: this.shared[0]!, samples: this.shared[1]! };
  }

  reset(): void {
    this.shared[0] = process.memoryUsage.rss();
    this.shared[1] = 0;
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}

// ---------------------------------------------------------------------------------------------- end to end

interface EndToEndRun {
  lines: number;
  records: number;
  bytes: number;
  shipSeconds: number;
  parseSeconds: number;
  totalSeconds: number;
  linesPerSecond: number;
  outcome: string;
  events: number;
  templates: number | null;
  aggregates: number | null;
  beats: BeatTiming[];
  rssBeforeMB: number;
  peakRssMB: number;
}

/** Writes about `lines` lines of sample-service traffic (pino JSON) to `file`; returns the exact count. */
function writeTraffic(file: string, lines: number): number {
  const start = Date.UTC(2026, 0, 1);
  const ratePerSecond = 10;
  // About 8 lines per checkout request; grow the duration until there are enough lines, then cut.
  let durationMs = Math.ceil((lines / (ratePerSecond * 8)) * 1000);
  for (;;) {
    const t = generateTraffic({ seed: 42, start, durationMs, ratePerSecond });
    if (t.lines.length >= lines) {
      writeFileSync(file, t.lines.slice(0, lines).join('\n') + '\n');
      return lines;
    }
    durationMs = Math.ceil(durationMs * 1.25);
  }
}

/** Follows the stage topic from before the request: resolves with the run's events once a terminal one arrives. */
async function watchRun(kafka: Kafka, codec: RegistryCodec, topic: string, groupId: string, runId: string) {
  const consumer = kafka.consumer({ groupId, readUncommitted: false, allowAutoTopicCreation: false });
  const events: StageEvent[] = [];
  let settle!: (e: { events: StageEvent[]; seenAt: number }) => void;
  let fail!: (e: Error) => void;
  const done = new Promise<{ events: StageEvent[]; seenAt: number }>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (message.key?.toString() !== runId || !message.value) return;
      const e = await codec.decode(message.value);
      events.push(e);
      if (TERMINAL.has(e.meta.type)) settle({ events, seenAt: now() });
    },
  });
  const timer = setTimeout(
    () => fail(new Error(`run ${runId} did not finish within ${RUN_TIMEOUT_MS / 1000} s`)),
    RUN_TIMEOUT_MS,
  );
  return {
    joined,
    done: done.finally(() => clearTimeout(timer)),
    stop: async () => {
      clearTimeout(timer);
      await consumer.disconnect().catch(() => undefined);
    },
  };
}

async function endToEndOnce(
  endpoints: Endpoints,
  file: string,
  logRoot: string,
  lines: number,
  linesPerRecord: number,
  sampler: RssSampler,
  logLevel: string,
): Promise<EndToEndRun> {
  const prefix = `bench_parse_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}.`;
  const dbName = prefix.replace(/\W/g, '_').slice(0, 60);
  const env = {
    KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: endpoints.schemaRegistryUrl,
    MONGODB_URI: endpoints.mongodbUri,
    MONGODB_DB: dbName,
    TOPIC_PREFIX: prefix,
    LOG_ROOT: logRoot,
    LOG_LEVEL: logLevel,
    SESSION_TIMEOUT_MS: '30000',
    // The service's own tuning, as an operator would set it.
    ...(process.env.DECODE_WORKERS !== undefined ? { DECODE_WORKERS: process.env.DECODE_WORKERS } : {}),
  };
  const logger = createLogger('bench-parse', logLevel);
  const kafka = createKafka(`${prefix}bench`, endpoints.kafkaBrokers, logger);
  const topics = platformTopicNames(prefix);
  const runId = `bench-${randomBytes(4).toString('hex')}`;
  const watchGroup = `${prefix}bench.watch`;
  let service: RunningService | null = null;
  let watcher: Awaited<ReturnType<typeof watchRun>> | null = null;
  try {
    const config = loadTelemetryParseConfig(env);
    service = await runStageService(
      'telemetry-parse',
      config,
      ({ kafka: k, db, topics: t }) =>
        telemetryParseDefinition({ kafka: k, db, topics: t, settings: telemetryParseSettings(config) }),
      { handleSignals: false },
    );
    const codec = createPlatformCodec(endpoints.schemaRegistryUrl, prefix);
    await codec.registerAll();
    watcher = await watchRun(kafka, codec, topics.telemetryParseEvents, watchGroup, runId);
    await watcher.joined;

    gc();
    const rssBefore = process.memoryUsage.rss();
    sampler.reset();
    const t0 = now();
    const shipped = await ship(kafka, [file], {
      service: SERVICE,
      topic: topics.telemetryRaw,
      linesPerRecord,
    });
    const t1 = now();
    const requestedAtEpoch = Date.now();
    await requestParse(kafka, codec, topics.commands, runId, shipped, { service: SERVICE });
    const { events, seenAt } = await watcher.done;
    const peak = sampler.read().peakBytes;
    if (shipped.lines !== lines) throw new Error(`shipped ${shipped.lines} lines, wrote ${lines}`);

    const last = events.at(-1)!;
    const completed =
      last.meta.type === 'TelemetryParseCompleted'
        ? (last.payload as { templates: number; aggregateCount: number })
        : null;
    const total = (seenAt - t0) / 1000;
    return {
      lines: shipped.lines,
      records: shipped.records,
      bytes: shipped.bytes,
      shipSeconds: round3((t1 - t0) / 1000),
      parseSeconds: round3((seenAt - t1) / 1000),
      totalSeconds: round3(total),
      linesPerSecond: Math.round(shipped.lines / total),
      outcome: last.meta.type,
      events: events.length,
      templates: completed?.templates ?? null,
      aggregates: completed?.aggregateCount ?? null,
      beats: beatTimings(
        events.map((e) => e.meta as BeatMeta),
        requestedAtEpoch,
      ),
      rssBeforeMB: mb(rssBefore),
      peakRssMB: mb(peak),
    };
  } finally {
    await watcher?.stop();
    await service?.stop();
    await cleanUp(kafka, endpoints.mongodbUri, dbName, prefix, [
      watchGroup,
      `${prefix}telemetry.parse.runner`,
    ]);
  }
}

/** Drops the run's database, topics and consumer groups: nothing of a bench run stays on the servers but its registry subjects. */
async function cleanUp(
  kafka: Kafka,
  mongodbUri: string,
  dbName: string,
  prefix: string,
  groups: string[],
): Promise<void> {
  const { client, db } = await connectMongo(mongodbUri, dbName);
  try {
    await db.dropDatabase();
  } finally {
    await client.close().catch(() => undefined);
  }
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteGroups(groups).catch(() => undefined);
    await admin.deleteTopics({ topics: platformTopics(prefix).map((t) => t.name) }).catch(() => undefined);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

// ------------------------------------------------------------------------------------------------ memory

interface DistinctRun {
  maxTemplates: number;
  messages: number;
  seconds: number;
  linesPerSecond: number;
  heapUsedBeforeMB: number;
  heapUsedAfterMB: number;
  retainedMB: number;
  /** Heap used (after GC) at each quarter of the input: flat once the cap is reached, if memory is bounded. */
  heapUsedAtQuartersMB: number[];
  templates: number;
  created: number;
  evictions: number;
}

/** Feeds `messages` all-distinct messages to a miner with the given cap; messages are made on the fly so the heap holds only the miner. */
function distinctTemplates(messages: number, maxTemplates: number | null): DistinctRun {
  const prng = new Prng(7);
  const next = () => prng.next();
  gc();
  const before = process.memoryUsage().heapUsed;
  const miner = new TemplateMiner(maxTemplates === null ? {} : { maxTemplates });
  const quarters: number[] = [];
  let seconds = 0;
  const quarter = Math.ceil(messages / 4);
  for (let done = 0; done < messages;) {
    const upto = Math.min(messages, done + quarter);
    const t = now();
    for (; done < upto; done++) miner.add(distinctMessage(next));
    seconds += (now() - t) / 1000;
    gc();
    quarters.push(mb(process.memoryUsage().heapUsed - before));
  }
  gc();
  const after = process.memoryUsage().heapUsed;
  const stats = miner.stats();
  return {
    maxTemplates: maxTemplates ?? miner.snapshot().options.maxTemplates,
    messages,
    seconds: round3(seconds),
    linesPerSecond: Math.round(messages / seconds),
    heapUsedBeforeMB: mb(before),
    heapUsedAfterMB: mb(after),
    retainedMB: mb(after - before),
    heapUsedAtQuartersMB: quarters,
    templates: stats.templates,
    created: stats.created,
    evictions: stats.evicted,
  };
}

// ------------------------------------------------------------------------------------------------- main

interface Options {
  json: boolean;
  lines: number;
  runs: number;
  data: string;
  minerLines: number;
  distinct: number;
  linesPerRecord: number;
}

function options(): Options {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      json: { type: 'boolean', default: false },
      lines: { type: 'string', default: '200000' },
      runs: { type: 'string', default: '3' },
      data: { type: 'string', default: '/work/shared/datasets/loghub' },
      'miner-lines': { type: 'string', default: '200000' },
      distinct: { type: 'string', default: '200000' },
      'lines-per-record': { type: 'string', default: '200' },
    },
  });
  const int = (name: string, v: string, min: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got ${v}`);
    return n;
  };
  return {
    json: values.json,
    lines: int('lines', values.lines, 1),
    runs: int('runs', values.runs, 1),
    data: values.data,
    minerLines: int('miner-lines', values['miner-lines'], 1),
    distinct: int('distinct', values.distinct, 1),
    linesPerRecord: int('lines-per-record', values['lines-per-record'], 1),
  };
}

async function main(): Promise<void> {
  const o = options();
  const progress = (line: string) => {
    if (!o.json) process.stderr.write(`${line}\n`);
  };
  // The service logs through pino straight to stdout: silent under --json so stdout is exactly one JSON object.
  const logLevel = process.env.LOG_LEVEL ?? (o.json ? 'silent' : 'warn');
  const startedAt = new Date().toISOString();

  const infra = await resolveEndpoints({ log: progress });
  const logRoot = mkdtempSync(join(tmpdir(), 'bench-parse-'));
  const sampler = new RssSampler(100);
  const runs: EndToEndRun[] = [];
  let miner: MinerSpeedResult;
  let smallCap: DistinctRun;
  let defaultCap: DistinctRun;
  try {
    // End to end first, while the heap holds nothing of the other measurements.
    const file = join(logRoot, `${SERVICE}.log`);
    writeTraffic(file, o.lines);
    for (let r = 0; r < o.runs; r++) {
      progress(`end to end: run ${r + 1}/${o.runs}, ${o.lines} lines`);
      runs.push(
        await endToEndOnce(infra.endpoints, file, logRoot, o.lines, o.linesPerRecord, sampler, logLevel),
      );
      const last = runs.at(-1)!;
      progress(
        `  ${last.outcome}: ${last.linesPerSecond} lines/s (ship ${last.shipSeconds} s, parse ${last.parseSeconds} s)`,
      );
    }
    progress(`miner alone vs Drain3: loghub messages and ${o.minerLines} app messages`);
    miner = await measureMinerSpeed({ data: o.data, appLines: o.minerLines, runs: o.runs });
    progress(`distinct templates: ${o.distinct} messages, cap 1000, then the default cap`);
    smallCap = distinctTemplates(o.distinct, 1000);
    defaultCap = distinctTemplates(o.distinct, null);
  } finally {
    await sampler.stop();
    rmSync(logRoot, { recursive: true, force: true });
    await infra.stop();
  }

  const parseMedian = median(runs.map((r) => r.parseSeconds));
  const result = {
    bench: 'telemetry.parse',
    startedAt,
    args: process.argv.slice(2),
    machine: { cpus: cpus().length, node: process.version },
    infra: infra.source,
    miner: {
      data: o.data,
      runs: miner.runs,
      corpora: miner.corpora,
      drain3: miner.drain3,
      // Against Drain3 as it ships, on the corpus without repetition of the sample application.
      target: 5,
      meetsTarget: (miner.corpora['app']?.speedRatio.default ?? 0) >= 5,
    },
    endToEnd: {
      lines: o.lines,
      runs: runs.length,
      linesPerRecord: o.linesPerRecord,
      bytes: runs[0]?.bytes ?? 0,
      records: runs[0]?.records ?? 0,
      outcomes: runs.map((r) => r.outcome),
      linesPerSecond: Math.round(median(runs.map((r) => r.linesPerSecond))),
      totalSeconds: round3(median(runs.map((r) => r.totalSeconds))),
      shipSeconds: round3(median(runs.map((r) => r.shipSeconds))),
      parseSeconds: round3(parseMedian),
      shipLinesPerSecond: Math.round(median(runs.map((r) => r.lines / r.shipSeconds))),
      parseLinesPerSecond: Math.round(median(runs.map((r) => r.lines / r.parseSeconds))),
      target: 50_000,
      meetsTarget: median(runs.map((r) => r.linesPerSecond)) >= 50_000,
      templates: runs[0]?.templates ?? null,
      aggregates: runs[0]?.aggregates ?? null,
      beats: medianBeats(
        runs.map((r) => r.beats),
        parseMedian,
      ),
      perRun: runs,
    },
    memory: {
      endToEnd: {
        sampleEveryMs: 100,
        rssBeforeMB: Math.max(...runs.map((r) => r.rssBeforeMB)),
        peakRssMB: Math.max(...runs.map((r) => r.peakRssMB)),
      },
      distinctTemplates: { smallCap, defaultCap },
    },
  };

  if (o.json) {
    process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  const e = result.endToEnd;
  const say = (line: string) => process.stdout.write(`${line}\n`);
  for (const [name, c] of Object.entries(result.miner.corpora)) {
    say(
      `miner alone (${name}, ${c.lines} lines): ${c.linesPerSecond} lines/s, Drain3 default ${c.drain3.default?.linesPerSecond ?? 'n/a'} lines/s (ratio ${c.speedRatio.default ?? 'n/a'}x, target >= 5x), Drain3 masked ${c.drain3.masked?.linesPerSecond ?? 'n/a'} lines/s (ratio ${c.speedRatio.masked ?? 'n/a'}x)`,
    );
  }
  say(
    `end to end: ${e.lines} lines in ${e.totalSeconds} s = ${e.linesPerSecond} lines/s (target >= 50000; median of ${e.runs})`,
  );
  say(
    `  ship ${e.shipSeconds} s (${e.shipLinesPerSecond} lines/s), parse ${e.parseSeconds} s (${e.parseLinesPerSecond} lines/s)`,
  );
  for (const b of e.beats)
    say(
      `  ${b.event.padEnd(28)} ${b.seconds.toFixed(3).padStart(8)} s  (+${b.waitSeconds.toFixed(3)} s before)  ${(b.shareOfParse * 100).toFixed(1)}% of parse`,
    );
  say(
    `memory: peak RSS ${result.memory.endToEnd.peakRssMB} MB during end to end (from ${result.memory.endToEnd.rssBeforeMB} MB)`,
  );
  for (const d of [smallCap, defaultCap]) {
    say(
      `  ${d.messages} distinct templates, cap ${d.maxTemplates}: kept ${d.templates}, evicted ${d.evictions}, heap +${d.retainedMB} MB (quarters ${d.heapUsedAtQuartersMB.join(' / ')} MB), ${d.linesPerSecond} lines/s`,
    );
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `bench:parse failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
