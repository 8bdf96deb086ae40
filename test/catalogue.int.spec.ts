import { fork } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ConfigError, readTopic, type RunningService, type StageEvent } from '@self-healing/shared';
import { loadTelemetryParseConfig, type AggregateDoc } from '@self-healing/telemetry-parse';
import { loadAnomalyDetectConfig } from '@self-healing/anomaly-detect';
import { requestParse, ship } from '@self-healing/telemetry-parse';
import { startTelemetryParse } from './src/services.js';
import { serviceEnv, testEnvironment, type TestEnvironment } from './src/environment.js';
import { waitFor } from './src/endpoints.js';

/**
 * Declared log formats (the catalogue's `logFormat`) reaching the running telemetry.parse service: lines in
 * Loghub's BGL layout, whose time is the fifth field and whose level the ninth, are read by the declaration for
 * the service that declares it, and as before (header inferred) for a service that declares nothing. A bad
 * catalogue (a format that does not compile, a detection preset anomaly-detect does not know) stops the service
 * at start-up with every bad field named.
 */
const BGL_FORMAT =
  '<Label> <Timestamp> <Date> <Node> <Time> <NodeRepeat> <Type> <Component> <Level> <Content>';
const T0 = Date.UTC(2005, 5, 3, 15, 42, 0);
const LINES = 60;
const FATAL_EVERY = 6;

/** BGL-like lines, one every 3 s from T0: every sixth is FATAL, the others INFO. */
function bglLog(): string {
  const lines: string[] = [];
  for (let i = 0; i < LINES; i++) {
    const t = new Date(T0 + i * 3000);
    const iso = t.toISOString(); // 2005-06-03T15:42:03.000Z
    const date = iso.slice(0, 10).replaceAll('-', '.');
    const time = `${iso.slice(0, 10)}-${iso.slice(11, 19).replaceAll(':', '.')}.${String(i * 1000 + 7).padStart(6, '0')}`;
    const node = `R0${i % 4}-M1-N0-C:J12-U11`;
    const fatal = i % FATAL_EVERY === 0;
    lines.push(
      `- ${Math.floor(t.getTime() / 1000)} ${date} ${node} ${time} ${node} RAS KERNEL ${fatal ? 'FATAL' : 'INFO'} ` +
        (fatal ? `data TLB error interrupt ${i}` : `instruction cache parity error corrected ${i}`),
    );
  }
  return lines.join('\n') + '\n';
}

/** A catalogue with the shipped sample's entry as `checkout` and copies of it, each with some fields changed. */
function writeCatalogue(dir: string, changed: Record<string, Record<string, unknown>>): string {
  const sample = parseYaml(
    readFileSync(join(import.meta.dirname, '../services/target/catalogue/sample.yaml'), 'utf8'),
  ) as { version: 1; services: Record<string, Record<string, unknown>> };
  const checkout = sample.services.checkout!;
  const services: Record<string, Record<string, unknown>> = { checkout };
  for (const [name, fields] of Object.entries(changed)) services[name] = { ...checkout, ...fields };
  const path = join(dir, `catalogue-${Object.keys(changed).join('-')}.json`);
  writeFileSync(path, JSON.stringify({ version: 1, services }));
  return path;
}

type Normalized = {
  byLevel: Record<string, number>;
  levelDefaulted: number;
  services: Array<{
    service: string;
    events: number;
    errors: number;
    timeRange: { from: number; until: number };
  }>;
};

