import type { Finding, WindowAggregate } from '@self-healing/schemas';
import {
  PerformanceMonitor,
  type PerformanceMonitorState,
  type PerformanceMonitorStateV1,
  type PerformanceMonitorStateV2,
  type SeriesDetectorOptions,
} from '../performance/index.js';

type AnyState = PerformanceMonitorState | PerformanceMonitorStateV2 | PerformanceMonitorStateV1;

/**
 * The performance monitor where services may have different detector time scales (a catalogue service's
 * `detection.preset`): services are grouped by their options, each group is observed by its own monitor over
 * its own series, and the states are merged back into one. With one set of options for all (no catalogue) it is
 * exactly one monitor, as before. Series are independent of each other, so the grouping changes no finding.
 */
export function observePerformance(
  aggregates: readonly WindowAggregate[],
  state: AnyState | undefined,
  detectorOf: (service: string) => Partial<SeriesDetectorOptions>,
): { findings: Finding[]; state: PerformanceMonitorState } {
  const groups = new Map<
    string,
    {
      detector: Partial<SeriesDetectorOptions>;
      aggregates: WindowAggregate[];
      series: Set<string>;
      steps: Set<string>;
    }
  >();
  const groupOf = (service: string) => {
    const detector = detectorOf(service);
    const key = JSON.stringify(detector);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { detector, aggregates: [], series: new Set(), steps: new Set() }));
    return group;
  };
  for (const [key, series] of Object.entries(state?.series ?? {})) groupOf(series.service).series.add(key);
  const steps = state?.version === 3 ? state.steps : undefined;
  for (const [key, step] of Object.entries(steps ?? {})) groupOf(step.service).steps.add(key);
  for (const a of aggregates) groupOf(a.service).aggregates.push(a);

  const findings: Finding[] = [];
  const merged: PerformanceMonitorState = { version: 3, series: {}, steps: {} };
  for (const group of groups.values()) {
    const own =
      state &&
      ({
        ...state,
        series: Object.fromEntries(Object.entries(state.series).filter(([key]) => group.series.has(key))),
        ...(steps
          ? { steps: Object.fromEntries(Object.entries(steps).filter(([key]) => group.steps.has(key))) }
          : {}),
      } as AnyState);
    const monitor = new PerformanceMonitor({ detector: group.detector }, own);
    findings.push(...monitor.observe(group.aggregates));
    const after = monitor.state();
    Object.assign(merged.series, after.series);
    Object.assign(merged.steps!, after.steps ?? {});
  }
  return { findings, state: merged };
}
