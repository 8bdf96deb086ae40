import { describe, expect, it } from 'vitest';
import { buildEvent, outsideBeatMeta } from '@self-healing/shared';
import { parseTextHeader } from '../header/index.js';
import { TemplateMiner, extractNumbers } from '../mining/index.js';
import {
  aggregateEvents,
  distinctTemplates,
  extractEvents,
  normalizeEvents,
  type PositionedRecord,
} from './steps.js';
import { groupLines } from './sources.js';
import { validateParseCommand } from './validate.js';

const T0 = Date.UTC(2024, 2, 1, 10, 0, 0);
const text = (
  position: string,
  lines: string[],
  headers: Record<string, string> = { service: 'Checkout' },
): PositionedRecord => ({
  position,
  record: { value: Buffer.from(lines.join('\n')), headers },
});

function extract(records: PositionedRecord[], formats: Array<'text' | 'json'> = []) {
  const miners = new Map<string, TemplateMiner>();
  return extractEvents(records, {
    minerFor: (s) => miners.get(s) ?? miners.set(s, new TemplateMiner()).get(s)!,
    parseTextHeader: (l) => parseTextHeader(l),
    extractNumbers,
    defaultService: 'unknown',
    formats,
  });
}

describe('extract', () => {
  it('mines templates per service, keeps parameters and numbers, and names each event by its source position', () => {
    const r = extract([
      text('raw/0/5', [
        `${new Date(T0).toISOString()} INFO GET /orders/1 took 12 ms`,
        `${new Date(T0 + 1000).toISOString()} INFO GET /orders/2 took 30 ms`,
      ]),
    ]);
    expect(r.events.map((e) => e.position)).toEqual(['raw/0/5#0', 'raw/0/5#1']);
    expect(r.events[1]).toMatchObject({
      service: 'checkout',
      template: 'GET <*> took <*> ms',
      params: ['/orders/2', '30'],
      numbers: { durationMs: 30 },
    });
    expect(r.templates).toBe(1);
    expect(r.newTemplates).toHaveLength(1);
  });

  it('redacts secrets before the miner sees them, and counts them', () => {
    const r = extract([
      text('raw/0/1', ['2024-03-01T10:00:00Z INFO login ok password=hunter2 token=abc.def.ghi']),
    ]);
    expect(JSON.stringify(r.events)).not.toContain('hunter2');
    expect(Object.values(r.redactions).reduce((a, b) => a + (b ?? 0), 0)).toBeGreaterThanOrEqual(1);
  });

  it('accounts for every record: undecodable ones are rejected with a reason and listed for the dead-letter topic', () => {
    const r = extract([
      {
        position: 'raw/0/1',
        record: {
          value: Buffer.from('{"level":30,"time":1,"msg":"ok"}'),
          headers: { 'content-type': 'application/json' },
        },
      },
      {
        position: 'raw/0/2',
        record: { value: Buffer.from('{"level": '), headers: { 'content-type': 'application/json' } },
      },
      { position: 'raw/0/3', record: { value: Buffer.alloc(0), headers: {} } },
    ]);
    expect(r).toMatchObject({ records: 3, unparsed: 2, rejected: { 'invalid-json': 1, empty: 1 } });
    expect(r.events).toHaveLength(1);
    expect(r.deadLetters.map((d) => [d.position, d.reason])).toEqual([
      ['raw/0/2', 'invalid-json'],
      ['raw/0/3', 'empty'],
    ]);
  });

  it('given a line with no time of its own and no Kafka time, when extracted, then it is rejected before any miner sees it, so it cannot shape the templates of the lines that are kept', () => {
    // Given two single-line records a miner would fold into one template; only the second can be timed.
    const seen: string[] = [];
    const miner = new TemplateMiner();
    const records: PositionedRecord[] = [
      { position: 'raw/0/1', record: { value: Buffer.from('no header and no kafka time'), headers: {} } },
      {
        position: 'raw/0/2',
        record: { value: Buffer.from('no header but a kafka time'), headers: {}, timestamp: T0 },
      },
    ];

    // When
    const r = extractEvents(records, {
      minerFor: () => ({ add: (m) => (seen.push(m), miner.add(m)) }),
      parseTextHeader: (l) => parseTextHeader(l),
      extractNumbers,
      defaultService: 'unknown',
    });

    // Then the time-less record is counted, not mined and not dead-lettered (it decoded fine; no replay of it
    // could give it a time).
    expect(seen).toEqual(['no header but a kafka time']);
    expect(r).toMatchObject({
      records: 2,
      unparsed: 1,
      rejected: { 'missing-timestamp': 1 },
      deadLetters: [],
    });
    expect(r.events.map((e) => [e.position, e.template])).toEqual([
      ['raw/0/2', 'no header but a kafka time'],
    ]);
    expect(r.newTemplates).toHaveLength(1);
  });

  it('counts and dead-letters a record the miner cannot take, and mines the rest', () => {
    const miner = new TemplateMiner();
    const records: PositionedRecord[] = [
      {
        position: 'raw/0/1',
        record: { value: Buffer.from('2024-03-01T10:00:00Z INFO poison line'), headers: {} },
      },
      {
        position: 'raw/0/2',
        record: { value: Buffer.from('2024-03-01T10:00:01Z INFO good line'), headers: {} },
      },
    ];
    const r = extractEvents(records, {
      minerFor: () => ({
        add: (m) => {
          if (m.includes('poison')) throw new Error('the miner broke');
          return miner.add(m);
        },
      }),
      parseTextHeader: (l) => parseTextHeader(l),
      extractNumbers,
      defaultService: 'unknown',
    });
    expect(r).toMatchObject({
      rejected: { 'mining-failed': 1 },
      deadLetters: [{ position: 'raw/0/1', reason: 'mining-failed', detail: 'the miner broke' }],
    });
    expect(r.events.map((e) => e.position)).toEqual(['raw/0/2']);
  });

  it('refuses formats the request did not ask for', () => {
    const r = extract([text('raw/0/1', ['2024-03-01T10:00:00Z INFO plain line'])], ['json']);
    expect(r).toMatchObject({ unparsed: 1, rejected: { 'format-not-requested': 1 } });
  });
});

