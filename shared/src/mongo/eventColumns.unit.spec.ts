import { describe, expect, it } from 'vitest';
import type { TemplatedEvent } from '@self-healing/schemas';
import { packTemplatedEvents, unpackTemplatedEvents } from './eventColumns.js';

const event = (i: number, overrides: Partial<TemplatedEvent> = {}): TemplatedEvent => ({
  timestamp: 1_767_225_600_000 + i,
  service: i % 2 ? 'checkout' : 'payments',
  host: i % 3 ? `host-${i % 3}` : null,
  level: i % 5 ? 'info' : 'error',
  component: null,
  templateId: `t${i % 4}`,
  template: `charged <*> in <*> ms (${i % 4})`,
  params: [`order-${i}`, String(i)],
  traceId: i % 2 ? `trace-${i}` : null,
  spanId: null,
  sessionId: i % 2 ? null : `s-${i}`,
  numbers: i % 2 ? { durationMs: i } : {},
  stack: i % 5 ? [] : ['handler (app.js:10)', 'main (app.js:1)'],
  ...overrides,
});

describe('templated event columns', () => {
  it('give back exactly the events packed, in order', () => {
    const events = Array.from({ length: 50 }, (_, i) => event(i));
    expect(unpackTemplatedEvents(structuredClone(packTemplatedEvents(events)))).toEqual(events);
  });

  it('write each template text once', () => {
    const packed = packTemplatedEvents(Array.from({ length: 50 }, (_, i) => event(i)));
    expect(packed.templates).toHaveLength(4);
    expect(packed.templateId).toHaveLength(50);
  });

  it('pack nothing into columns that unpack to nothing', () => {
    expect(unpackTemplatedEvents(packTemplatedEvents([]))).toEqual([]);
  });

  it('refuse columns of an unknown version or with a template text missing', () => {
    const packed = packTemplatedEvents([event(1)]);
    expect(() => unpackTemplatedEvents({ ...packed, version: 2 as 1 })).toThrow(/version 2/);
    expect(() => unpackTemplatedEvents({ ...packed, templates: [] })).toThrow(/template t1/);
  });
});
