import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { WindowAggregate } from '@self-healing/schemas';
import { parseTextHeader } from '../header/index.js';
import { TemplateMiner, extractNumbers } from '../mining/index.js';
import type { RawKafkaRecord } from '../decode/types.js';
import {
  aggregateEvents,
  extractEvents,
  normalizeEvents,
  type ExtractResult,
  type MinerLike,
  type NormalizeResult,
  type NormalizeStepOptions,
  type PositionedRecord,
} from './steps.js';

/**
 * Extract -> normalize -> aggregate chained as the service's beats run them, with the service's own header
 * parser, number extractor and miner. These are the end-to-end properties of stage 1's data path: every input
 * is accounted for, secrets never reach the miner, replay is deterministic, each input format parses.
 */

const T0 = Date.UTC(2024, 2, 1, 10, 0, 0);

const raw = (value: string, headers: Record<string, string> = {}, timestamp?: number): RawKafkaRecord => ({
  value: Buffer.from(value),
  headers,
  ...(timestamp !== undefined ? { timestamp } : {}),
});

/** Records named by their offset in one partition, as the Kafka source names them. */
const positioned = (records: readonly RawKafkaRecord[], first = 0): PositionedRecord[] =>
  records.map((record, i) => ({ position: `raw/0/${first + i}`, record }));

/** One miner per service, as the service keeps them; every message a miner is shown is recorded. */
function minersOf(miners = new Map<string, TemplateMiner>()) {
  const seen: string[] = [];
  const minerFor = (service: string): MinerLike => {
    let miner = miners.get(service);
    if (!miner) miners.set(service, (miner = new TemplateMiner()));
    const m = miner;
    return {
      add: (message) => {
        seen.push(message);
        return m.add(message);
      },
    };
  };
  return { miners, seen, minerFor };
}

const normalizeOptions: NormalizeStepOptions = {
  defaultZone: 'UTC',
  defaultLevel: 'info',
  timeRange: null,
  services: [],
};

function extract(records: readonly PositionedRecord[], minerFor = minersOf().minerFor): ExtractResult {
  return extractEvents(records, {
    minerFor,
    parseTextHeader: (line) => parseTextHeader(line),
    extractNumbers,
    defaultService: 'unknown',
  });
}

const total = (counts: Record<string, number | undefined>): number =>
  Object.values(counts).reduce<number>((n, v) => n + (v ?? 0), 0);

const eventsIn = (aggregates: readonly WindowAggregate[]): number =>
  aggregates.reduce((n, a) => n + a.count, 0);

