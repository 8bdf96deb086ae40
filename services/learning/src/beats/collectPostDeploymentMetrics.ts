import { TelemetryProgress } from '@self-healing/shared';
import type { LearningBeat, LearningDeps } from '../service/deps.js';
import type { LearningCase } from '../service/case.js';

/** What learning reads of telemetry-parse's window aggregates. */
export interface AggregateView {
  service: string;
  templateId: string;
  windowStart: number;
  windowMs: number;
  count: number;
  errorCount: number;
  latency: { p95: number } | null;
  runId: string;
}

/** How many telemetry lags past the window's end the run waits for telemetry that parsing has not reached yet. */
const LATE_TELEMETRY_FACTOR = 5;

/** The end of the latest window telemetry-parse has aggregated for these services (0: none): its progress document. */
function parsedUntil(deps: LearningDeps, services: readonly string[]): Promise<number> {
  return new TelemetryProgress(deps.db).parsedUntil(services);
}

/**
 * Beat 3. Waits (a durable timer: a consumer restarted meanwhile wakes up on time) until the observation window is
 * over and its telemetry has had time to arrive, then reads the window aggregates of every series the incident's
 * findings named, from the baseline's start to the observation's end; while parsing has not reached the window's end
 * it looks again, for a while. `complete` says whether telemetry covers the observation to its end. A rolled-back deployment has nothing to observe and does not wait.
 */
export const collectPostDeploymentMetrics: LearningBeat<'collectPostDeploymentMetrics'> = async (
  { runId },
  deps,
) => {
  let c = await deps.caseOf(runId);
  const l = c.loaded!;
  if (!c.collected) {
    const lag = deps.settings.telemetryLagMs;
    const due = l.after.until + lag;
    const now = deps.now();
    if (l.deploymentOutcome === 'deployed' && now < due)
      return {
        wait: {
          until: due,
          reason: `observing ${l.services.join(', ')} after the deployment until ${new Date(l.after.until).toISOString()}`,
        },
      };
    // Parsing may run behind (a busy machine, a backlog): until the service's telemetry reaches the window's end, the
    // run looks again, up to LATE_TELEMETRY_FACTOR lags more; after that it judges what arrived (`complete` false).
    if (l.deploymentOutcome === 'deployed') {
      const reached = await parsedUntil(deps, l.services);
      const giveUpAt = due + LATE_TELEMETRY_FACTOR * lag;
      if (reached < l.after.until && now < giveUpAt)
        return {
          wait: {
            until: Math.min(giveUpAt, now + Math.max(5000, Math.round(lag / 4))),
            reason: `waiting for ${l.services.join(', ')}'s telemetry to reach ${new Date(l.after.until).toISOString()} (parsed until ${reached > 0 ? new Date(reached).toISOString() : 'nothing yet'})`,
          },
        };
    }
    const rows = await seriesAggregates(deps, c);
    const after = rows.filter((r) => r.windowStart >= l.after.from && r.windowStart < l.after.until);
    const last = Math.max(0, ...after.map((r) => r.windowStart + r.windowMs));
    const serviceAggregates = (
      await deps.telemetry.contributionsToWindows(l.services, l.after.from, l.after.until)
    ).length;
    c = await deps.record(runId, 'collected', {
      serviceAggregates,
      aggregates: after.length,
      events: after.reduce((a, r) => a + r.count, 0),
      errors: after.reduce((a, r) => a + r.errorCount, 0),
      parseRunIds: [...new Set(after.map((r) => r.runId))].sort().slice(0, 100),
      complete: l.deploymentOutcome === 'deployed' && last >= l.after.until - 60_000,
    });
  }
  const m = c.collected!;
  return {
    event: {
      type: 'PostDeploymentMetricsCollected',
      payload: {
        window: l.after,
        aggregates: m.aggregates,
        events: m.events,
        errors: m.errors,
        parseRunIds: m.parseRunIds,
        complete: m.complete,
      },
    },
  };
};

/**
 * The aggregates of the incident's series (its findings' templates) from the baseline's start to the observation's
 * end, and over the same hours on earlier days: each stretch read on its own (the days between are not read).
 */
export async function seriesAggregates(deps: LearningDeps, c: LearningCase): Promise<AggregateView[]> {
  const l = c.loaded!;
  const templates = [...new Set(l.findings.flatMap((f) => f.templateIds))];
  if (templates.length === 0) return [];
  const stretches = [{ from: l.baseline.from, until: l.after.until }, ...(l.sameHoursBefore ?? [])];
  const seen = new Set<string>();
  const rows: AggregateView[] = [];
  for (const r of stretches)
    for (const a of await deps.telemetry.contributionsToWindows(l.services, r.from, r.until, templates)) {
      const key = `${a.runId}|${a.service}|${a.templateId}|${a.windowStart}`;
      if (seen.has(key)) continue;
      seen.add(key);
      rows.push(a);
    }
  return rows;
}
