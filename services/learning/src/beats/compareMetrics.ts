import type { Finding, TemplatedEvent } from '@self-healing/schemas';
import type { LearningBeat, LearningDeps } from '../service/deps.js';
import type { EffectivenessDocument, LoadedDeployment, TimeRange } from '../service/case.js';
import { compareSeries, type SeriesMetric, type SeriesWindow } from '../compare/series.js';
import { SESSION_RULES, countsAgainstFix, type LaterFinding } from '../compare/assess.js';
import { seriesAggregates, type AggregateView } from './collectPostDeploymentMetrics.js';

/**
 * Beat 4. Each finding's series before the incident (the same hours of earlier days where the service had telemetry
 * then, see `baselineOf`), during it and after the fix, compared with the detectors'
 * statistics (compare/series.ts): error findings by their error events per minute, latency findings by their
 * windows' p95, step findings (a step missing or new) by their event rate, a session's broken flow (a step out of
 * order, missing, unexpected, repeated) by how many sessions the detector found broken the same way (see
 * `violationsOf`), a parameter's new values by the lines that still carry them (see `valueRows`), a line that stopped
 * accompanying another by the sessions that log the one without the other (see `companionRows`). A finding without a template (a coverage
 * gap named by file and line) has no series here and is not compared. New findings on the same services during the
 * observation are counted. Recorded once, so a re-run compares the same data.
 */