describe('accounting across extract, normalize and aggregate', () => {
  it('given a mixed batch, when it runs through the steps, then every line ends as an event or a counted rejection, and only records nothing was decoded from are dead-lettered', () => {
    // Given 7 Kafka records holding 9 inputs: 2 text lines, 1 JSON line, 1 undecodable binary value,
    // 2 NDJSON lines of which one has no message, 1 line with no time at all, 1 line timed only by Kafka,
    // 1 JSON line whose time cannot be read.
    const records = positioned([
      raw('2024-03-01 10:00:00,100 INFO GET /a took 12 ms\n2024-03-01 10:00:00,200 ERROR GET /b took 30 ms', {
        service: 'Web',
      }),
      raw(JSON.stringify({ level: 40, time: T0 + 500, msg: 'cache miss', name: 'web' })),
      { value: new Uint8Array([0xff, 0x00, 0x01]), headers: {} },
      raw('{"level":30}\n{"msg":"ok","level":30,"time":1709287200900,"name":"web"}'),
      raw('no time anywhere'),
      raw('no header but a kafka time', {}, T0 + 700),
      raw(JSON.stringify({ time: 'not a time', msg: 'unreadable time', name: 'web' })),
    ]);
    const inputs = 9;

    // When
    const extracted = extract(records);
    const normalized = normalizeEvents(extracted.events, normalizeOptions);
    const aggregated = aggregateEvents(normalized.events, {
      windowMs: 60_000,
      allowedLatenessMs: 0,
      previousMaxEventTime: {},
      knownTemplates: new Set(),
    });

    // Then extraction accounts for every input: an event, or a rejection counted by reason.
    expect(extracted).toMatchObject({ records: 7, unparsed: 2 });
    expect(extracted.rejected).toEqual({ undecodable: 1, 'missing-message': 1, 'missing-timestamp': 1 });
    expect(extracted.events).toHaveLength(6);
    expect(extracted.events.length + total(extracted.rejected)).toBe(inputs);
    // The retired ParsePipeline also dead-lettered raw/0/3 (one of its lines had no message) and raw/0/4 (no
    // time). The service parks only records nothing could be decoded from, which is the product's rule:
    // republishing raw/0/3 would deliver its good line a second time, and raw/0/4 decoded fine (a missing time
    // is in the content, which no replay of the raw record can fix), so both are counted, not parked.
    // Like the ParsePipeline, the service rejects raw/0/4 before mining (it can never be timed), so it shapes
    // no template; raw/0/6 has a time that only normalization, reading it in the source's zone, finds bad.
    expect(extracted.deadLetters.map((d) => [d.position, d.reason])).toEqual([['raw/0/2', 'undecodable']]);

    // Then normalization keeps or rejects each extracted event, nothing in between.
    expect(normalized.rejected).toEqual({ 'missing-timestamp': 1 });
    expect(
      normalized.events.length +
        total(normalized.rejected) +
        normalized.droppedOutOfRange +
        normalized.droppedDuplicates,
    ).toBe(extracted.events.length);
    expect(normalized.levelDefaulted).toBe(1);
    expect(normalized.events.map((e) => [e.position, e.service, e.level, e.template, e.numbers])).toEqual([
      ['raw/0/0#0', 'web', 'info', 'GET <*> took <*> ms', { durationMs: 12 }],
      ['raw/0/0#1', 'web', 'error', 'GET <*> took <*> ms', { durationMs: 30 }],
      ['raw/0/1', 'web', 'warn', 'cache miss', {}],
      ['raw/0/3', 'web', 'info', 'ok', {}],
      ['raw/0/5', 'unknown', 'info', 'no header but a kafka time', {}],
    ]);

    // Then aggregation folds or drops each kept event.
    expect(eventsIn(aggregated.aggregates) + aggregated.droppedLate).toBe(normalized.events.length);
    expect(aggregated.droppedLate).toBe(0);
  });

  it('given a second run behind the first, when aggregated with the first run’s watermark, then late events are counted, the rest fold into windows, and a known template is not new', () => {
    // The retired ParsePipeline kept windows open across batches until a watermark passed them; a service run
    // is a finite input, so each run closes all its windows and a later run's events for the same window add
    // a second contribution. Lateness is judged against the newest event time of earlier runs.
    const at = (ms: number, msg: string): RawKafkaRecord =>
      raw(JSON.stringify({ msg, time: T0 + ms, level: 30, name: 'api' }));
    const { minerFor } = minersOf();
    const run = (records: PositionedRecord[]) =>
      normalizeEvents(extract(records, minerFor).events, normalizeOptions).events;
    const options = { windowMs: 60_000, allowedLatenessMs: 10_000 };

    // Given a first run, aggregated from nothing
    const firstEvents = run(
      positioned([at(1_000, 'GET took 10 ms'), at(2_000, 'GET took 20 ms'), at(65_000, 'GET took 30 ms')]),
    );
    const first = aggregateEvents(firstEvents, {
      ...options,
      previousMaxEventTime: {},
      knownTemplates: new Set(),
    });

    // When a second run brings one event in time and one beyond the allowed lateness
    const secondEvents = run(positioned([at(75_000, 'GET took 40 ms'), at(3_000, 'GET took 50 ms')], 3));
    const second = aggregateEvents(secondEvents, {
      ...options,
      previousMaxEventTime: first.maxEventTime,
      knownTemplates: new Set(firstEvents.map((e) => `${e.service}\u0000${e.templateId}`)),
    });

    // Then
    expect(
      first.aggregates.map((a) => [a.windowStart - T0, a.count, a.latency?.count, a.newTemplate]),
    ).toEqual([
      [0, 2, 2, true],
      [60_000, 1, 1, false],
    ]);
    expect(second.aggregates.map((a) => [a.windowStart - T0, a.count, a.newTemplate])).toEqual([
      [60_000, 1, false],
    ]);
    expect(second.droppedLate).toBe(1);
    for (const [events, result] of [
      [firstEvents, first],
      [secondEvents, second],
    ] as const) {
      expect(eventsIn(result.aggregates) + result.droppedLate).toBe(events.length);
    }
    expect(second.maxEventTime).toEqual({ api: T0 + 75_000 });
  });
});

