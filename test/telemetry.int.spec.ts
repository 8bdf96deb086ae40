import { fork, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildCommand,
  DLQ_HEADERS,
  headersToStrings,
  readTopic,
  type RunningService,
  type StageEvent,
} from '@self-healing/shared';
import { type AggregateDoc } from '@self-healing/telemetry-parse';
import { requestParse, ship } from '@self-healing/telemetry-parse';
import { startTelemetryParse } from './src/services.js';
import { serviceEnv, testEnvironment, type TestEnvironment } from './src/environment.js';
import { waitFor } from './src/endpoints.js';

const T0 = Date.UTC(2024, 2, 1, 10, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * A log we know by heart: per minute m (0..2), 4 + m requests "GET /api/orders/<id> took <d> ms" with d =
 * 10, 20, 30 ...; one payment failure at minute 1; one login line carrying a password at minute 2.
 */
function knownLog(): string {
  const lines: string[] = [];
  for (let m = 0; m < 3; m++) {
    for (let i = 0; i < 4 + m; i++)
      lines.push(
        `${iso(T0 + m * 60_000 + i * 1000)} INFO [http] GET /api/orders/${1000 + i} took ${(i + 1) * 10} ms`,
      );
    if (m === 1)
      lines.push(`${iso(T0 + 60_000 + 30_000)} ERROR [payments] payment failed for order 4711 with code 502`);
    if (m === 2)
      lines.push(`${iso(T0 + 120_000 + 40_000)} INFO [auth] login for user bob password=hunter2 accepted`);
  }
  return lines.join('\n') + '\n';
}

type Env = TestEnvironment;
const environment = () => testEnvironment('tp');

const startInProcess = (env: Env): Promise<RunningService> => startTelemetryParse(serviceEnv(env));

async function runEvents(env: Env, runId: string): Promise<StageEvent[]> {
  const events: StageEvent[] = [];
  await readTopic(env.kafka, env.topics.telemetryParseEvents, {
    onMessage: async (m) => {
      if (m.key?.toString() === runId && m.value) events.push(await env.codec.decode(m.value));
    },
  });
  return events;
}

async function until(env: Env, runId: string, type: string): Promise<StageEvent[]> {
  let events: StageEvent[] = [];
  await waitFor(
    async () => {
      events = await runEvents(env, runId);
      return events.some((e) => e.meta.type === type || e.meta.type.endsWith('Failed'));
    },
    { timeoutMs: 120_000, maxIntervalMs: 1000 },
  );
  return events;
}

async function shipAndParse(
  env: Env,
  file: string,
  service: string,
  runId: string,
  format?: string,
): Promise<void> {
  const shipped = await ship(env.kafka, [file], {
    service,
    topic: env.topics.telemetryRaw,
    linesPerRecord: 200,
    ...(format ? { format } : {}),
  });
  await requestParse(env.kafka, env.codec, env.topics.commands, runId, shipped, { service });
}

describe('telemetry.parse against the real servers', () => {
  let env: Env;
  let service: RunningService;

  beforeAll(async () => {
    env = await environment();
    service = await startInProcess(env);
  });
  afterAll(async () => {
    await service?.stop();
    await env?.mongo.close();
  });

  it('turns a shipped file into the expected templates and window aggregates in MongoDB', async () => {
    const file = join(env.logRoot, 'checkout.log');
    writeFileSync(file, knownLog());
    await shipAndParse(env, file, 'checkout', 'run-known');
    const events = await until(env, 'run-known', 'TelemetryParseCompleted');
    expect(events.map((e) => e.meta.type)).toEqual([
      'TelemetryParseRequested',
      'LogFilesLoaded',
      'TelemetryEventsExtracted',
      'TelemetryDataNormalized',
      'TelemetryMetricsAggregated',
      'TelemetryStored',
      'TelemetryParseCompleted',
    ]);
    const extracted = events[2]!.payload as {
      events: number;
      redactions: Record<string, number>;
      templates: number;
    };
    expect(extracted.events).toBe(4 + 5 + 6 + 1 + 1);
    expect(Object.values(extracted.redactions).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);

    const aggregates = await env.db
      .collection<AggregateDoc>('telemetry_aggregates')
      .find({ runId: 'run-known' })
      .sort({ windowStart: 1 })
      .toArray();
    const requests = aggregates.filter((a) => a.template.includes('GET <*> took <*> ms'));
    expect(requests.map((a) => [a.windowStart - T0, a.count, a.errorCount])).toEqual([
      [0, 4, 0],
      [60_000, 5, 0],
      [120_000, 6, 0],
    ]);
    expect(requests[2]?.latency?.max).toBeCloseTo(60, 0);
    expect(requests[2]?.latency?.p50).toBeGreaterThanOrEqual(29);
    expect(requests[2]?.latency?.p50).toBeLessThanOrEqual(41);
    expect(requests.every((a) => a.service === 'checkout')).toBe(true);
    const failures = aggregates.filter((a) => a.template.includes('payment failed'));
    expect(failures.map((a) => [a.windowStart - T0, a.count, a.errorCount])).toEqual([[60_000, 1, 1]]);

    const templates = await env.db.collection('telemetry_templates').find({ service: 'checkout' }).toArray();
    expect(templates).toHaveLength(3);
    // The secret never reached a template, an aggregate or an event.
    expect(JSON.stringify([templates, aggregates, events.map((e) => e.payload)])).not.toContain('hunter2');
    const completed = events[6]!.payload as {
      aggregateCount: number;
      aggregatesComplete: boolean;
      aggregates: unknown[];
    };
    expect(completed).toMatchObject({ aggregateCount: aggregates.length, aggregatesComplete: true });
    expect(completed.aggregates).toHaveLength(aggregates.length);
  });

  it('counts a malformed record as rejected, dead-letters it, and completes the run', async () => {
    const file = join(env.logRoot, 'api.ndjson');
    writeFileSync(
      file,
      [
        JSON.stringify({ level: 30, time: T0, msg: 'request served in 12 ms', pid: 1, hostname: 'api-1' }),
        '{"level": 50, "time": ', // cut off mid-record
        JSON.stringify({ level: 50, time: T0 + 1000, msg: 'upstream timed out', pid: 1, hostname: 'api-1' }),
      ].join('\n'),
    );
    const shipped = await ship(env.kafka, [file], {
      service: 'api',
      topic: env.topics.telemetryRaw,
      linesPerRecord: 1,
      format: 'json',
    });
    await requestParse(env.kafka, env.codec, env.topics.commands, 'run-malformed', shipped, {
      service: 'api',
    });
    const events = await until(env, 'run-malformed', 'TelemetryParseCompleted');
    expect(events.at(-1)?.meta.type).toBe('TelemetryParseCompleted');
    const extracted = events.find((e) => e.meta.type === 'TelemetryEventsExtracted')!.payload as {
      records: number;
      events: number;
      unparsed: number;
      rejected: Record<string, number>;
    };
    expect(extracted).toMatchObject({ records: 3, events: 2, unparsed: 1, rejected: { 'invalid-json': 1 } });
    const letters: Array<Record<string, string>> = [];
    await readTopic(env.kafka, env.topics.deadLetter, {
      onMessage: (m) =>
        void letters.push({ ...headersToStrings(m.headers), value: m.value?.toString() ?? '' }),
    });
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      value: '{"level": 50, "time": ',
      [DLQ_HEADERS.errorCode]: 'invalid-json',
      [DLQ_HEADERS.topic]: env.topics.telemetryRaw,
    });
  });

  it('refuses a request for files outside the log root, with a clear reason', async () => {
    const command = buildCommand(
      'ParseTelemetryCommand',
      {
        runId: 'run-escape',
        source: { kind: 'files', topic: null, partitions: [], paths: ['../../etc/passwd'] },
        services: [],
        timeRange: { from: 2000, until: 1000 },
        windowMs: null,
        formats: [],
        requestedBy: 'test',
        comment: null,
      },
      'run-escape',
      'test',
    );
    const producer = env.kafka.producer();
    await producer.connect();
    await producer.send({
      topic: env.topics.commands,
      messages: [{ key: 'run-escape', value: await env.codec.encode(command) }],
    });
    await producer.disconnect();
    const events = await until(env, 'run-escape', 'TelemetryParseRejected');
    expect(events.map((e) => e.meta.type)).toEqual(['TelemetryParseRejected']);
    const codes = (events[0]!.payload as { reasons: Array<{ code: string }> }).reasons.map((r) => r.code);
    expect(codes).toEqual(expect.arrayContaining(['bad-time-range']));
    expect(codes.some((c) => c === 'outside-log-root' || c === 'not-found')).toBe(true);
  });
});

