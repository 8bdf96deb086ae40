import type { DiagnoseBeat } from '../service/deps.js';
import { assessImpact as assess } from '../diagnose/impact.js';

/**
 * Beat 8. Impact from the stored windows of the incident's services: during the incident against as long a stretch
 * before it (diagnose/impact.ts). A service with a front end in the catalogue serves users.
 */
export const assessImpact: DiagnoseBeat<'assessImpact'> = async ({ runId }, deps) => {
  const c = await deps.caseOf(runId);
  const { from, until } = c.timeRange;
  const span = Math.max(60_000, until - from);
  const [during, before] = await Promise.all([
    deps.telemetry.contributionsToWindows(c.services, from, until),
    deps.telemetry.contributionsToWindows(c.services, from - span, from),
  ]);
  const service = deps.serviceEntry(c.services);
  const impact = assess({
    severity: c.severity,
    findings: c.findings,
    services: c.services,
    timeRange: c.timeRange,
    during,
    before,
    userFacing: service !== null && service.entry.deployer.frontendPort > 0,
  });
  await deps.cases.updateOne({ _id: runId }, { $set: { impact } });
  return { event: { type: 'ImpactAssessed', payload: impact } };
};
