import { describe, expect, it } from 'vitest';
import { decodeKafkaRecord, parseStack } from './index.js';
import type { RawKafkaRecord, TextHeaderParser } from './types.js';

const rec = (value: string, headers: Record<string, string> = {}): RawKafkaRecord => ({
  value: Buffer.from(value),
  headers,
});

/** Stand-in for src/header: `<ISO timestamp> <LEVEL> [component] message`. */
const header: TextHeaderParser = (line) => {
  const m =
    /^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:\d{2})?)\s+(\w+)\s+(?:\[([^\]]+)\]\s+)?(.*)$/.exec(
      line,
    );
  if (!m) return null;
  return {
    timestamp: m[1] ?? null,
    epochMs: null,
    level: m[2] ?? null,
    component: m[3] ?? null,
    process: null,
    host: null,
    message: m[4] ?? '',
  };
};

describe('plain text', () => {
  it('given several lines in one Kafka record, when decoded, then each line is a record with its header fields', () => {
    const result = decodeKafkaRecord(
      rec('2024-03-01 10:00:00,123 INFO [http] GET /a 200\n2024-03-01 10:00:01 WARN [db] slow query\n'),
      { parseTextHeader: header },
    );
    expect(result.format).toBe('text');
    expect(result.records.map((r) => [r.timestampText, r.level, r.component, r.message])).toEqual([
      ['2024-03-01 10:00:00,123', 'INFO', 'http', 'GET /a 200'],
      ['2024-03-01 10:00:01', 'WARN', 'db', 'slow query'],
    ]);
  });

  it('given a Java stack trace after an error line, when decoded, then frames attach to that record', () => {
    const text = [
      '2024-03-01 10:00:00 ERROR [pay] charge failed',
      'java.lang.IllegalStateException: card declined',
      '\tat com.shop.Pay.charge(Pay.java:42)',
      '\tat com.shop.Api.handle(Api.java:7)',
      'Caused by: java.io.IOException: reset',
      '\tat java.net.Socket.read(Native Method)',
      '\t... 3 more',
      '2024-03-01 10:00:01 INFO [pay] retry ok',
    ].join('\n');
    const result = decodeKafkaRecord(rec(text), { parseTextHeader: header });
    expect(result.records).toHaveLength(2);
    expect(result.records[0]?.stack).toEqual([
      'com.shop.Pay.charge (Pay.java:42)',
      'com.shop.Api.handle (Api.java:7)',
      'java.net.Socket.read (Native Method)',
    ]);
    expect(result.records[0]?.attributes['exception.message']).toBe(
      'java.lang.IllegalStateException: card declined',
    );
    expect(result.records[1]?.message).toBe('retry ok');
  });

  it('given a Python traceback, when parsed, then frames are innermost first', () => {
    const frames = parseStack([
      'Traceback (most recent call last):',
      '  File "/app/main.py", line 10, in main',
      '    handle()',
      '  File "/app/handler.py", line 3, in handle',
      '    1 / 0',
      'ZeroDivisionError: division by zero',
    ]);
    expect(frames).toEqual(['handle (/app/handler.py:3)', 'main (/app/main.py:10)']);
  });

  it('given Node and Go traces, when parsed, then frames are function (file:line)', () => {
    expect(
      parseStack(
        'Error: x\n    at Object.pay (/app/pay.js:10:5)\n    at /app/main.js:3:1\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
      ),
    ).toEqual([
      'Object.pay (/app/pay.js:10)',
      '<anonymous> (/app/main.js:3)',
      'process.processTicksAndRejections (node:internal/process/task_queues:95)',
    ]);
    expect(
      parseStack(
        'panic: boom\n\ngoroutine 1 [running]:\nmain.handler(0x1)\n\t/app/main.go:42 +0x1d\nmain.main()\n\t/app/main.go:10 +0x25',
      ),
    ).toEqual(['main.handler (/app/main.go:42)', 'main.main (/app/main.go:10)']);
  });
});

