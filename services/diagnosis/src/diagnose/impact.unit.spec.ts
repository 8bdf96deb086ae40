import { describe, expect, it } from 'vitest';
import type { Finding, WindowAggregate } from '@self-healing/schemas';
import { assessImpact } from './impact.js';

const agg = (templateId: string, count: number, errorCount: number, p95: number | null): WindowAggregate => ({
  service: 'checkout',
  templateId,
  template: templateId,
  windowStart: 0,
  windowMs: 60_000,
  count,
  errorCount,
  latency: p95 === null ? null : { p50: p95 / 2, p95, p99: p95, max: p95, count },
  latencySketch: null,
  firstSeen: 0,
  lastSeen: 0,
  newTemplate: false,
});
const finding = { kind: 'error', subject: 'POST /checkout', templateIds: ['t-err'] } as Finding;

describe('assessImpact', () => {
  it('given a user-facing error burst, then it measures the traffic and the error rate and raises the priority', () => {
    const impact = assessImpact({
      severity: 'high',
      findings: [finding],
      services: ['checkout'],
      timeRange: { from: 0, until: 120_000 },
      during: [agg('t-err', 20, 20, null), agg('t-ok', 80, 0, 30)],
      before: [agg('t-ok', 100, 1, 30)],
      userFacing: true,
    });
    expect(impact.affectedRequestsPerMin).toBe(10);
    expect(impact.errorRateDelta).toBeCloseTo(0.2 - 0.01);
    expect(impact.priority).toBe(1);
    expect(impact.blastRadius).toBe('single_operation');
    expect(impact.rationale).toMatch(/error rate \+19\.0 points.*one step up/);
  });

  it('given a slow step no request reaches any more, then it lowers the priority', () => {
    const slow = { kind: 'performance', subject: 't-slow:durationMs', templateIds: ['t-slow'] } as Finding;
    const impact = assessImpact({
      severity: 'medium',
      findings: [slow, { ...slow, subject: 'other' }],
      services: ['checkout', 'payments'],
      timeRange: { from: 0, until: 60_000 },
      during: [agg('t-slow', 0, 0, 900)],
      before: [agg('t-slow', 10, 0, 100)],
      userFacing: false,
    });
    expect(impact).toMatchObject({ priority: 4, blastRadius: 'multiple_services', latencyP95DeltaMs: 800 });
  });
});