describe('telemetry.parse killed with SIGKILL mid-run', () => {
  it('gives exactly the aggregates of an uninterrupted run', async () => {
    // Two isolated environments get the same input; one runs undisturbed, the other is killed repeatedly.
    const calm = await environment();
    const chaos = await environment();
    const lines: string[] = [];
    for (let i = 0; i < 60_000; i++) {
      const t = T0 + i * 97;
      lines.push(
        i % 50 === 7
          ? `${iso(t)} ERROR [db] query ${i % 13} failed after ${i % 300} ms: connection reset by peer`
          : `${iso(t)} INFO [http] ${['GET', 'POST'][i % 2]} /api/${['orders', 'carts', 'users'][i % 3]}/${i} took ${(i * 7) % 250} ms`,
      );
    }
    for (const env of [calm, chaos]) {
      mkdirSync(env.logRoot, { recursive: true });
      writeFileSync(join(env.logRoot, 'big.log'), lines.join('\n'));
    }
    const children: ChildProcess[] = [];
    /**
     * Starts the service on an environment. With `killAfter`, the service is SIGKILLed as soon as it logs that
     * this beat is done (its event built, the transaction about to commit or just committed), or after 60 s:
     * kills land on beats, however fast the service has become.
     */
    const start = (env: Env, killAfter?: string) => {
      const log = createWriteStream(join(env.logRoot, `service-${children.length}.log`), { flags: 'a' });
      const child = fork(join(import.meta.dirname, '../services/telemetry-parse/src/main.ts'), [], {
        execArgv: ['--import', 'tsx', '--conditions=development'],
        // At info level the service logs each beat it finishes: what `killAfter` watches for.
        env: { ...process.env, ...serviceEnv(env), ...(killAfter ? { LOG_LEVEL: 'info' } : {}) },
        // The service's own log (pino, on stdout) is kept beside its log root, to read when something hangs.
        stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
      });
      child.stdout!.pipe(log);
      if (killAfter) {
        const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
        child.once('exit', () => clearTimeout(timer));
        createInterface({ input: child.stdout! }).on('line', (line) => {
          if (line.includes('"beat done"') && line.includes(`"handler":"${killAfter}"`))
            child.kill('SIGKILL');
        });
      }
      children.push(child);
      return child;
    };
    const exited = (c: ChildProcess) =>
      new Promise<void>((resolve) =>
        c.exitCode !== null || c.signalCode !== null ? resolve() : c.once('exit', () => resolve()),
      );
    try {
      const calmService = start(calm);
      await shipAndParse(calm, join(calm.logRoot, 'big.log'), 'shop', 'run-big');
      await shipAndParse(chaos, join(chaos.logRoot, 'big.log'), 'shop', 'run-big');
      // Kill the chaos service at different beats of the run (each restart loses what it held in memory and
      // must recompute it), then let it finish. Each kill notes how far the run had got, so the test knows it
      // interrupted real work rather than an idle service.
      const progressAtKill: number[] = [];
      for (const beat of [
        'loadLogFiles',
        'extractTelemetryEvents',
        'normalizeTelemetryData',
        'aggregateTelemetryMetrics',
        'storeTelemetryDatabase',
      ]) {
        const victim = start(chaos, beat);
        await exited(victim);
        progressAtKill.push((await runEvents(chaos, 'run-big')).length);
      }
      const survivor = start(chaos);
      const calmEvents = await until(calm, 'run-big', 'TelemetryParseCompleted');
      const chaosEvents = await until(chaos, 'run-big', 'TelemetryParseCompleted');
      survivor.kill('SIGTERM');
      calmService.kill('SIGTERM');
      await Promise.all([exited(survivor), exited(calmService)]);

      expect(chaosEvents.at(-1)?.meta.type).toBe('TelemetryParseCompleted');
      // Every kill interrupted the run (it had not completed), and the run moved on between kills.
      expect(
        progressAtKill.every((n, i) => n < 7 && n >= (progressAtKill[i - 1] ?? 0)),
        `events in the log at each kill: ${progressAtKill}`,
      ).toBe(true);
      // Each beat's event is in the log once, whatever happened to the service.
      expect(chaosEvents.map((e) => e.meta.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      const strip = (d: AggregateDoc) => ({ ...d, _id: undefined });
      const calmAggregates = (
        await calm.db.collection<AggregateDoc>('telemetry_aggregates').find().sort({ _id: 1 }).toArray()
      ).map(strip);
      const chaosAggregates = (
        await chaos.db.collection<AggregateDoc>('telemetry_aggregates').find().sort({ _id: 1 }).toArray()
      ).map(strip);
      expect(calmAggregates.length).toBeGreaterThan(100);
      expect(chaosAggregates).toEqual(calmAggregates);
      expect(calmAggregates.reduce((n, a) => n + a.count, 0)).toBe(60_000);
      // Same payloads beat for beat, once each environment's own topic prefix is set aside.
      const neutral = (env: Env, events: StageEvent[]) =>
        JSON.parse(
          JSON.stringify(events.map((e) => e.payload))
            .split(env.prefix)
            .join('<prefix>'),
        );
      expect(neutral(chaos, chaosEvents)).toEqual(neutral(calm, calmEvents));
    } catch (error) {
      throw new Error(
        `${(error as Error).message}; service logs under ${calm.logRoot} and ${chaos.logRoot}`,
        { cause: error },
      );
    } finally {
      for (const c of children) c.kill('SIGKILL');
      await calm.mongo.close();
      await chaos.mongo.close();
    }
  }, 600_000);
});
