import { describe, expect, it } from 'vitest';
import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { decodeKafkaRecord } from './index.js';

const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const SPAN_ID = '051581bf3cb55c13';

/** Log records produced by the OpenTelemetry SDK itself, so the encoders under test are the real ones. */
function sdkLogRecords() {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({
      'service.name': 'checkout',
      'host.name': 'web-1',
      'process.pid': 4242,
    }),
    processors: [new SimpleLogRecordProcessor(exporter)],
  });
  const logger = provider.getLogger('com.shop.Checkout');
  const context = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: TRACE_ID,
    spanId: SPAN_ID,
    traceFlags: TraceFlags.SAMPLED,
  });
  logger.emit({
    timestamp: new Date('2024-03-01T10:00:00.123Z'),
    severityNumber: SeverityNumber.ERROR,
    severityText: 'ERROR',
    body: 'payment failed for order 991 after 532 ms',
    attributes: { 'session.id': 'sess-77', 'http.status_code': 502, retry: true },
    context,
  });
  logger.emit({
    timestamp: new Date('2024-03-01T10:00:01.000Z'),
    severityNumber: SeverityNumber.INFO2,
    body: 'order 992 placed',
    attributes: {
      'exception.stacktrace': 'Error: boom\n    at pay (/app/pay.js:10:5)\n    at main (/app/main.js:3:1)',
    },
  });
  return exporter.getFinishedLogRecords();
}

describe('OTLP decoding', () => {
  it('given an ExportLogsServiceRequest encoded by the SDK protobuf serializer, when decoded, then fields round-trip', () => {
    const bytes = ProtobufLogsSerializer.serializeRequest(sdkLogRecords());
    expect(bytes).toBeDefined();

    const result = decodeKafkaRecord({ value: bytes!, headers: {} });

    expect(result.format).toBe('otlp-proto');
    expect(result.rejections).toEqual([]);
    expect(result.records).toHaveLength(2);
    const [first, second] = result.records;
    expect(first).toMatchObject({
      timestamp: Date.parse('2024-03-01T10:00:00.123Z'),
      level: 'error',
      message: 'payment failed for order 991 after 532 ms',
      service: 'checkout',
      host: 'web-1',
      component: 'com.shop.Checkout',
      process: '4242',
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      sessionId: 'sess-77',
      format: 'otlp-proto',
    });
    expect(first?.attributes).toMatchObject({ 'http.status_code': 502, retry: true });
    expect(second).toMatchObject({
      level: 'info',
      traceId: null,
      spanId: null,
      stack: ['pay (/app/pay.js:10)', 'main (/app/main.js:3)'],
    });
  });

  it('given the same records through the SDK JSON serializer, when decoded, then the result equals the protobuf one', () => {
    const records = sdkLogRecords();
    const fromProto = decodeKafkaRecord({
      value: ProtobufLogsSerializer.serializeRequest(records)!,
      headers: {},
    });
    const fromJson = decodeKafkaRecord({
      value: JsonLogsSerializer.serializeRequest(records)!,
      headers: { 'content-type': 'application/json' },
    });

    expect(fromJson.format).toBe('otlp-json');
    expect(fromJson.records.map((r) => ({ ...r, format: 'x' }))).toEqual(
      fromProto.records.map((r) => ({ ...r, format: 'x' })),
    );
  });

  it('given Collector-style OTLP JSON (string nanos, hex ids, kvlist body), when decoded, then it maps like a JSON log', () => {
    const doc = {
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'billing' } }] },
          scopeLogs: [
            {
              scope: { name: 'filelog' },
              logRecords: [
                {
                  timeUnixNano: '1709287200000000000',
                  severityNumber: 13,
                  body: {
                    kvlistValue: {
                      values: [
                        { key: 'msg', value: { stringValue: 'slow query' } },
                        { key: 'rows', value: { intValue: '12' } },
                      ],
                    },
                  },
                  traceId: TRACE_ID,
                  spanId: '',
                },
              ],
            },
          ],
        },
      ],
    };
    const result = decodeKafkaRecord({
      value: Buffer.from(JSON.stringify(doc)),
      headers: { format: 'otlp_json' },
    });
    expect(result.records).toEqual([
      expect.objectContaining({
        timestamp: 1709287200000,
        level: 'warn',
        message: 'slow query',
        service: 'billing',
        traceId: TRACE_ID,
        spanId: null,
        attributes: { rows: 12 },
      }),
    ]);
  });

  it('given a declared protobuf record that is garbage, when decoded, then it is rejected with a reason', () => {
    const result = decodeKafkaRecord({
      value: new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x01]),
      headers: { 'content-type': 'application/x-protobuf' },
    });
    expect(result.records).toEqual([]);
    expect(result.rejections[0]?.reason).toBe('invalid-otlp-proto');
  });
});
