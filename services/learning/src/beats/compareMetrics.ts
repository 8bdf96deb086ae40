import type { Finding } from '@self-healing/schemas';
import type { LearningBeat } from '../service/deps.js';
import type { EffectivenessDocument, TimeRange } from '../service/case.js';
import { compareSeries, type SeriesMetric, type SeriesWindow } from '../compare/series.js';
import { seriesAggregates, type AggregateView } from './collectPostDeploymentMetrics.js';

/**
 * Beat 4. Each finding's series before the incident, during it and after the fix, compared with the detectors'
 * statistics (compare/series.ts): error findings by their error events per minute, latency findings by their
 * windows' p95, step findings (a step missing or new) by their event rate. A finding without a template (a coverage
 * gap named by file and line) has no series here and is not compared. New findings on the same services during the
 * observation are counted. Recorded once, so a re-run compares the same data.
 */
export const compareMetrics: LearningBeat<'compareMetrics'> = async ({ runId }, deps) => {
  let c = await deps.caseOf(runId);
  const l = c.loaded!;
  if (!c.comparisons) {
    const rows = l.deploymentOutcome === 'deployed' ? await seriesAggregates(deps, c) : [];
    const comparisons: EffectivenessDocument['comparisons'] = [];
    for (const f of l.findings.slice(0, 200)) {
      if (f.templateIds.length === 0 || l.deploymentOutcome !== 'deployed') continue;
      const mine = rows.filter((r) => r.service === f.service && f.templateIds.includes(r.templateId));
      const windows = {
        baseline: windowOf(mine, l.baseline),
        during: windowOf(mine, l.during),
        after: windowOf(mine, l.after),
      };
      comparisons.push({
        ...compareSeries(metricOf(f), windows, deps.settings.alpha),
        findingId: f.id,
        service: f.service,
        subject: f.subject,
      });
    }
    const newFindings =
      l.deploymentOutcome === 'deployed'
        ? await deps.db.collection('anomaly_findings').countDocuments({
            service: { $in: l.services },
            since: { $gte: l.after.from, $lt: l.after.until },
            _id: { $nin: l.findings.map((f) => f.id) as never[] },
          })
        : 0;
    await deps.record(runId, 'newFindings', newFindings);
    c = await deps.record(runId, 'comparisons', comparisons);
  }
  const cs = c.comparisons!;
  return {
    event: {
      type: 'MetricsCompared',
      payload: {
        comparisons: cs.map((x) => ({
          service: x.service,
          subject: x.subject,
          metric: x.metric,
          unit: x.unit,
          baseline: x.baseline,
          observed: x.observed,
          change: x.change,
          verdict: x.verdict,
        })),
        improved: cs.filter((x) => x.verdict === 'improved').length,
        unchanged: cs.filter((x) => x.verdict === 'unchanged').length,
        regressed: cs.filter((x) => x.verdict === 'regressed').length,
      },
    },
  };
};

export function metricOf(f: Pick<Finding, 'kind' | 'rule'>): SeriesMetric {
  if (f.kind === 'error') return 'errors';
  if (f.kind === 'performance' && /latency|slow|p9\d/i.test(f.rule)) return 'latency.p95';
  return 'rate';
}

/** One series in one window: the windows' counts summed over its templates, the busiest template's p95. */
export function windowOf(rows: readonly AggregateView[], range: TimeRange): SeriesWindow {
  const byStart = new Map<number, { count: number; errorCount: number; p95: number | null; top: number }>();
  for (const r of rows) {
    if (r.windowStart < range.from || r.windowStart >= range.until) continue;
    const w = byStart.get(r.windowStart) ?? { count: 0, errorCount: 0, p95: null, top: -1 };
    w.count += r.count;
    w.errorCount += r.errorCount;
    if (r.latency && r.count > w.top) [w.p95, w.top] = [r.latency.p95, r.count];
    byStart.set(r.windowStart, w);
  }
  return {
    points: [...byStart.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([windowStart, w]) => ({ windowStart, count: w.count, errorCount: w.errorCount, p95: w.p95 })),
    spanMs: Math.max(0, range.until - range.from),
  };
}
