import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createParsePipeline, type TemplateMiner } from './pipeline.js';
import type { RawKafkaRecord, TextHeaderParser } from './decode/types.js';

/** Stand-in for src/mining: numbers become `<*>`, the id hashes the template. Records what it was shown. */
function standInMiner(): TemplateMiner & { seen: string[] } {
  const known = new Set<string>();
  const seen: string[] = [];
  return {
    seen,
    add(message: string) {
      seen.push(message);
      const params = message.match(/\d+/g) ?? [];
      const template = message.replace(/\d+/g, '<*>');
      const templateId = createHash('sha1').update(template).digest('hex').slice(0, 12);
      const isNew = !known.has(templateId);
      known.add(templateId);
      return { templateId, template, params, isNew };
    },
  };
}

/** Stand-in for src/header: `yyyy-MM-dd HH:mm:ss[,SSS] LEVEL message`. */
const standInHeader: TextHeaderParser = (line) => {
  const m = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:,\d{3})?)\s+([A-Z]+)\s+(.*)$/.exec(line);
  return m
    ? {
        timestamp: m[1] ?? null,
        epochMs: null,
        level: m[2] ?? null,
        component: null,
        process: null,
        host: null,
        message: m[3] ?? '',
      }
    : null;
};

const tookMs = (message: string): Record<string, number> => {
  const m = /took (\d+(?:\.\d+)?) ?ms/.exec(message);
  return m ? { durationMs: Number(m[1]) } : {};
};

const text = (value: string, headers: Record<string, string> = {}, timestamp?: number): RawKafkaRecord => ({
  value: Buffer.from(value),
  headers,
  ...(timestamp !== undefined ? { timestamp } : {}),
});

const T0 = Date.UTC(2024, 2, 1, 10, 0, 0);

describe('parse pipeline', () => {
  it('given a mixed batch, when processed, then every input ends in an event or a counted rejection', () => {
    const miner = standInMiner();
    const pipeline = createParsePipeline({
      miner,
      parseTextHeader: standInHeader,
      extractNumbers: tookMs,
      windowMs: 60_000,
      allowedLatenessMs: 0,
    });
    const batch: RawKafkaRecord[] = [
      text(
        '2024-03-01 10:00:00,100 INFO GET /a took 12 ms\n2024-03-01 10:00:00,200 ERROR GET /b took 30 ms',
        { service: 'Web' },
      ),
      text(JSON.stringify({ level: 40, time: T0 + 500, msg: 'cache miss', name: 'web' })),
      { value: new Uint8Array([0xff, 0x00, 0x01]), headers: {} },
      text('{"level":30}\n{"msg":"ok","level":30,"time":1709287200900,"name":"web"}'),
      text('no header and no kafka time'),
      text('no header but a kafka time', {}, T0 + 700),
    ];

    const { events, accounting } = pipeline.process(batch);

    expect(accounting.records).toBe(6);
    expect(accounting.logRecords).toBe(6);
    expect(accounting.events).toBe(5);
    expect(accounting.rejectedLogRecords).toBe(1);
    expect(accounting.rejected).toEqual({ undecodable: 1, 'missing-message': 1, 'missing-timestamp': 1 });
    expect(accounting.deadLetters.map((d) => [d.index, d.reason])).toEqual([
      [2, 'undecodable'],
      [3, 'missing-message'],
      [4, 'missing-timestamp'],
    ]);
    expect(accounting.logRecords).toBe(accounting.events + accounting.rejectedLogRecords);
    expect(accounting.events).toBe(accounting.aggregated + accounting.droppedLate);
    expect(events.map((e) => [e.service, e.level, e.template, e.numbers])).toEqual([
      ['web', 'info', 'GET /a took <*> ms', { durationMs: 12 }],
      ['web', 'error', 'GET /b took <*> ms', { durationMs: 30 }],
      ['web', 'warn', 'cache miss', {}],
      ['web', 'info', 'ok', {}],
      ['unknown', 'info', 'no header but a kafka time', {}],
    ]);
    expect(accounting.newTemplates).toHaveLength(5);
  });

  it('given secrets in messages and attributes, when processed, then the miner and the events never see them', () => {
    const miner = standInMiner();
    const pipeline = createParsePipeline({ miner });
    const { events, accounting } = pipeline.process([
      text(
        JSON.stringify({
          msg: 'login ok for bob@example.com with password=hunter2',
          time: T0,
          headers: { authorization: 'Bearer abcdefghijkl' },
          token: 'zz',
        }),
      ),
      text('calling https://svc:pa55@api.internal/v1 with AKIAIOSFODNN7EXAMPLE', {}, T0),
    ]);
    const everything = JSON.stringify({ seen: miner.seen, events });
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
    expect(miner.seen).toEqual([
      'login ok for <redacted:email> with password=<redacted:secret>',
      'calling https://<redacted:url-credentials>@api.internal/v1 with <redacted:aws-access-key>',
    ]);
    expect(accounting.redactions).toEqual({ email: 1, secret: 3, 'url-credentials': 1, 'aws-access-key': 1 });
  });

  it('given batches over time, when the watermark passes windows, then they close, late events are counted, finish closes the rest', () => {
    const pipeline = createParsePipeline({
      miner: standInMiner(),
      windowMs: 60_000,
      allowedLatenessMs: 10_000,
      extractNumbers: tookMs,
    });
    const at = (ms: number, msg: string): RawKafkaRecord =>
      text(JSON.stringify({ msg, time: T0 + ms, level: 30, name: 'api' }));

    const first = pipeline.process([
      at(1_000, 'GET took 10 ms'),
      at(2_000, 'GET took 20 ms'),
      at(65_000, 'GET took 30 ms'),
    ]);
    expect(first.aggregates).toEqual([]);

    const second = pipeline.process([at(75_000, 'GET took 40 ms'), at(3_000, 'GET took 50 ms')]);
    expect(
      second.aggregates.map((a) => [a.windowStart - T0, a.count, a.latency?.count, a.newTemplate]),
    ).toEqual([[0, 2, 2, true]]);
    expect(second.accounting).toMatchObject({ events: 2, aggregated: 1, droppedLate: 1 });

    expect(pipeline.finish().map((a) => [a.windowStart - T0, a.count, a.newTemplate])).toEqual([
      [60_000, 2, false],
    ]);
  });

  it('given the same input replayed into a fresh pipeline, when processed, then results and state are identical', () => {
    const batches = [0, 1, 2].map((b) =>
      Array.from({ length: 50 }, (_, i) =>
        text(
          JSON.stringify({
            msg: `op ${i % 4} took ${i} ms`,
            time: T0 + b * 40_000 + i * 700,
            level: i % 9 === 0 ? 50 : 30,
            name: `svc${i % 2}`,
          }),
        ),
      ),
    );
    const run = () => {
      const pipeline = createParsePipeline({
        miner: standInMiner(),
        extractNumbers: tookMs,
        allowedLatenessMs: 5_000,
      });
      const results = batches.map((batch) => pipeline.process(batch));
      return { results, final: pipeline.finish(), snapshot: pipeline.snapshot() };
    };
    expect(run()).toEqual(run());
  });
});

