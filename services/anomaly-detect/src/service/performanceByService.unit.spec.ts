import { DDSketch } from '@datadog/sketches-js';
import { describe, expect, it } from 'vitest';
import type { WindowAggregate } from '@self-healing/schemas';
import { HOUR_SCALE_DETECTOR_OPTIONS, PerformanceMonitor } from '../performance/index.js';
import { observePerformance } from './performanceByService.js';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;

/** Minute windows of one template: steady traffic (60 ± 3 a minute), then four times that from `jumpAt` on. */
function traffic(service: string, minutes: number, jumpAt: number): WindowAggregate[] {
  return Array.from({ length: minutes }, (_, i) => {
    const count = (57 + ((i * 5) % 7)) * (i >= jumpAt ? 4 : 1);
    return {
      service,
      templateId: 't-orders',
      template: 'GET /orders took <*> ms',
      windowStart: T0 + i * MIN,
      windowMs: MIN,
      count,
      errorCount: 0,
      latency: null,
      latencySketch: null,
      firstSeen: T0 + i * MIN,
      lastSeen: T0 + i * MIN + 59_000,
      newTemplate: i === 0,
    };
  });
}

describe('performance detection with per-service detector presets', () => {
  const both = [...traffic('demo', 180, 150), ...traffic('steady', 180, 150)];

  it('is exactly one monitor when every service has the same options', () => {
    const alone = new PerformanceMonitor({ detector: HOUR_SCALE_DETECTOR_OPTIONS });
    const expected = alone.observe(both);
    const grouped = observePerformance(both, undefined, () => HOUR_SCALE_DETECTOR_OPTIONS);
    expect(grouped.findings).toEqual(expected);
    expect(grouped.state).toEqual(alone.state());
    expect(expected.length).toBeGreaterThan(0);
  });

  it("judges each service by its own preset's time scales, and keeps every series' state", () => {
    // Two and a half hours of history: enough for the hour scale, too little for the default (days).
    const split = observePerformance(both, undefined, (service) =>
      service === 'demo' ? HOUR_SCALE_DETECTOR_OPTIONS : {},
    );
    const services = new Set(split.findings.map((f) => f.service));
    expect([...services]).toEqual(['demo']);
    expect(new Set(Object.values(split.state.series).map((s) => s.service))).toEqual(
      new Set(['demo', 'steady']),
    );
    // Each service's state is the one its own preset's monitor would keep, and a later run resumes from it.
    const demoOnly = new PerformanceMonitor({ detector: HOUR_SCALE_DETECTOR_OPTIONS });
    demoOnly.observe(both.filter((a) => a.service === 'demo'));
    for (const [key, series] of Object.entries(demoOnly.state().series))
      expect(split.state.series[key]).toEqual(series);
    const later = traffic('steady', 181, 150).slice(180);
    const resumed = observePerformance(later, split.state, (service) =>
      service === 'demo' ? HOUR_SCALE_DETECTOR_OPTIONS : {},
    );
    expect(Object.keys(resumed.state.series).sort()).toEqual(Object.keys(split.state.series).sort());
  });

  it("keeps each service's latency step series through the grouping, and resumes them", () => {
    const timed = (service: string) =>
      traffic(service, 10, 99).map((a, i) => {
        const sketch = new DDSketch({ relativeAccuracy: 0.01 });
        for (let k = 0; k < 60; k++) sketch.accept(20 + ((i * 7 + k) % 9));
        return { ...a, latencySketch: sketch.toProto() };
      });
    const windows = [...timed('demo'), ...timed('steady')];
    const presetOf = (service: string) => (service === 'demo' ? HOUR_SCALE_DETECTOR_OPTIONS : {});
    const split = observePerformance(windows.slice(0, 15), undefined, presetOf);
    const resumed = observePerformance(windows.slice(15), split.state, presetOf);
    const whole = observePerformance(windows, undefined, presetOf);
    expect(new Set(Object.values(whole.state.steps!).map((s) => s.service))).toEqual(
      new Set(['demo', 'steady']),
    );
    expect(resumed.state.steps).toEqual(whole.state.steps);
  });
});