describe('normalize', () => {
  const base = extract([
    text('raw/0/1', ['2024-03-01 10:00:00 WARNING disk at 91%', '2024-03-01 10:00:05 ERR write failed']),
    // A time written but unreadable is only found out when normalization reads it with the source's zone.
    text('raw/0/2', [JSON.stringify({ time: 'not a time', msg: 'no usable time here', name: 'checkout' })]),
  ]).events;

  it('applies the source time zone to zone-less timestamps and maps levels to one vocabulary', () => {
    const n = normalizeEvents(base, {
      defaultZone: '+02:00',
      defaultLevel: 'info',
      timeRange: null,
      services: [],
    });
    expect(n.events.map((e) => [e.timestamp, e.level])).toEqual([
      [T0 - 2 * 3600_000, 'warn'],
      [T0 - 2 * 3600_000 + 5000, 'error'],
    ]);
    expect(n.rejected).toEqual({ 'missing-timestamp': 1 });
    expect(n.services).toEqual([
      {
        service: 'checkout',
        events: 2,
        errors: 1,
        hosts: 0,
        timeRange: { from: T0 - 7_200_000, to: T0 - 7_195_000 },
      },
    ]);
  });

  it('drops events outside the time range and of other services, and duplicates of one position', () => {
    const n = normalizeEvents([...base, base[0]!], {
      defaultZone: 'UTC',
      defaultLevel: 'info',
      timeRange: { from: T0, to: T0 + 1000 },
      services: ['payments'],
    });
    expect(n.droppedDuplicates).toBe(1);
    expect(n.events).toHaveLength(0);
    expect(n.rejected['service-not-requested']).toBe(2);
  });
});

describe('aggregate', () => {
  const event = (t: number, ms: number, level: 'info' | 'error' = 'info') => ({
    timestamp: T0 + t,
    service: 's',
    host: null,
    level,
    component: null,
    templateId: 'a',
    template: 'op took <*> ms',
    params: [],
    traceId: null,
    spanId: null,
    sessionId: null,
    numbers: { durationMs: ms },
    stack: [],
  });

  it('counts, errors and latency per service, template and window', () => {
    const a = aggregateEvents([event(0, 10), event(1000, 20, 'error'), event(61_000, 30)], {
      windowMs: 60_000,
      allowedLatenessMs: 30_000,
      previousMaxEventTime: {},
      knownTemplates: new Set(),
    });
    expect(a.aggregates.map((x) => [x.windowStart - T0, x.count, x.errorCount, x.newTemplate])).toEqual([
      [0, 2, 1, true],
      [60_000, 1, 0, false],
    ]);
    expect(a.aggregates[0]?.latency?.max).toBeCloseTo(20, 0);
    expect(a.droppedLate).toBe(0);
  });

  it("drops events later than the allowed lateness behind the service's newest event, including earlier runs'", () => {
    const a = aggregateEvents([event(0, 1), event(200_000, 1), event(100_000, 1), event(190_000, 1)], {
      windowMs: 60_000,
      allowedLatenessMs: 30_000,
      previousMaxEventTime: { s: T0 + 50_000 },
      knownTemplates: new Set(['s\u0000a']),
    });
    expect(a.droppedLate).toBe(2); // t=0 behind the previous run; t=100s behind t=200s
    expect(a.aggregates.reduce((n, x) => n + x.count, 0)).toBe(2);
    expect(a.aggregates.every((x) => !x.newTemplate)).toBe(true);
    expect(a.maxEventTime).toEqual({ s: T0 + 200_000 });
  });
});