describe('redaction before mining', () => {
  it('given secrets in messages and attributes, when extracted, normalized and aggregated, then neither the miner nor any output sees them', () => {
    // Given
    const { seen, minerFor } = minersOf();
    const records = positioned([
      raw(
        JSON.stringify({
          msg: 'login ok for bob@example.com with password=hunter2',
          time: T0,
          headers: { authorization: 'Bearer abcdefghijkl' },
          token: 'zz',
        }),
      ),
      raw('calling https://svc:pa55@api.internal/v1 with AKIAIOSFODNN7EXAMPLE', {}, T0),
    ]);

    // When
    const extracted = extract(records, minerFor);
    const normalized = normalizeEvents(extracted.events, normalizeOptions);
    const { aggregates } = aggregateEvents(normalized.events, {
      windowMs: 60_000,
      allowedLatenessMs: 0,
      previousMaxEventTime: {},
      knownTemplates: new Set(),
    });

    // Then
    expect(seen).toEqual([
      'login ok for <redacted:email> with password=<redacted:secret>',
      'calling https://<redacted:url-credentials>@api.internal/v1 with <redacted:aws-access-key>',
    ]);
    const everything = JSON.stringify({ seen, extracted, normalized, aggregates });
    for (const secret of [
      'bob@example.com',
      'hunter2',
      'abcdefghijkl',
      'pa55',
      'AKIAIOSFODNN7EXAMPLE',
      '"zz"',
    ]) {
      expect(everything).not.toContain(secret);
    }
    expect(extracted.redactions).toEqual({ email: 1, secret: 3, 'url-credentials': 1, 'aws-access-key': 1 });
    expect(normalized.events).toHaveLength(2);
  });
});

describe('replay', () => {
  const batches = [0, 1, 2].map((b) =>
    positioned(
      Array.from({ length: 50 }, (_, i) =>
        raw(
          JSON.stringify({
            msg: `op ${i % 4} took ${i} ms`,
            time: T0 + b * 40_000 + i * 700,
            level: i % 9 === 0 ? 50 : 30,
            name: `svc${i % 2}`,
          }),
        ),
      ),
      b * 50,
    ),
  );
  const aggregate = (n: NormalizeResult) =>
    aggregateEvents(n.events, {
      windowMs: 60_000,
      allowedLatenessMs: 5_000,
      previousMaxEventTime: {},
      knownTemplates: new Set(),
    });

  it('given the same input replayed with fresh miners, when run through every step, then templates, ids, events and aggregates are identical', () => {
    // Given / When
    const run = () => {
      const { miners, minerFor } = minersOf();
      const extracted = batches.map((batch) => extract(batch, minerFor));
      const normalized = extracted.map((x) => normalizeEvents(x.events, normalizeOptions));
      const aggregated = normalized.map(aggregate);
      const snapshots = [...miners].map(([service, miner]) => [service, miner.snapshot()]);
      return { extracted, normalized, aggregated, snapshots };
    };
    const once = run();
    const twice = run();

    // Then
    expect(twice).toEqual(once);
    expect(once.normalized.reduce((n, x) => n + x.events.length, 0)).toBe(150);
    expect(new Set(once.extracted.flatMap((x) => x.events.map((e) => e.templateId))).size).toBeGreaterThan(0);
  });

  it('given miners restored from their state before a batch, when the batch is extracted again, then the result equals the first extraction', () => {
    // This is how a later beat recomputes a run's extraction: from the miners' state the run started from.
    // Given miners that have mined the first batch
    const { miners, minerFor } = minersOf();
    extract(batches[0]!, minerFor);
    const before = new Map([...miners].map(([service, miner]) => [service, miner.snapshot()]));

    // When the second batch is extracted live, then again from restored miners
    const live = extract(batches[1]!, minerFor);
    const restored = new Map([...before].map(([service, s]) => [service, TemplateMiner.restore(s)]));
    const replayed = extract(batches[1]!, minersOf(restored).minerFor);

    // Then
    expect(replayed).toEqual(live);
    expect(live.newTemplates).toEqual([]);
  });
});