describe('JSON flavours', () => {
  it('given a pino line, when decoded, then level number, time, pid, hostname and msg are read', () => {
    const line = JSON.stringify({
      level: 50,
      time: 1709287200123,
      pid: 31,
      hostname: 'api-7',
      name: 'orders',
      reqId: 'req-9',
      msg: 'db timeout',
      responseTime: 812,
      err: { type: 'Error', message: 'timeout', stack: 'Error: timeout\n    at q (/app/db.js:5:3)' },
    });
    const [r] = decodeKafkaRecord(rec(line)).records;
    expect(r).toMatchObject({
      format: 'json',
      level: '50',
      timestamp: 1709287200123,
      process: '31',
      host: 'api-7',
      service: 'orders',
      sessionId: 'req-9',
      message: 'db timeout',
      stack: ['q (/app/db.js:5)'],
    });
    expect(r?.attributes).toMatchObject({
      responseTime: 812,
      'exception.type': 'Error',
      'exception.message': 'timeout',
    });
  });

  it('given a bunyan line, when decoded, then v is dropped and name becomes the service', () => {
    const line = JSON.stringify({
      name: 'billing',
      hostname: 'b-1',
      pid: 9,
      level: 40,
      msg: 'quota near',
      time: '2024-03-01T10:00:00.000Z',
      v: 0,
    });
    const [r] = decodeKafkaRecord(rec(line)).records;
    expect(r).toMatchObject({
      service: 'billing',
      host: 'b-1',
      level: '40',
      timestampText: '2024-03-01T10:00:00.000Z',
      message: 'quota near',
    });
    expect(r?.attributes).toEqual({});
  });

  it('given a winston line with an errors() stack in the message, when decoded, then the stack is split off', () => {
    const line = JSON.stringify({
      level: 'error',
      message: 'boom\n    at run (/app/run.js:2:9)',
      timestamp: '2024-03-01 10:00:00',
      service: 'worker',
    });
    const [r] = decodeKafkaRecord(rec(line)).records;
    expect(r).toMatchObject({
      level: 'error',
      message: 'boom',
      timestampText: '2024-03-01 10:00:00',
      service: 'worker',
      stack: ['run (/app/run.js:2)'],
    });
  });

  it('given ECS documents, dotted or nested, when decoded, then both give the same record', () => {
    const dotted = {
      '@timestamp': '2024-03-01T10:00:00.000Z',
      'log.level': 'warn',
      message: 'cache miss',
      'service.name': 'Cart',
      'host.name': 'h1',
      'trace.id': 'abc',
      'span.id': 'def',
      'error.stack_trace': 'Error: x\n    at f (/a.js:1:1)',
      'ecs.version': '8.11.0',
      'event.duration': 5000000,
    };
    const nested = {
      '@timestamp': '2024-03-01T10:00:00.000Z',
      log: { level: 'warn' },
      message: 'cache miss',
      service: { name: 'Cart' },
      host: { name: 'h1' },
      trace: { id: 'abc' },
      span: { id: 'def' },
      error: { stack_trace: 'Error: x\n    at f (/a.js:1:1)' },
      ecs: { version: '8.11.0' },
      event: { duration: 5000000 },
    };
    const a = decodeKafkaRecord(rec(JSON.stringify(dotted))).records[0];
    const b = decodeKafkaRecord(rec(JSON.stringify(nested))).records[0];
    expect(a).toEqual(b);
    expect(a).toMatchObject({
      level: 'warn',
      service: 'Cart',
      host: 'h1',
      traceId: 'abc',
      spanId: 'def',
      stack: ['f (/a.js:1)'],
      attributes: { 'event.duration': 5000000 },
    });
  });

  it('given NDJSON with a broken line, when decoded, then good lines decode and the bad one is a rejection', () => {
    const result = decodeKafkaRecord(rec('{"msg":"a","level":30}\n{"msg": nope}\n{"level":30}\n'));
    expect(result.records.map((r) => r.message)).toEqual(['a']);
    expect(result.rejections.map((r) => r.reason)).toEqual(['invalid-json', 'missing-message']);
  });

  it('given no service in the record, when decoded, then the Kafka service and host headers fill in', () => {
    const [r] = decodeKafkaRecord(rec('{"msg":"x"}', { Service: 'edge', host: 'n1' })).records;
    expect(r).toMatchObject({ service: 'edge', host: 'n1' });
    const [own] = decodeKafkaRecord(rec('{"msg":"x","service":"mine"}')).records;
    expect(own?.service).toBe('mine');
  });

  it('given a service header, when decoded, then it names the service even where a line names itself', () => {
    // Two deployments of one program (the same name in every line) are two services in the catalogue.
    const [r] = decodeKafkaRecord(
      rec('{"msg":"x","service":"checkout","host":"a"}', { service: 'checkout-eu', host: 'n1' }),
    ).records;
    expect(r).toMatchObject({ service: 'checkout-eu', host: 'a' });
  });
});