describe('line grouping for file sources', () => {
  it('never separates a stack trace from its line, and caps group size otherwise', () => {
    const groups = groupLines(['a', 'b', 'Error: x', '    at f (a.js:1:1)', '    at g (b.js:2:2)', 'c'], 3);
    // The frames follow their error into the first group, even past the cap; the next line starts a new one.
    expect(groups.map((g) => [g.firstLine, g.text.split('\n').length])).toEqual([
      [1, 5],
      [6, 1],
    ]);
  });
});

describe('parse request validation', () => {
  const command = (payload: Record<string, unknown>, key = 'run-1') =>
    buildEvent(
      'commands',
      {
        type: 'ParseTelemetryCommand',
        payload: {
          runId: 'run-1',
          source: {
            kind: 'kafka',
            topic: null,
            partitions: [{ partition: 0, fromOffset: 0, toOffset: 10 }],
            paths: [],
          },
          services: [' Checkout '],
          timeRange: null,
          windowMs: null,
          formats: [],
          requestedBy: 'me',
          comment: null,
          ...payload,
        },
      },
      outsideBeatMeta({ incidentId: key, seq: 1, correlationId: 'c', occurredAt: 0, producer: 't' }),
    );
  const options = {
    defaultWindowMs: 60_000,
    rawTopic: 'raw',
    isUnderLogRoot: async (p: string) =>
      p.includes('..') ? { code: 'outside-log-root', message: `${p} escapes` } : null,
  };

  it('accepts a good request and fills in the defaults', async () => {
    const v = await validateParseCommand(command({}), options);
    expect(v).toEqual({
      ok: true,
      requested: expect.objectContaining({
        runId: 'run-1',
        windowMs: 60_000,
        services: ['checkout'],
        trigger: 'command',
        source: expect.objectContaining({ topic: 'raw' }),
      }),
    });
  });

  it('lists every problem at once', async () => {
    const v = await validateParseCommand(
      command(
        {
          source: {
            kind: 'files',
            topic: null,
            partitions: [{ partition: 0, fromOffset: 5, toOffset: 1 }],
            paths: ['../../etc'],
          },
          timeRange: { from: 10, until: 5 },
          windowMs: 10,
        },
        'other-key',
      ),
      options,
    );
    expect(v.ok).toBe(false);
    expect(!v.ok && v.reasons.map((r) => r.code).sort()).toEqual([
      'bad-time-range',
      'bad-window',
      'mixed-source',
      'outside-log-root',
      'run-id-mismatch',
    ]);
  });

  it('refuses empty sources', async () => {
    const v = await validateParseCommand(
      command({
        source: {
          kind: 'kafka',
          topic: null,
          partitions: [{ partition: 0, fromOffset: 3, toOffset: 3 }],
          paths: [],
        },
      }),
      options,
    );
    expect(!v.ok && v.reasons.map((r) => r.code)).toEqual(['empty-source']);
  });
});

describe('distinctTemplates', () => {
  it('collects each service’s template ids once, whatever the interleaving of services', () => {
    const events = [
      { service: 'a', templateId: 't1' },
      { service: 'a', templateId: 't1' },
      { service: 'b', templateId: 't1' },
      { service: 'a', templateId: 't2' },
      { service: 'b', templateId: 't3' },
    ];
    const byService = distinctTemplates(events);
    expect([...byService.keys()]).toEqual(['a', 'b']);
    expect([...byService.get('a')!]).toEqual(['t1', 't2']);
    expect([...byService.get('b')!]).toEqual(['t1', 't3']);
    expect(distinctTemplates([]).size).toBe(0);
  });
});