export const compareMetrics: LearningBeat<'compareMetrics'> = async ({ runId }, deps) => {
  let c = await deps.caseOf(runId);
  const l = c.loaded!;
  if (!c.comparisons) {
    const rows = l.deploymentOutcome === 'deployed' ? await seriesAggregates(deps, c) : [];
    const baselineRanges = l.deploymentOutcome === 'deployed' ? await baselineOf(deps, l) : [l.baseline];
    const violations =
      l.deploymentOutcome === 'deployed' && l.findings.some((f) => metricOf(f) === 'violations')
        ? await violationsOf(deps, l, [...baselineRanges, l.during, l.after])
        : [];
    const comparisons: EffectivenessDocument['comparisons'] = [];
    for (const f of l.findings.slice(0, 200)) {
      if (f.templateIds.length === 0 || l.deploymentOutcome !== 'deployed') continue;
      const metric = metricOf(f);
      const mine =
        metric === 'violations'
          ? violationRows(violations, f)
          : metric === 'values'
            ? await valueRowsOf(deps, l, f)
            : metric === 'companions'
              ? await companionRowsOf(deps, l, f, baselineRanges)
              : rows.filter((r) => r.service === f.service && f.templateIds.includes(r.templateId));
      const windows = {
        baseline: windowOver(mine, baselineRanges),
        during: windowOf(mine, l.during),
        after: windowOf(mine, l.after),
      };
      const compared = compareSeries(metric, windows, deps.settings.alpha);
      comparisons.push({
        ...compared,
        reason:
          baselineRanges[0] === l.baseline
            ? compared.reason
            : `${compared.reason}; baseline: the same hours of ${baselineRanges.length} earlier day(s)`,
        findingId: f.id,
        service: f.service,
        subject: f.subject,
      });
    }
    const later =
      l.deploymentOutcome === 'deployed'
        ? await deps.db
            .collection<LaterFinding>('anomaly_findings')
            .find(
              {
                service: { $in: l.services },
                since: { $gte: l.after.from, $lt: l.after.until },
                _id: { $nin: l.findings.map((f) => f.id) as never[] },
              },
              { projection: { kind: 1, rule: 1, evidence: 1 } },
            )
            .limit(10_000)
            .toArray()
        : [];
    const newFindings = later.filter(countsAgainstFix).length;
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
  if (f.kind === 'behavioral' && SESSION_RULES.has(f.rule)) return 'violations';
  if (f.kind === 'behavioral' && (f.rule === 'unseen-values' || f.rule === 'changed-outcome'))
    return 'values';
  if (f.kind === 'behavioral' && f.rule === 'missing-companion') return 'companions';
  if (f.kind === 'performance' && /latency|slow|p9\d/i.test(f.rule)) return 'latency.p95';
  return 'rate';
}

/** One series in one window: the windows' counts summed over its templates, the busiest template's p95. */
/**
 * What the observation is compared with: the same hours on the days before the onset when the service had telemetry
 * then (a daily rhythm compared with itself: the service's traffic at 3 am is not its traffic at 3 pm), else the hours
 * just before the onset (`BASELINE_MS`).
 */
export async function baselineOf(deps: LearningDeps, l: LoadedDeployment): Promise<TimeRange[]> {
  const days: TimeRange[] = [];
  for (const range of l.sameHoursBefore ?? []) {
    const readers = await deps.telemetry.runsCovering(l.services, range.from, range.until);
    if (readers.length > 0) days.push(range);
  }
  return days.length > 0 ? days : [l.baseline];
}

/** One window over several ranges (the same hours of several days): their points together, their spans summed. */
export function windowOver(rows: readonly AggregateView[], ranges: readonly TimeRange[]): SeriesWindow {
  const parts = ranges.map((r) => windowOf(rows, r));
  return {
    points: parts.flatMap((p) => p.points).sort((a, b) => a.windowStart - b.windowStart),
    spanMs: parts.reduce((a, p) => a + p.spanMs, 0),
  };
}

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

/** What `violationsOf` reads of a behavioural finding. */
export interface ViolationView {
  service: string;
  rule: string;
  subject: string;
  since: number;
  evidence?: { flowWindowSessions?: unknown };
}

/**
 * The behavioural detector's findings on the incident's services within the ranges: each a session whose flow broke
 * (a flow window's finding stands for its sessions). A fixed order shows as these stopping, while the steps' own
 * event rates stay what they were.
 */
async function violationsOf(
  deps: LearningDeps,
  l: LoadedDeployment,
  ranges: readonly TimeRange[],
): Promise<ViolationView[]> {
  return deps.db
    .collection<ViolationView>('anomaly_findings')
    .find(
      {
        service: { $in: l.services },
        kind: 'behavioral',
        since: { $gte: Math.min(...ranges.map((r) => r.from)), $lt: Math.max(...ranges.map((r) => r.until)) },
      },
      { projection: { service: 1, rule: 1, subject: 1, since: 1, 'evidence.flowWindowSessions': 1 } },
    )
    .limit(50_000)
    .toArray();
}

/**
 * The sessions broken the way `f` says (same service, rule and step), as aggregate rows of one-minute windows whose
 * error count is the sessions: the shape `windowOf` reads.
 */
export function violationRows(
  violations: readonly ViolationView[],
  f: Pick<Finding, 'service' | 'rule' | 'subject'>,
): AggregateView[] {
  const byMinute = new Map<number, number>();
  for (const v of violations) {
    if (v.service !== f.service || v.rule !== f.rule || v.subject !== f.subject) continue;
    const sessions = typeof v.evidence?.flowWindowSessions === 'number' ? v.evidence.flowWindowSessions : 1;
    const minute = Math.floor(v.since / 60_000) * 60_000;
    byMinute.set(minute, (byMinute.get(minute) ?? 0) + sessions);
  }
  return [...byMinute].map(([windowStart, n]) => ({
    service: f.service,
    templateId: f.subject,
    windowStart,
    windowMs: 60_000,
    count: n,
    errorCount: n,
    latency: null,
    runId: 'anomaly_findings',
  }));
}

/**
 * The parameter (from 1) and the values an `unseen-values` finding lists as new (a `changed-outcome` finding: the
 * outcomes its inputs gave instead of their usual ones); null when it lists none.
 */
export function newValuesOf(f: Pick<Finding, 'evidence'>): { parameter: number; values: Set<string> } | null {
  const list = f.evidence['newValueList'];
  const parameter = f.evidence['parameter'];
  if (typeof list !== 'string' || typeof parameter !== 'number' || !(parameter >= 1)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(list);
  } catch {
    return null;
  }
  if (!Array.isArray(parsed)) return null;
  const values = new Set(parsed.filter((v): v is string => typeof v === 'string'));
  return values.size > 0 ? { parameter, values } : null;
}

/**
 * Per second, the finding's template lines (`count`) and those whose parameter holds one of the values the finding
 * named as new (`errorCount`, what the comparison counts). Before the incident there were none, by the finding's
 * own definition; after a fix that restored what the service computes, there should be none again. Seconds, not
 * minutes: the comparison's windows begin at the onset and the deployment, which are not on a minute.
 */
export function valueRows(
  events: Iterable<TemplatedEvent>,
  f: Pick<Finding, 'service' | 'templateIds'>,
  named: { parameter: number; values: ReadonlySet<string> },
  into: Map<number, { count: number; carrying: number }> = new Map(),
): Map<number, { count: number; carrying: number }> {
  for (const e of events) {
    if (e.service !== f.service || !f.templateIds.includes(e.templateId)) continue;
    const second = Math.floor(e.timestamp / VALUE_ROW_MS) * VALUE_ROW_MS;
    const row = into.get(second) ?? { count: 0, carrying: 0 };
    row.count++;
    if (named.values.has(e.params[named.parameter - 1] ?? '')) row.carrying++;
    into.set(second, row);
  }
  return into;
}

/** `valueRows` over the detection events of the incident and the observation, one parse run at a time. */
async function valueRowsOf(deps: LearningDeps, l: LoadedDeployment, f: Finding): Promise<AggregateView[]> {
  const named = newValuesOf(f);
  if (!named) return [];
  const range = { from: l.during.from, until: l.after.until };
  const bySecond = new Map<number, { count: number; carrying: number }>();
  for (const id of await deps.telemetry.runsCovering([f.service], range.from, range.until)) {
    const events = await deps.telemetry.detectionEventsOf({
      parseRunIds: [id],
      services: [f.service],
      timeRange: range,
    });
    valueRows(events, f, named, bySecond);
  }
  return [...bySecond].map(([windowStart, r]) => ({
    service: f.service,
    templateId: f.templateIds[0]!,
    windowStart,
    windowMs: VALUE_ROW_MS,
    count: r.count,
    errorCount: r.carrying,
    latency: null,
    runId: 'detection_events',
  }));
}

const VALUE_ROW_MS = 1_000;

/**
 * Per second (of a session's last event), the sessions that logged the finding's context template A
 * (`evidence.companionOf`; `count`) and those of them without its missing template B (`subject`; `errorCount`, what the
 * comparison counts). Events group into sessions as the behavioural detector groups them (session id, else trace
 * id). A session cut by a range's edge may lack B for that reason alone; sessions last seconds, ranges minutes.
 */
export function companionRows(
  events: Iterable<TemplatedEvent>,
  f: Pick<Finding, 'service' | 'subject' | 'evidence'>,
): Map<number, { count: number; missing: number }> {
  const context = f.evidence['companionOf'];
  const rows = new Map<number, { count: number; missing: number }>();
  if (typeof context !== 'string') return rows;
  const sessions = new Map<string, { a: boolean; b: boolean; last: number }>();
  for (const e of events) {
    const key = e.sessionId ?? e.traceId;
    if (e.service !== f.service || key === null) continue;
    let s = sessions.get(key);
    if (!s) sessions.set(key, (s = { a: false, b: false, last: e.timestamp }));
    s.last = Math.max(s.last, e.timestamp);
    if (e.templateId === context) s.a = true;
    if (e.templateId === f.subject) s.b = true;
  }
  for (const s of sessions.values()) {
    if (!s.a) continue;
    const second = Math.floor(s.last / VALUE_ROW_MS) * VALUE_ROW_MS;
    const row = rows.get(second) ?? { count: 0, missing: 0 };
    row.count++;
    if (!s.b) row.missing++;
    rows.set(second, row);
  }
  return rows;
}

/** `companionRows` over the baseline's, the incident's and the observation's detection events, range by range. */
async function companionRowsOf(
  deps: LearningDeps,
  l: LoadedDeployment,
  f: Finding,
  baseline: readonly TimeRange[],
): Promise<AggregateView[]> {
  const out: AggregateView[] = [];
  for (const range of [...baseline, l.during, l.after]) {
    const events: TemplatedEvent[] = [];
    for (const id of await deps.telemetry.runsCovering([f.service], range.from, range.until)) {
      events.push(
        ...(await deps.telemetry.detectionEventsOf({
          parseRunIds: [id],
          services: [f.service],
          timeRange: range,
        })),
      );
    }
    for (const [windowStart, r] of companionRows(events, f))
      out.push({
        service: f.service,
        templateId: f.subject,
        windowStart,
        windowMs: VALUE_ROW_MS,
        count: r.count,
        errorCount: r.missing,
        latency: null,
        runId: 'detection_events',
      });
  }
  return out;
}
