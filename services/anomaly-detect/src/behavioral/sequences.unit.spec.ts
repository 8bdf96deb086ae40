import { describe, expect, it } from 'vitest';
import { beatsOf, sequences } from '@self-healing/schemas';
import type { Finding, TemplatedEvent } from '@self-healing/schemas';
import { BehavioralDetector } from './detector.js';
import { DeclaredModel, sequencesFromBeats } from './declared-model.js';

const handlerEvent = (run: string, handler: string, timestamp: number): TemplatedEvent => ({
  timestamp,
  service: 'anomaly-detect',
  host: null,
  level: 'info',
  component: handler,
  templateId: `t-${handler}`,
  template: `${handler} done`,
  params: [],
  traceId: null,
  spanId: null,
  sessionId: run,
  numbers: {},
  stack: [],
});

describe('our own seven sequences as a declaration', () => {
  const declared = sequencesFromBeats(sequences);

  it('declares 67 steps across seven sequences, in beat order', () => {
    expect(declared).toHaveLength(7);
    expect(declared.reduce((n, s) => n + s.steps.length, 0)).toBe(67);
    const anomaly = declared.find((s) => s.id === 'anomaly.detect' || s.id.includes('anomaly'))!;
    expect(anomaly.steps).toEqual(beatsOf(anomaly.id as Parameters<typeof beatsOf>[0]).map((b) => b.handler));
  });

  it('judges a run of a stage against its sequence: complete run conforms, a skipped beat is missing', () => {
    const detector = new BehavioralDetector(new DeclaredModel(declared), { warmupEvents: 1_000 });
    const anomaly = declared.find((s) => s.id.includes('anomaly'))!;
    const steps = anomaly.steps as string[];
    const findings: Finding[] = [];
    steps.forEach((h, i) => findings.push(...detector.push(handlerEvent('run-1', h, i * 5))));
    steps
      .filter((_, i) => i !== 4)
      .forEach((h, i) => findings.push(...detector.push(handlerEvent('run-2', h, 10_000 + i * 5))));
    findings.push(...detector.advance(100_000));
    expect(findings.map((f) => [f.rule, f.subject, f.evidence['sessionKey']])).toEqual([
      ['missing-step', steps[4], 'run-2'],
    ]);
  });
});