describe("a JSON stream with a runtime's plain-text report in it", () => {
  // What the sample service's log file holds when a request crashes it: pino's lines on stdout, then Node's report
  // of the uncaught exception on stderr, appended to the same file.
  const stream = [
    '{"level":30,"time":1796629592056,"msg":"GET /products completed status=200 took 37 ms"}',
    'file:///srv/app/dist/src/observability/logger.js:18',
    '        if (version.length === 2 && traceId.length === 32)',
    '                                            ^',
    '',
    "TypeError: Cannot read properties of undefined (reading 'length')",
    '    at traceIdFrom (file:///srv/app/dist/src/observability/logger.js:18:45)',
    '    at handle (file:///srv/app/dist/src/http/server.js:16:21)',
    '    at Server.emit (node:events:524:28)',
    '',
    'Node.js v20.20.2',
    '{"level":30,"time":1796629593000,"msg":"checkout listening on port 8080"}',
  ].join('\n');

  it('given NDJSON with an uncaught exception report between its lines, then the report is one error record with its frames', () => {
    const result = decodeKafkaRecord(rec(stream));
    expect(result.format).toBe('json');
    expect(result.rejections).toEqual([]);
    expect(result.records.map((r) => r.message)).toEqual([
      'GET /products completed status=200 took 37 ms',
      "TypeError: Cannot read properties of undefined (reading 'length')",
      'checkout listening on port 8080',
    ]);
    const crash = result.records[1]!;
    expect(crash.level).toBe('error');
    expect(crash.stack).toEqual([
      'traceIdFrom (file:///srv/app/dist/src/observability/logger.js:18)',
      'handle (file:///srv/app/dist/src/http/server.js:16)',
      'Server.emit (node:events:524)',
    ]);
  });

  it("given Python's report of an uncaught exception, then its exception is the message", () => {
    const result = decodeKafkaRecord(
      rec(
        'Traceback (most recent call last):\n  File "/srv/app/main.py", line 3, in <module>\n    run()\nKeyError: \'sku\'',
      ),
    );
    expect(result.records.map((r) => [r.level, r.message, r.stack])).toEqual([
      ['error', "KeyError: 'sku'", ['<module> (/srv/app/main.py:3)']],
    ]);
  });

  it('given a batch that opens with the report, then the JSON lines after it are still JSON', () => {
    const result = decodeKafkaRecord(rec(stream.split('\n').slice(1).join('\n')));
    expect(result.format).toBe('json');
    expect(result.records.map((r) => [r.level, r.message])).toEqual([
      ['error', "TypeError: Cannot read properties of undefined (reading 'length')"],
      ['30', 'checkout listening on port 8080'],
    ]);
  });

  it('given a text log that holds lines looking like JSON, then those that make no log object stay text', () => {
    const result = decodeKafkaRecord(
      rec('2024-03-01 10:00:01 INFO request body:\n{"sku": "A-1"}\n{\n{"msg":"a JSON line","level":"warn"}'),
    );
    expect(result.rejections).toEqual([]);
    expect(result.records.map((r) => [r.format, r.message])).toEqual([
      ['text', '2024-03-01 10:00:01 INFO request body:'],
      ['text', '{"sku": "A-1"}'],
      ['text', '{'],
      ['json', 'a JSON line'],
    ]);
  });

  it('given a line that starts like JSON and does not parse, then it is still refused; declared JSON takes no text', () => {
    const broken = decodeKafkaRecord(rec('{"level":30,"msg":"ok"}\n{"level":30,"msg":'));
    expect(broken.records).toHaveLength(1);
    expect(broken.rejections).toEqual([expect.objectContaining({ reason: 'invalid-json' })]);
    const declared = decodeKafkaRecord(rec(stream, { 'content-type': 'application/json' }));
    expect(declared.records).toHaveLength(2);
    expect(declared.rejections.every((r) => r.reason === 'invalid-json')).toBe(true);
  });
});

describe('trace ids', () => {
  it('given an all-zero trace id (no trace, per W3C Trace Context), then the record has none', () => {
    const line = (traceId: string) =>
      decodeKafkaRecord(rec(JSON.stringify({ level: 30, time: 1, msg: 'x', traceId }))).records[0]!.traceId;
    expect(line('00000000000000000000000000000000')).toBeNull();
    expect(line('0')).toBeNull();
    expect(line('4bf92f3577b34da6a3ce929d0e0e4736')).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });
});

describe('undecodable input', () => {
  it('given an empty value or binary that is not OTLP, when decoded, then one rejection says why', () => {
    expect(decodeKafkaRecord({ value: new Uint8Array(), headers: {} }).rejections[0]?.reason).toBe('empty');
    expect(
      decodeKafkaRecord({ value: new Uint8Array([0xff, 0xfe, 0x00, 0x13, 0x37]), headers: {} }).rejections[0]
        ?.reason,
    ).toBe('undecodable');
    expect(
      decodeKafkaRecord({ value: new Uint8Array([0xc3, 0x28]), headers: { format: 'json' } }).rejections[0]
        ?.reason,
    ).toBe('not-utf8-text');
  });
});
