import avro from 'avsc';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  beatsOf,
  eventSchemas,
  eventTypeNames,
  eventTypes,
  eventTypesOnTopic,
  isEventOf,
  payloadLimits,
  sequenceIds,
  topicNames,
  topics,
} from './index.js';
import type {
  AnyEvent,
  EventMeta,
  EventOf,
  EventType,
  Finding,
  PayloadOf,
  Severity,
  StageEvent,
  WindowAggregate,
} from './index.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Every named type, field name and enum symbol in an Avro JSON schema. */
function namesIn(schema: unknown): {
  names: string[];
  fields: string[];
  symbols: string[];
  namespaces: string[];
} {
  const out = {
    names: [] as string[],
    fields: [] as string[],
    symbols: [] as string[],
    namespaces: [] as string[],
  };
  const walk = (s: unknown): void => {
    if (Array.isArray(s)) return s.forEach(walk);
    if (typeof s !== 'object' || s === null) return;
    const o = s as Record<string, unknown>;
    if (o.type === 'record' || o.type === 'enum') {
      out.names.push(String(o.name));
      out.namespaces.push(String(o.namespace));
    }
    if (o.type === 'record')
      (o.fields as { name: string; type: unknown }[]).forEach((f) => (out.fields.push(f.name), walk(f.type)));
    if (o.type === 'enum') out.symbols.push(...(o.symbols as string[]));
    if (o.type === 'array') walk(o.items);
    if (o.type === 'map') walk(o.values);
  };
  walk(schema);
  return out;
}

const meta = <T extends EventType>(type: T, incidentId: string, seq: number): EventMeta & { type: T } => ({
  eventId: `evt-${incidentId}-${seq}`,
  type,
  incidentId,
  seq,
  causationId: seq > 1 ? `evt-${incidentId}-${seq - 1}` : null,
  correlationId: 'corr-1',
  startedAt: 1_732_400_000_000,
  occurredAt: 1_732_400_000_250,
  producer: 'telemetry-parse@0.1.0/test',
  sequenceId: 'telemetry.parse',
  beat: 7,
  handler: 'parseTelemetryCompleted',
  attempt: 1,
  machineVersion: 'telemetry.parse@1',
});

const aggregate = (i: number, templateChars = 60, sketchBytes = 64): WindowAggregate => ({
  service: 'checkout',
  templateId: `t${i}`,
  template: `GET /cart/<*> took <*> ms ${'x'.repeat(templateChars)}`.slice(0, templateChars),
  windowStart: 1_732_399_940_000,
  windowMs: 60_000,
  count: 120 + i,
  errorCount: 3,
  latency: i % 2 === 0 ? { p50: 12.5, p95: 80, p99: 240.25, max: 532, count: 118 } : null,
  latencySketch: i % 2 === 0 ? Buffer.alloc(sketchBytes, i % 251) : null,
  firstSeen: 1_732_399_941_000,
  lastSeen: 1_732_399_999_000,
  newTemplate: i === 0,
});

const finding = (i: number, explanationChars = 120): Finding => ({
  id: `f-${i}`,
  kind: 'performance',
  rule: 'latency-shift',
  service: 'checkout',
  subject: `t${i}`,
  templateIds: [`t${i}`],
  since: 1_732_399_000_000,
  at: 1_732_399_999_000,
  magnitude: 6.4,
  explanation: 'p95 of GET /cart/<*> rose from 80 ms to 410 ms (robust z 6.4) since 21:10. '.padEnd(
    explanationChars,
    '.',
  ),
  evidence: { baselineP95: 80, observedP95: 410, z: 6.4, window: '1m', coldStart: false, note: null },
});

const completed = (aggregates: WindowAggregate[]): EventOf<'TelemetryParseCompleted'> => ({
  meta: meta('TelemetryParseCompleted', 'parse-run-1', 7),
  payload: {
    runId: 'parse-run-1',
    services: ['checkout'],
    timeRange: { from: 1_732_399_940_000, until: 1_732_400_000_000 },
    windowMs: 60_000,
    events: 5_000,
    templates: aggregates.length,
    newTemplates: 1,
    aggregates,
    aggregateCount: aggregates.length,
    aggregatesComplete: true,
    run: { collection: 'telemetry_runs', id: 'parse-run-1' },
  },
});