describe('normalization through the steps', () => {
  it('given a zone-less text time, when normalized with the source zone, then the event time is UTC with that zone’s daylight saving', () => {
    const extracted = extract(
      positioned([raw('2024-07-15 12:00:00 INFO summer\n2024-01-15 12:00:00 INFO winter', { service: 'a' })]),
    );

    const n = normalizeEvents(extracted.events, { ...normalizeOptions, defaultZone: 'Europe/Paris' });

    expect(n.events.map((e) => e.timestamp)).toEqual([Date.UTC(2024, 6, 15, 10), Date.UTC(2024, 0, 15, 11)]);
  });

  it('given a syslog time without a year, when normalized, then the Kafka record time supplies the year', () => {
    // Read on 2 January 2024, "Dec 31" is the day before, in 2023.
    const extracted = extract(
      positioned([raw('Dec 31 23:59:59 host1 app[12]: rotated logs', {}, Date.UTC(2024, 0, 2))]),
    );

    const n = normalizeEvents(extracted.events, normalizeOptions);

    expect(n.events.map((e) => e.timestamp)).toEqual([Date.UTC(2023, 11, 31, 23, 59, 59)]);
  });

  it('given JSON with a named level, units, a dotted host and upper-case trace ids, when normalized, then one vocabulary and one unit each', () => {
    const extracted = extract(
      positioned([
        raw(
          JSON.stringify({
            time: T0,
            level: 'WARNING',
            msg: 'slow query',
            service: '  Checkout Service ',
            host: 'Web-1.EU.example.com.',
            trace_id: '4BF92F3577B34DA6A3CE929D0E0E4736',
            db_time_us: 2500,
            payload_kb: 2,
            status: 200,
          }),
        ),
        raw(JSON.stringify({ time: T0 + 1, level: 'loud', msg: 'unknown level', service: 'checkout' })),
      ]),
    );

    const n = normalizeEvents(extracted.events, normalizeOptions);

    expect(n.events[0]).toMatchObject({
      service: 'checkout-service',
      host: 'web-1.eu.example.com',
      level: 'warn',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      numbers: { dbTimeMs: 2.5, payloadBytes: 2048 },
    });
    expect(n.events[1]).toMatchObject({ service: 'checkout', level: 'info' });
    expect(n.levelDefaulted).toBe(1);
  });
});

/**
 * The example files in fixtures/ (the ones its README tells how to publish), one per accepted format. Reading
 * these small checked-in files is the only file access in the unit tests.
 */
describe('fixtures, one per input format', () => {
  const fixture = (name: string): Buffer => readFileSync(new URL(`../../fixtures/${name}`, import.meta.url));

  it.each([
    ['text.log', { format: 'text', service: 'shop' }, 4, { secret: 1 }],
    ['pino.ndjson', { format: 'json' }, 3, { secret: 1 }],
    ['bunyan.ndjson', { format: 'json' }, 2, { email: 1 }],
    ['winston.ndjson', { format: 'json' }, 3, {}],
    ['ecs.ndjson', { format: 'json' }, 2, { 'url-credentials': 1 }],
    ['otlp.json', { format: 'otlp_json' }, 2, {}],
    ['otlp.pb', { format: 'otlp_proto' }, 2, { secret: 1 }],
  ] as const)(
    'given fixtures/%s published with headers %o, when extracted and normalized, then %i events, nothing rejected, and the expected redactions',
    (name, headers, count, redactions) => {
      const extracted = extract(positioned([{ value: fixture(name), headers: { ...headers } }]));
      const n = normalizeEvents(extracted.events, normalizeOptions);

      expect(extracted).toMatchObject({ unparsed: 0, deadLetters: [] });
      expect(extracted.rejected).toEqual({});
      expect(extracted.redactions).toEqual(redactions);
      expect(n.rejected).toEqual({});
      expect(n.events).toHaveLength(count);
      expect(n.levelDefaulted).toBe(0);
      expect(n.events.every((e) => e.timestamp >= Date.UTC(2024, 2, 1) && e.service !== 'unknown')).toBe(
        true,
      );
      expect(n.events.some((e) => e.level === 'error' && e.stack.length > 0)).toBe(true);
    },
  );
});
