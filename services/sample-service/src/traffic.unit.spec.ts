import { describe, expect, it } from 'vitest';
import { checkoutFlow, defaultFaultPlan, generateTraffic } from './traffic.js';
import type { FaultKind } from './traffic.js';

interface Record {
  level: number;
  time: number;
  reqId?: string;
  traceId?: string;
  handler: string;
  msg: string;
  err?: { type: string; stack: string };
}

const START = Date.parse('2026-01-01T00:00:00Z');
const parse = (lines: string[]): Record[] => lines.map((l) => JSON.parse(l) as Record);

function flows(records: Record[]): Map<string, string[]> {
  const byTrace = new Map<string, string[]>();
  for (const r of records) {
    if (!r.traceId) continue;
    const steps = byTrace.get(r.traceId) ?? [];
    if (steps[steps.length - 1] !== r.handler) steps.push(r.handler);
    byTrace.set(r.traceId, steps);
  }
  return byTrace;
}

describe('sample service traffic', () => {
  it('is a pure function of its options (seeded, no wall clock)', () => {
    const options = { seed: 3, start: START, durationMs: 60_000, ratePerSecond: 5 };
    expect(generateTraffic(options)).toEqual(generateTraffic(options));
    expect(generateTraffic({ ...options, seed: 4 }).lines).not.toEqual(generateTraffic(options).lines);
  });

  it('given no fault, then lines are time-ordered and every request follows the declared flow', () => {
    const { lines, labels } = generateTraffic({
      seed: 1,
      start: START,
      durationMs: 5 * 60_000,
      ratePerSecond: 5,
    });
    const records = parse(lines);
    expect(labels).toEqual([]);
    expect(records.every((r, i) => i === 0 || records[i - 1]!.time <= r.time)).toBe(true);
    expect(records.some((r) => r.level === 40)).toBe(true);
    expect(records.filter((r) => r.msg.includes(' took ')).length).toBeGreaterThan(records.length / 2);
    const happy = checkoutFlow.filter((h) => h !== 'applyDiscount').join(',');
    const failed = [
      'receiveRequest',
      'authenticate',
      'validateCart',
      'reserveInventory',
      'chargePayment',
      'rollbackInventory',
      'respond',
    ].join(',');
    for (const steps of flows(records).values()) {
      const path = steps.filter((s) => s !== 'applyDiscount').join(',');
      expect([happy, failed]).toContain(path);
    }
  });

  it.each<[FaultKind, (steps: string[], records: Record[]) => boolean]>([
    ['skipped-step', (steps) => !steps.includes('createShipment') && steps.includes('sendConfirmation')],
    [
      'reordered-step',
      (steps) =>
        steps.indexOf('chargePayment') <
        Math.max(steps.indexOf('reserveInventory'), steps.indexOf('applyDiscount')),
    ],
    [
      'new-exception',
      (_s, records) =>
        records.some((r) => r.err?.type === 'TypeError' && r.err.stack.includes('formatAddress')),
    ],
    ['error-burst', (steps) => steps.includes('rollbackInventory')],
    [
      'latency-regression',
      (_s, records) => records.some((r) => r.handler === 'chargePayment' && /took \d{3,} ms/.test(r.msg)),
    ],
  ])(
    'given a %s fault, then its label lists exactly the changed traces inside its interval',
    (kind, changed) => {
      const faults = defaultFaultPlan([kind], START, 10 * 60_000);
      const { lines, labels } = generateTraffic({
        seed: 9,
        start: START,
        durationMs: 10 * 60_000,
        ratePerSecond: 5,
        faults,
      });
      const records = parse(lines);
      const label = labels[0]!;
      expect(label).toMatchObject({ kind, start: faults[0]!.start, end: faults[0]!.end });
      expect(label.traceIds.length).toBeGreaterThan(10);
      const byTrace = flows(records);
      for (const trace of label.traceIds) {
        const traceRecords = records.filter((r) => r.traceId === trace);
        expect(traceRecords[0]!.time).toBeGreaterThanOrEqual(label.start);
        expect(traceRecords[0]!.time).toBeLessThan(label.end);
        expect(changed(byTrace.get(trace)!, traceRecords)).toBe(true);
      }
    },
  );

  it('given a latency regression, then its label names the handlers whose logged durations it lengthens', () => {
    const faults = defaultFaultPlan(['latency-regression'], START, 10 * 60_000);
    const { lines, labels } = generateTraffic({
      seed: 9,
      start: START,
      durationMs: 10 * 60_000,
      ratePerSecond: 5,
      faults,
    });
    const label = labels[0]!;
    expect(label.handlers).toEqual(['chargePayment', 'respond']);
    const took = (r: Record) => Number(/took (\d+) ms/.exec(r.msg)?.[1] ?? NaN);
    const records = parse(lines).filter((r) => label.traceIds.includes(r.traceId ?? ''));
    // The slowed step and the completion line, which times the whole request, both take longer than the step did.
    for (const handler of label.handlers) {
      const durations = records.filter((r) => r.handler === handler && r.msg.includes(' took ')).map(took);
      expect(durations.length).toBe(label.traceIds.length);
      expect(Math.min(...durations)).toBeGreaterThan(180 * 5 * Math.exp(-0.35 * 4));
    }
  });

  it('places faults in the second half, one after another', () => {
    const plan = defaultFaultPlan(['skipped-step', 'error-burst'], 0, 1000);
    expect(plan).toEqual([
      { kind: 'skipped-step', start: 500, end: 625 },
      { kind: 'error-burst', start: 750, end: 875 },
    ]);
  });
});