const opened = (findings: Finding[]): EventOf<'IncidentOpened'> => ({
  meta: {
    ...meta('IncidentOpened', 'inc-1', 1),
    sequenceId: 'anomaly.detect',
    beat: 9,
    handler: 'detectAnomaliesCompleted',
  },
  payload: {
    incidentId: 'inc-1',
    fingerprint: 'checkout|performance|t0',
    title: 'checkout: GET /cart/<*> p95 5x baseline',
    severity: 'high',
    kinds: ['performance'],
    services: ['checkout'],
    timeRange: { from: 1_732_399_000_000, until: 1_732_399_999_000 },
    findings,
    detectionRunId: 'detect-run-1',
    parseRunIds: ['parse-run-1'],
  },
});

describe('event registry', () => {
  it("given every beat of every sequence, its event has a schema on its stage's topic", () => {
    for (const id of sequenceIds) {
      for (const beat of beatsOf(id)) {
        const info = eventTypes[beat.event as EventType];
        expect(info, beat.event).toBeDefined();
        expect(info.stage).toBe(id);
        expect(info.topic).toBe(`selfhealing.${id}.events`);
      }
    }
  });

  it('given each stage, its topic carries exactly its beat events plus <Stage>Rejected, <Stage>Failed and, when a beat waits, <Stage>Waiting', () => {
    for (const id of sequenceIds) {
      const beatEvents = beatsOf(id).map((b) => b.event);
      const stageName = beatEvents[0]!.replace(/Requested$/, '');
      const waits = beatsOf(id).some((b) => b.waits);
      const onTopic = eventTypesOnTopic(`selfhealing.${id}.events`).map((e) => e.type);
      expect([...onTopic].sort(), id).toEqual(
        [
          ...beatEvents,
          `${stageName}Rejected`,
          `${stageName}Failed`,
          ...(waits ? [`${stageName}Waiting`] : []),
        ].sort(),
      );
    }
  });

  it('given the commands and incident topics, they carry the commands and the incident lifecycle', () => {
    expect(eventTypesOnTopic(topicNames.incidents).map((e) => e.type)).toEqual([
      'IncidentOpened',
      'IncidentUpdated',
      'IncidentResolved',
      'IncidentReopened',
    ]);
    const commands = eventTypesOnTopic(topicNames.commands).map((e) => e.type);
    expect(commands).toContain('ParseTelemetryCommand');
    expect(commands).toContain('DetectAnomaliesCommand');
    expect(commands).toContain('ApproveDeploymentCommand');
    expect(commands.every((c) => c.endsWith('Command'))).toBe(true);
  });

  it('given all event types, names are PascalCase and unique, and full names follow selfhealing.<stage>.<Type>', () => {
    // 67 beats, Rejected and Failed per stage, three Waiting events (anomaly.detect, deployment, learning), commands, incidents.
    expect(eventTypeNames.length).toBe(67 + 2 * 7 + 3 + 13 + 4);
    expect(new Set(eventTypeNames.map((t) => t.toLowerCase())).size).toBe(eventTypeNames.length);
    for (const t of eventTypeNames) {
      const info = eventTypes[t];
      expect(t).toMatch(/^[A-Z][A-Za-z0-9]*$/);
      expect(info.type).toBe(t);
      const stagePart =
        info.stage === 'commands'
          ? 'command'
          : info.stage === 'incidents'
            ? 'incident'
            : info.stage.split('.')[0];
      expect(info.fullName).toBe(`selfhealing.${stagePart}.${t}`);
      expect(info.subject).toBe(`${info.topic}-${info.fullName}`);
      expect(info.payloadSchema.name).toBe(`${t}Payload`);
      expect(info.payloadSchema.namespace).toBe(`selfhealing.${stagePart}`);
    }
  });

  it("given the catalogue, every topic's subjects exist, Avro topics have subjects and raw topics none", () => {
    const registered = new Set(eventSchemas().map((s) => s.subject));
    expect(registered.size).toBe(eventSchemas().length);
    for (const t of Object.values(topics)) {
      for (const subject of t.valueSubjects) expect(registered.has(subject), subject).toBe(true);
      if (t.valueFormat === 'raw') expect(t.valueSubjects, t.name).toEqual([]);
      else expect(t.valueSubjects.length, t.name).toBeGreaterThan(0);
    }
    for (const s of eventSchemas()) expect(topics[s.topic].valueSubjects).toContain(s.subject);
    expect(topics[topicNames.telemetryRaw]).toMatchObject({ valueFormat: 'raw', visibility: 'public' });
    expect(topics[topicNames.incidentState].config['cleanup.policy']).toBe('compact');
  });

  it('given every registered schema, Avro names are canonical: named records, no dots in names, valid symbols', () => {
    for (const { subject, schema } of eventSchemas()) {
      const { names, fields, symbols, namespaces } = namesIn(schema);
      for (const n of [...names, ...fields, ...symbols]) expect(n, subject).toMatch(NAME);
      for (const ns of namespaces)
        expect(
          ns.split('.').every((p) => NAME.test(p)),
          subject,
        ).toBe(true);
    }
  });

  it('given every registered schema, avsc parses it with unwrapped unions and round-trips a value', () => {
    for (const { subject, schema } of eventSchemas()) {
      // wrapUnions: false throws on a union avsc could not read as plain values (e.g. long and double together).
      const type = avro.Type.forSchema(schema as avro.Schema, { wrapUnions: false });
      const value = type.random();
      expect(type.isValid(value), subject).toBe(true);
      expect(type.fromBuffer(type.toBuffer(value)), subject).toEqual(value);
    }
  });

  it('given typed sample events, they encode and decode unchanged with the registered schema', () => {
    const samples: AnyEvent[] = [completed([aggregate(0), aggregate(1)]), opened([finding(0), finding(1)])];
    for (const event of samples) {
      const type = avro.Type.forSchema(eventTypes[event.meta.type].schema as avro.Schema);
      expect(type.fromBuffer(type.toBuffer(event))).toEqual(event);
    }
  });

  it('given worst cases at the payload limits, events stay under the size budget', () => {
    const bigCompleted = completed(
      Array.from({ length: payloadLimits.inlineAggregates }, (_, i) => aggregate(i * 2, 300, 1024)),
    );
    const bigOpened = opened(
      Array.from({ length: payloadLimits.findingsPerEvent }, (_, i) => finding(i, 400)),
    );
    for (const event of [bigCompleted, bigOpened] as AnyEvent[]) {
      const type = avro.Type.forSchema(eventTypes[event.meta.type].schema as avro.Schema);
      expect(type.toBuffer(event).length + 5, event.meta.type).toBeLessThan(payloadLimits.eventBytes);
    }
  });

  it('given a decoded event of unknown type, isEventOf narrows it by meta.type', () => {
    const decoded: AnyEvent = opened([finding(0)]);
    expect(isEventOf('IncidentOpened', decoded)).toBe(true);
    expect(isEventOf('IncidentUpdated', decoded)).toBe(false);
    if (isEventOf('IncidentOpened', decoded))
      expectTypeOf(decoded.payload.severity).toEqualTypeOf<Severity>();
  });

  it('at compile time, payloads carry the domain.ts shapes and stage unions hold their events', () => {
    expectTypeOf<
      PayloadOf<'TelemetryParseCompleted'>['aggregates'][number]
    >().toEqualTypeOf<WindowAggregate>();
    expectTypeOf<PayloadOf<'PerformanceAnomaliesDetected'>['findings'][number]>().toEqualTypeOf<Finding>();
    expectTypeOf<PayloadOf<'IncidentOpened'>['findings'][number]>().toEqualTypeOf<Finding>();
    expectTypeOf<PayloadOf<'TelemetryParseRequested'>['timeRange']>().toEqualTypeOf<{
      from: number;
      until: number;
    } | null>();
    expectTypeOf<PayloadOf<'TelemetryParseFailed'>['error']['category']>().toEqualTypeOf<
      'transient' | 'permanent' | 'invalid_input' | 'timeout' | 'dependency_unavailable' | 'conflict'
    >();
    expectTypeOf<StageEvent<'telemetry.parse'>['meta']['type']>().toEqualTypeOf<
      | 'TelemetryParseRequested'
      | 'LogFilesLoaded'
      | 'TelemetryEventsExtracted'
      | 'TelemetryDataNormalized'
      | 'TelemetryMetricsAggregated'
      | 'TelemetryStored'
      | 'TelemetryParseCompleted'
      | 'TelemetryParseRejected'
      | 'TelemetryParseFailed'
    >();
  });
});
