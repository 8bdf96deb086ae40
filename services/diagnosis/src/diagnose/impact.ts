import type { Finding, PayloadOf, WindowAggregate } from '@self-healing/schemas';

export type Impact = PayloadOf<'ImpactAssessed'>;
type Severity = Impact['severity'];

/**
 * Impact from the telemetry: traffic on the operations the findings name, error rate and p95 latency during the
 * incident against the same length of time before it, how far it reaches, and a priority.
 *
 * Priority: 1 act now, 4 backlog. Severity sets it (critical 1, high 2, medium 3, low 4); a user-facing incident
 * whose error rate rose by 5 points or more moves up one step, one that touches no traffic moves down one.
 */
export function assessImpact(p: {
  severity: Severity;
  findings: readonly Finding[];
  services: readonly string[];
  timeRange: { from: number; until: number };
  during: readonly WindowAggregate[];
  before: readonly WindowAggregate[];
  /** The service takes requests from users (it has a front end in the catalogue). */
  userFacing: boolean;
}): Impact {
  const templates = new Set(p.findings.flatMap((f) => f.templateIds));
  const minutes = Math.max(1 / 60, (p.timeRange.until - p.timeRange.from) / 60_000);
  const hit = p.during.filter((a) => templates.has(a.templateId));
  const affected = hit.length > 0 ? hit.reduce((s, a) => s + a.count, 0) / minutes : null;
  const rate = (xs: readonly WindowAggregate[]) => {
    const total = xs.reduce((s, a) => s + a.count, 0);
    return total > 0 ? xs.reduce((s, a) => s + a.errorCount, 0) / total : null;
  };
  const rDuring = rate(p.during);
  const rBefore = rate(p.before);
  const errorRateDelta = rDuring !== null && rBefore !== null ? rDuring - rBefore : null;
  const p95 = (xs: readonly WindowAggregate[]) => {
    const v = xs.filter((a) => templates.has(a.templateId) && a.latency).map((a) => a.latency!.p95);
    v.sort((a, b) => a - b);
    return v.length ? v[Math.floor(v.length / 2)]! : null;
  };
  const pDuring = p95(p.during);
  const pBefore = p95(p.before);
  const latencyP95DeltaMs = pDuring !== null && pBefore !== null ? pDuring - pBefore : null;
  const operations = new Set(p.findings.map((f) => f.subject));
  const blastRadius: Impact['blastRadius'] =
    p.services.length > 1 ? 'multiple_services' : operations.size > 1 ? 'single_service' : 'single_operation';
  const base = { critical: 1, high: 2, medium: 3, low: 4 }[p.severity];
  let priority = base;
  const reasons = [`severity ${p.severity} gives priority ${base}`];
  if (p.userFacing && errorRateDelta !== null && errorRateDelta >= 0.05) {
    priority--;
    reasons.push(
      `user-facing with the error rate up ${(errorRateDelta * 100).toFixed(1)} points: one step up`,
    );
  }
  if (affected === 0) {
    priority++;
    reasons.push('no traffic on the affected operations: one step down');
  }
  priority = Math.min(4, Math.max(1, priority));
  const parts = [
    affected !== null ? `${affected.toFixed(1)} requests/min on the affected operations` : null,
    errorRateDelta !== null ? `error rate ${signed(errorRateDelta * 100)} points` : null,
    latencyP95DeltaMs !== null ? `p95 ${signed(latencyP95DeltaMs)} ms` : null,
  ].filter(Boolean);
  return {
    severity: p.severity,
    priority,
    blastRadius,
    affectedServices: [...p.services].sort(),
    affectedRequestsPerMin: affected,
    errorRateDelta,
    latencyP95DeltaMs,
    userFacing: p.userFacing,
    rationale: `${parts.join(', ') || 'no traffic figures for the incident window'}; ${reasons.join('; ')}.`,
  };
}

const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;