/**
 * The example files in fixtures/ (the ones the README tells how to publish) decode as documented. This reads
 * small checked-in files, the only file access in these unit tests.
 */
describe('fixtures', () => {
  const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/${name}`, import.meta.url));
  const javaHeader: TextHeaderParser = (line) => {
    const m = /^(\S+ \S+)\s+([A-Z]+)\s+\[([^\]]+)\]\s+(\S+) - (.*)$/.exec(line);
    return m
      ? {
          timestamp: m[1] ?? null,
          epochMs: null,
          level: m[2] ?? null,
          process: m[3] ?? null,
          component: m[4] ?? null,
          host: null,
          message: m[5] ?? '',
        }
      : null;
  };

  it.each([
    ['text.log', { format: 'text', service: 'shop' }, 4, { secret: 1 }],
    ['pino.ndjson', { format: 'json' }, 3, { secret: 1 }],
    ['bunyan.ndjson', { format: 'json' }, 2, { email: 1 }],
    ['winston.ndjson', { format: 'json' }, 3, {}],
    ['ecs.ndjson', { format: 'json' }, 2, { 'url-credentials': 1 }],
    ['otlp.json', { format: 'otlp_json' }, 2, {}],
    ['otlp.pb', { format: 'otlp_proto' }, 2, { secret: 1 }],
  ] as const)(
    'given fixtures/%s published with headers %o, when processed, then %i events and the expected redactions',
    (name, headers, count, redactions) => {
      const pipeline = createParsePipeline({
        miner: standInMiner(),
        parseTextHeader: javaHeader,
        extractNumbers: tookMs,
      });
      const { events, accounting } = pipeline.process([{ value: fixture(name), headers: { ...headers } }]);
      expect(accounting.deadLetters).toEqual([]);
      expect(events).toHaveLength(count);
      expect(accounting.redactions).toEqual(redactions);
      expect(events.every((e) => e.timestamp >= Date.UTC(2024, 2, 1) && e.service !== 'unknown')).toBe(true);
      expect(events.some((e) => e.level === 'error' && e.stack.length > 0)).toBe(true);
    },
  );
});