describe('the service catalogue in telemetry.parse and anomaly-detect', () => {
  let env: TestEnvironment;
  let service: RunningService;

  beforeAll(async () => {
    env = await testEnvironment('tpcat');
    const catalogue = writeCatalogue(env.logRoot, { bgl: { logFormat: { format: BGL_FORMAT } } });
    service = await startTelemetryParse(serviceEnv(env, { CATALOGUE: catalogue }));
  });
  afterAll(async () => {
    await service?.stop();
    await env?.mongo.close();
  });

  async function parse(serviceName: string, runId: string): Promise<StageEvent[]> {
    const file = join(env.logRoot, `${serviceName}.log`);
    writeFileSync(file, bglLog());
    const shipped = await ship(env.kafka, [file], {
      service: serviceName,
      topic: env.topics.telemetryRaw,
      linesPerRecord: 20,
    });
    await requestParse(env.kafka, env.codec, env.topics.commands, runId, shipped, { service: serviceName });
    let events: StageEvent[] = [];
    await waitFor(
      async () => {
        events = [];
        await readTopic(env.kafka, env.topics.telemetryParseEvents, {
          onMessage: async (m) => {
            if (m.key?.toString() === runId && m.value) events.push(await env.codec.decode(m.value));
          },
        });
        return events.some(
          (e) => /Completed$|Failed$|Rejected$/.test(e.meta.type) && e.meta.type.startsWith('TelemetryParse'),
        );
      },
      { timeoutMs: 120_000, maxIntervalMs: 1000 },
    );
    expect(events.at(-1)?.meta.type).toBe('TelemetryParseCompleted');
    return events;
  }

  const normalizedOf = (events: StageEvent[]) =>
    events.find((e) => e.meta.type === 'TelemetryDataNormalized')!.payload as Normalized;

  it('reads time and level by the declared format, and the same lines as before without one', async () => {
    const declared = normalizedOf(await parse('bgl', 'run-declared'));
    const fatal = Math.ceil(LINES / FATAL_EVERY);
    // Time from the <Time> field (2005, to the microsecond), not the time of ingestion; FATAL is fatal, an error.
    expect(declared.services).toEqual([
      expect.objectContaining({
        service: 'bgl',
        events: LINES,
        errors: fatal,
        hosts: 4,
        timeRange: { from: T0, until: T0 + (LINES - 1) * 3001 + 1 }, // until: exclusive
      }),
    ]);
    expect(declared.byLevel).toEqual({ fatal, info: LINES - fatal });
    const windows = await env.db
      .collection<AggregateDoc>('telemetry_aggregates')
      .find({ runId: 'run-declared' })
      .toArray();
    expect(windows.length).toBeGreaterThan(0);
    expect(windows.every((a) => a.windowStart >= T0 - 60_000 && a.windowStart < T0 + 4 * 60_000)).toBe(true);

    // A service the catalogue declares no format for: its header is inferred, as without a catalogue, and these
    // lines defeat inference (their first field is "-"): no time, so the time of ingestion; no level, so info.
    const shippedAfter = Date.now();
    const inferred = normalizedOf(await parse('bgl-plain', 'run-inferred'));
    expect(inferred.services.map((s) => s.service)).toEqual(['bgl-plain']);
    expect(inferred).toMatchObject({ byLevel: { info: LINES }, levelDefaulted: LINES });
    expect(inferred.services[0]).toMatchObject({ events: LINES, errors: 0 });
    expect(inferred.services[0]!.timeRange.from).toBeGreaterThanOrEqual(shippedAfter - 1000);
  });

  it('refuses a catalogue with bad formats at start-up, naming each', async () => {
    const path = writeCatalogue(env.logRoot, {
      'no-preset': { logFormat: { preset: 'no-such-preset' } },
      twice: { logFormat: { format: '<Date> <Date> <Content>' } },
    });
    let error: unknown;
    try {
      loadTelemetryParseConfig(serviceEnv(env, { CATALOGUE: path }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      expect.stringMatching(/^CATALOGUE: services\.no-preset\.logFormat: .*no-such-preset/),
      expect.stringMatching(/^CATALOGUE: services\.twice\.logFormat: .*<Date>.*twice/),
    ]);

    // The service's own entry point: exit code 2 and the problems on stderr, before it connects to anything.
    const child = fork(join(import.meta.dirname, '../services/telemetry-parse/src/main.ts'), [], {
      execArgv: ['--import', 'tsx', '--conditions=development'],
      env: { ...process.env, ...serviceEnv(env, { CATALOGUE: path }) },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => void (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).toBe(2);
    expect(stderr).toContain('services.no-preset.logFormat');
    expect(stderr).toContain('services.twice.logFormat');
  }, 120_000);

  it('anomaly-detect refuses a detection preset it does not know, at start-up', () => {
    const path = writeCatalogue(env.logRoot, { ledger: { detection: { preset: 'short-window' } } });
    expect(() => loadAnomalyDetectConfig(serviceEnv(env, { CATALOGUE: path }))).toThrow(
      'CATALOGUE: services.ledger.detection.preset: unknown detector preset "short-window" (known: default, hour-scale, minute-scale)',
    );
    // A catalogue that is no catalogue: every bad field named, as for any service reading it.
    const broken = writeCatalogue(env.logRoot, {
      typo: { colour: 'blue', detection: { preset: 'default' } },
    });
    expect(() => loadAnomalyDetectConfig(serviceEnv(env, { CATALOGUE: broken }))).toThrow(
      /CATALOGUE: services\.typo\.colour: unknown field/,
    );
  });
});
